"""The words of the scheduler's system-call ops -> their arguments.

No kernel counterpart: how a program writes ``sched_setattr policy=fifo
priority=10``, ``sched_setscheduler rr 5 t2``, ``sched_setaffinity 0-2,5``
(`ktui.sim.ops.ArgParser`s for `ktui.sim.kernel.sched.syscalls`). Each
returns the op's int args; a target is a pid (0: the caller), a task
named by comm resolving to its scenario pid. Values the kernel checks
(a priority of 100, an unknown policy number) are kept as written so that
the call returns the kernel's -EINVAL; only what cannot be written at all
is a scenario error.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Final

from ktui.sim.include.linux.sched import POLICY_BY_NAME
from ktui.sim.include.uapi.linux.sched import (
    SCHED_FLAG_DL_OVERRUN,
    SCHED_FLAG_KEEP_ALL,
    SCHED_FLAG_KEEP_PARAMS,
    SCHED_FLAG_KEEP_POLICY,
    SCHED_FLAG_RECLAIM,
    SCHED_FLAG_RESET_ON_FORK,
    SCHED_FLAG_UTIL_CLAMP_MAX,
    SCHED_FLAG_UTIL_CLAMP_MIN,
)
from ktui.sim.ops import ArgResolver
from ktui.sim.units import did_you_mean, shorten

SELF: Final = 0
"""A target pid of 0: the calling task (find_process_by_pid(0) is current)."""
NR_CPUS: Final = 8192
"""CONFIG_NR_CPUS's largest value: the widest CPU mask a program may write."""
POLICY_NAMES: Final[dict[str, int]] = {
    **{name: int(p) for name, p in POLICY_BY_NAME.items()},
    "other": 0,  # SCHED_OTHER, the POSIX name of SCHED_NORMAL
}
"""Policy names a program may write (``SCHED_`` prefix and case ignored)."""
SCHED_FLAG_NAMES: Final[dict[str, int]] = {
    "reset_on_fork": SCHED_FLAG_RESET_ON_FORK,
    "reclaim": SCHED_FLAG_RECLAIM,
    "dl_overrun": SCHED_FLAG_DL_OVERRUN,
    "keep_policy": SCHED_FLAG_KEEP_POLICY,
    "keep_params": SCHED_FLAG_KEEP_PARAMS,
    "keep_all": SCHED_FLAG_KEEP_ALL,
    "util_clamp_min": SCHED_FLAG_UTIL_CLAMP_MIN,
    "util_clamp_max": SCHED_FLAG_UTIL_CLAMP_MAX,
}
"""``flags=`` names: SCHED_FLAG_* without the prefix, joined with ``|``."""


def _policy_word(word: str) -> int:
    """A policy by name (``fifo``, ``SCHED_FIFO``) or number (any: the
    kernel answers -EINVAL for one it does not know)."""
    name = word.lower().removeprefix("sched_")
    if name in POLICY_NAMES:
        return POLICY_NAMES[name]
    if re.fullmatch(r"[+-]?\d{1,10}", word):
        return int(word)
    hint = did_you_mean(name, list(POLICY_NAMES))
    raise ValueError(f"unknown policy {shorten(word)!r}{hint} (one of {', '.join(POLICY_NAMES)}, or a number)")


def _int_word(key: str, word: str, lo: int = -(2**31), hi: int = 2**32 - 1) -> int:
    if not re.fullmatch(r"[+-]?\d{1,20}", word) or not lo <= int(word) <= hi:
        raise ValueError(f"{key}={shorten(word)}: expected an integer in {lo}..{hi}")
    return int(word)


def _flags_word(word: str) -> int:
    """``flags=reclaim|dl_overrun`` or a number."""
    if re.fullmatch(r"\d{1,20}", word):
        return int(word)
    if re.fullmatch(r"0x[0-9a-fA-F]{1,16}", word):
        return int(word, 16)
    flags = 0
    for part in word.lower().replace(",", "|").split("|"):
        name = part.removeprefix("sched_flag_")
        if name not in SCHED_FLAG_NAMES:
            hint = did_you_mean(name, list(SCHED_FLAG_NAMES))
            raise ValueError(
                f"unknown flag {shorten(part)!r}{hint} (flags: {', '.join(SCHED_FLAG_NAMES)}, or a number)"
            )
        flags |= SCHED_FLAG_NAMES[name]
    return flags


def target_word(word: str, resolve: ArgResolver) -> int:
    """``pid=N`` (any integer: -1 is the kernel's -EINVAL) or a task name."""
    if word.startswith("pid="):
        return _int_word("pid", word[4:], -(2**31), 2**31 - 1)
    return resolve("task", "task", word) + 1


