"""End to end: the installed ``ktui`` console script in a real
pseudo-terminal; press ``c``, see DEADLOCK, press ``q``, exit status 0."""

from __future__ import annotations

import fcntl
import os
import pty
import select
import shutil
import struct
import subprocess
import sys
import termios
import time
from pathlib import Path

import pytest


def ktui_command() -> list[str]:
    """The console script next to this Python, on PATH, or ``python -m ktui``."""
    script = Path(sys.executable).with_name("ktui")
    if script.exists():
        return [str(script)]
    found = shutil.which("ktui")
    return [found] if found else [sys.executable, "-m", "ktui"]


def read_until(fd: int, needle: bytes, seen: bytearray, timeout: float) -> bool:
    """Read the pty into `seen` until `needle` appears or `timeout` passes."""
    deadline = time.monotonic() + timeout
    while needle not in seen:
        left = deadline - time.monotonic()
        if left <= 0:
            return False
        ready, _, _ = select.select([fd], [], [], left)
        if ready:
            try:
                chunk = os.read(fd, 65536)
            except OSError:
                return needle in seen
            if not chunk:
                return needle in seen
            seen.extend(chunk)
    return True


@pytest.mark.skipif(sys.platform == "win32", reason="needs a POSIX pty")
def test_ktui_in_a_pty_continue_then_quit() -> None:
    master, slave = pty.openpty()
    fcntl.ioctl(slave, termios.TIOCSWINSZ, struct.pack("HHHH", 40, 120, 0, 0))
    env = {**os.environ, "TERM": "xterm-256color", "COLUMNS": "120", "LINES": "40"}
    env.pop("TEXTUAL", None)
    proc = subprocess.Popen(
        [*ktui_command(), "abba"], stdin=slave, stdout=slave, stderr=slave,
        env=env, close_fds=True, start_new_session=True,
    )
    os.close(slave)
    seen = bytearray()
    try:
        assert read_until(master, b"PAUSED", seen, 30), seen[-2000:]
        os.write(master, b"c")
        assert read_until(master, b"DEADLOCK", seen, 30), seen[-2000:]
        os.write(master, b"q")
        deadline = time.monotonic() + 30
        while proc.poll() is None and time.monotonic() < deadline:
            read_until(master, b"\x00never\x00", seen, 0.2)  # drain while it exits
        assert proc.wait(timeout=1) == 0
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        os.close(master)
