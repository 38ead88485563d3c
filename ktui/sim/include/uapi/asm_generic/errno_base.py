"""Error numbers. Models include/uapi/asm-generic/errno-base.h (and the one
entry of errno.h the model returns). System calls return ``-ERRNO``."""

from __future__ import annotations

from typing import Final

EPERM: Final = 1
ESRCH: Final = 3
EINTR: Final = 4
E2BIG: Final = 7
ECHILD: Final = 10
EAGAIN: Final = 11
ENOMEM: Final = 12
EFAULT: Final = 14
EBUSY: Final = 16
EINVAL: Final = 22
ENOSYS: Final = 38  # errno.h

ERRNO_NAMES: Final[dict[int, str]] = {
    EPERM: "EPERM",
    ESRCH: "ESRCH",
    EINTR: "EINTR",
    E2BIG: "E2BIG",
    ECHILD: "ECHILD",
    EAGAIN: "EAGAIN",
    ENOMEM: "ENOMEM",
    EFAULT: "EFAULT",
    EBUSY: "EBUSY",
    EINVAL: "EINVAL",
    ENOSYS: "ENOSYS",
}
"""errno -> its name, for traces and reports (``-EBUSY``)."""


def errno_name(ret: int) -> str:
    """``-EBUSY`` for -16; "" for a return value that is not an error."""
    if ret >= 0:
        return ""
    return "-" + ERRNO_NAMES.get(-ret, str(-ret))