def parse_target_only(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``[TASK|pid=N]``: the target, the caller by default."""
    if len(words) > 1:
        raise ValueError(f"expected at most a target (a task name or pid=N), got {len(words)} words")
    return ((target_word(words[0], resolve) if words else SELF),), ()


_SETATTR_KEYS: Final = {
    "policy": 1,
    "flags": 2,
    "nice": 3,
    "priority": 4,
    "rt_priority": 4,
    "sched_priority": 4,
    "runtime": 5,
    "deadline": 6,
    "period": 7,
}
"""``sched_setattr`` keys -> their place in the op's args (0 is the pid)."""


def parse_setattr(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``[TASK|pid=N] [policy=P] [nice=N] [priority=N] [runtime=D]
    [deadline=D] [period=D] [flags=F]``; what is not given is 0, as in a
    zeroed ``struct sched_attr``."""
    args = [SELF, 0, 0, 0, 0, 0, 0, 0]
    seen: set[int] = set()
    target = False
    for word in words:
        key, eq, value = word.partition("=")
        if not eq or key == "pid":
            if target:
                raise ValueError(f"a second target {shorten(word)!r}; name one task (or pid=N)")
            target = True
            args[0] = target_word(word, resolve)
            continue
        slot = _SETATTR_KEYS.get(key)
        if slot is None:
            hint = did_you_mean(key, [*_SETATTR_KEYS, "pid"])
            raise ValueError(f"unknown key {shorten(key)!r}{hint}")
        if slot in seen:
            raise ValueError(f"{key} given twice")
        seen.add(slot)
        if slot == 1:
            args[1] = _policy_word(value)
        elif slot == 2:
            args[2] = _flags_word(value)
        elif slot in (3, 4):
            args[slot] = _int_word(key, value)
        else:
            args[slot] = resolve(key, "duration", value)
    return tuple(args), ()


def parse_setscheduler(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``POLICY PRIO [TASK|pid=N]``."""
    if not 2 <= len(words) <= 3:
        raise ValueError(f"expected POLICY PRIO [TASK], got {len(words)} words")
    target = target_word(words[2], resolve) if len(words) == 3 else SELF
    return (target, _policy_word(words[0]), _int_word("PRIO", words[1])), ()


def parse_cpulist(word: str) -> int:
    """A CPU list as taskset -c and /proc's ``Cpus_allowed_list`` write it
    (``0-2,5``), or a hex mask (``0x5``; ``0x0`` is the empty mask) -> mask.

    Raises:
        ValueError: not a list or mask, or a CPU past NR_CPUS.
    """
    if re.fullmatch(r"0x[0-9a-fA-F]{1,2048}", word):
        mask = int(word, 16)
        if mask >> NR_CPUS:
            raise ValueError(f"mask {shorten(word)} has CPUs past NR_CPUS ({NR_CPUS})")
        return mask
    mask = 0
    for part in word.split(","):
        lo_s, dash, hi_s = part.partition("-")
        if not re.fullmatch(r"\d{1,5}", lo_s) or (dash and not re.fullmatch(r"\d{1,5}", hi_s)):
            raise ValueError(f"bad CPU list {shorten(word)!r}; expected e.g. 0-2,5 or a mask 0x5")
        lo = int(lo_s)
        hi = int(hi_s) if dash else lo
        if hi < lo or hi >= NR_CPUS:
            raise ValueError(f"bad CPU range {shorten(part)!r}; CPUs are 0..{NR_CPUS - 1}, low-high")
        mask |= ((1 << (hi - lo + 1)) - 1) << lo
    return mask


def parse_setaffinity(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``CPU-LIST [TASK|pid=N]``."""
    if not 1 <= len(words) <= 2:
        raise ValueError(f"expected CPU-LIST [TASK], got {len(words)} words")
    target = target_word(words[1], resolve) if len(words) == 2 else SELF
    return (target, parse_cpulist(words[0])), ()


def parse_nice(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    """``INCREMENT`` (an int: sys_nice() clamps it)."""
    if len(words) != 1:
        raise ValueError(f"expected one INCREMENT, got {len(words)} words")
    return (_int_word("INCREMENT", words[0]),), ()


def parse_none(words: Sequence[str], resolve: ArgResolver) -> tuple[tuple[int, ...], tuple[str, ...]]:
    if words:
        raise ValueError(f"takes no arguments, got {len(words)}")
    return (), ()
