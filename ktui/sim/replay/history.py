"""The history of a run: trace, checkpoints and journal; restore and replay.

As QEMU's record/replay (docs/system/replay.rst): the history is the trace
(every event, flat), whole-state checkpoints every `CHECKPOINT_INTERVAL`
events, and the journal of commands (`ktui.sim.replay.journal`). Any
position is reached by restoring the nearest checkpoint at or before it into
the one machine (restore in place) and replaying forward, which the
determinism of the model makes exact.

Every replay goes through `History.replay`: the event sink is muted (replayed
events are not new), each replayed event is checked against the record, and
the journal's commands execute again at their indexes.

Replays leave denser checkpoints behind (every `DENSE_INTERVAL` events), but
only within `DENSE_WINDOW` events of their target, where the next step back
will look: a far goto does not pay for checkpoints along its whole replay.
They live in a cache bounded to `DENSE_MAX_BYTES` bytes, least recently used
dropped first (each counted with the big-array chunks it stored new).

Big array state (`ktui.sim.replay.chunked.ChunkedArray`) is checkpointed
incrementally: a checkpoint stores only the chunks changed since the last
one, in the history's `ChunkStore`, and refers to the rest.
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable
from typing import TYPE_CHECKING, Final

from ktui.sim.errors import SimInvariantError
from ktui.sim.machine import NO_HORIZON
from ktui.sim.replay import checkpoint
from ktui.sim.replay.chunked import ChunkStore
from ktui.sim.replay.journal import Journal
from ktui.sim.trace import TraceLog

if TYPE_CHECKING:
    from ktui.sim.commands import Command
    from ktui.sim.machine import Machine

CHECKPOINT_INTERVAL: Final = 4096
"""Events between the checkpoints kept for the whole history.

A trade between recording and seeking: a 200-task checkpoint costs about
1.5 ms to pickle, so every 1024 events it was a fifth of the recording cost
(history overhead 1.36x, bench_sim), every 4096 about a twentieth (1.2x);
a far goto then replays at most 4095 events (~35 ms) and dense checkpoints
keep steps back near the target cheap."""
DENSE_INTERVAL: Final = 64
"""Events between the dense checkpoints a replay leaves near its target.

A checkpoint restore costs about as much as replaying 150 events, so a step
back costs one restore plus at most this many events of replay."""
DENSE_WINDOW: Final = 256
"""A replay saves dense checkpoints only this many events before its target."""
DENSE_MAX_BYTES: Final = 8 << 20
"""Bound of the dense-checkpoint cache (8 MiB: ~180 checkpoints of bench-cpu's
200 tasks, i.e. dense cover of ~11,000 events)."""


class DenseCache:
    """Dense checkpoints by position, an LRU bounded in bytes.

    Args:
        max_bytes: Drop the least recently used beyond this many bytes.
    """

    __slots__ = ("_blobs", "_sizes", "max_bytes", "nbytes")

    def __init__(self, max_bytes: int = DENSE_MAX_BYTES) -> None:
        self._blobs: OrderedDict[int, bytes] = OrderedDict()
        self._sizes: dict[int, int] = {}
        self.max_bytes = max_bytes
        self.nbytes = 0
        """Bytes held now (at most `max_bytes`)."""

    def __len__(self) -> int:
        return len(self._blobs)

    def __contains__(self, n: int) -> bool:
        return n in self._blobs

    def get(self, n: int) -> bytes | None:
        """The checkpoint at position `n` (marked recently used), or None."""
        blob = self._blobs.get(n)
        if blob is not None:
            self._blobs.move_to_end(n)
        return blob

    def put(self, n: int, blob: bytes, size: int | None = None) -> list[int]:
        """Keep `blob` as the checkpoint at `n`, dropping old ones past the bound.

        Args:
            n: Its position.
            blob: The checkpoint.
            size: Bytes to count for it (default ``len(blob)``; more when it
                also stored chunks of big arrays).

        Returns:
            The positions dropped.
        """
        blobs = self._blobs
        dropped: list[int] = []
        if n in blobs:
            self._drop(n)
            dropped.append(n)
        size = len(blob) if size is None else size
        blobs[n] = blob
        self._sizes[n] = size
        self.nbytes += size
        while self.nbytes > self.max_bytes and len(blobs) > 1:
            k = next(iter(blobs))
            self._drop(k)
            dropped.append(k)
        return dropped

    def _drop(self, n: int) -> None:
        del self._blobs[n]
        self.nbytes -= self._sizes.pop(n)

    def cut(self, n: int) -> list[int]:
        """Forget the checkpoints after position `n`; returns their positions."""
        gone = [k for k in self._blobs if k > n]
        for k in gone:
            self._drop(k)
        return gone

    def blobs(self) -> list[bytes]:
        """The checkpoints held (their own bytes, without shared chunks)."""
        return list(self._blobs.values())

    def positions(self) -> list[int]:
        """Positions held, in increasing order."""
        return sorted(self._blobs)


class History:
    """The record of one machine's run, and the way back to any point of it.

    Args:
        m: The machine (the same object for the whole run: restores go into it).
        record: Keep the trace and checkpoints; off, only the journal and the
            end are kept and the machine only runs forward.
    """

    def __init__(self, m: Machine, *, record: bool = True) -> None:
        self.m = m
        self.record = record
        self.log = TraceLog()
        """Every recorded event."""
        self.checkpoints: dict[int, bytes] = {}
        """Sparse checkpoints, at every multiple of CHECKPOINT_INTERVAL recorded."""
        self.dense = DenseCache()
        self.chunks = ChunkStore()
        """Contents of big arrays (`ChunkedArray`), shared by checkpoints."""
        self._refs: dict[tuple[bool, int], list[int]] = {}
        """Chunk ids each checkpoint holds, by (dense?, position)."""
        self.journal = Journal()
        self.end: int | None = None
        """Event count at which the machine ran out of work, once known."""
        self.livelock = ""
        """Why the machine live-locked at `end` (`livelock_reason`), or ""
        when it ran out of work there."""
        self.stalled = ""
        """Why the last `advance` returned False: ``"finished"``,
        ``"livelock"``, ``"until"`` (the step reached ``cfg.horizon``) or
        ``"ktime_max"`` (the next work is past KTIME_MAX)."""
        if record:
            self._save_sparse(0)

    def _save_sparse(self, n: int) -> None:
        refs: list[int] = []
        self.checkpoints[n] = checkpoint.save(self.m, self.chunks, refs)
        if refs:
            self._refs[False, n] = refs

    def _save_dense(self, n: int) -> None:
        refs: list[int] = []
        store = self.chunks
        store.new_bytes = 0
        blob = checkpoint.save(self.m, store, refs)
        for k in self.dense.put(n, blob, len(blob) + store.new_bytes):
            self._release(True, k)  # (a replaced checkpoint at n releases its old refs)
        if refs:
            self._refs[True, n] = refs

    def _release(self, dense: bool, n: int) -> None:
        refs = self._refs.pop((dense, n), None)
        if refs:
            self.chunks.release(refs)

    @property
    def recorded(self) -> int:
        """Events recorded so far (the furthest position reached)."""
        return len(self.log) if self.record else self.m.nr_events

    # -- forward ------------------------------------------------------------
    def advance(self) -> bool:
        """One event forward, recorded; False at the end of the run.

        An event recorded already (after a step back) is replayed instead:
        checked against the record, and not sent to the sink again.
        """
        m = self.m
        if self.end is not None and m.nr_events >= self.end:
            self.stalled = "livelock" if self.livelock else "finished"
            return False
        if m.nr_events < len(self.log.times):
            self.replay(m.nr_events + 1)  # a recorded event: silent and checked
            return True
        commands = self.journal.at
        if commands and m.nr_events in commands:
            self._execute(commands[m.nr_events])
        elif not m.step():
            return self._stalled()
        if self.record:
            n = m.nr_events
            log = self.log
            if n > len(log.times):
                log.append(m.last)
                if n % CHECKPOINT_INTERVAL == 0:
                    self._save_sparse(n)
        return True

    def _stalled(self) -> bool:
        """A step stopped without an event: at the horizon, in a live-lock
        (the end of this run: every step from here does the same), or at
        the end of the work. Returns False."""
        m = self.m
        stall = m.cfg.stall
        self.stalled = stall or "finished"
        if stall in ("until", "ktime_max"):
            if self.record:  # back to "right after the last event"
                self.restore(m.nr_events)
            return False
        if stall == "livelock":
            from ktui.sim.hw.cpu import livelock_reason

            self.livelock = livelock_reason(m, *m.cfg.stall_item)
        else:
            self.livelock = ""
        self._reached_end()
        return False

    def _reached_end(self) -> None:
        self.end = self.m.nr_events
        if self.record:
            # Draining the queue ran silent work past the last event; put the
            # state back to "right after the last event" like any position.
            self.restore(self.end)

    def _execute(self, cmd: Command) -> None:
        m = self.m
        before = m.nr_events
        cmd.execute(m)
        if m.nr_events != before + 1:
            raise SimInvariantError(
                f"command {cmd.name} emitted {m.nr_events - before} events (must emit one)"
            )

    def apply(self, cmd: Command) -> None:
        """Issue `cmd` at the current position: journal it, forget the
        recorded future after this position, execute it (its one event is
        recorded as the next).

        Raises:
            CommandError: the command cannot execute here (nothing changed).
        """
        m = self.m
        cmd.check(m)
        n = m.nr_events
        self.cut(n)
        self.journal.add(n, cmd)
        self.advance()

    def cut(self, n: int) -> None:
        """Forget everything recorded after position `n` (the future changes)."""
        self.end = None
        self.livelock = ""
        self.journal.cut(n)
        if not self.record:
            return
        self.log.truncate(n)
        for k in [k for k in self.checkpoints if k > n]:
            del self.checkpoints[k]
            self._release(False, k)
        for k in self.dense.cut(n):
            self._release(True, k)

    # -- back ---------------------------------------------------------------
    def seek(self, target: int) -> None:
        """Put the machine at recorded position `target`, the cheapest way.

        Forward from here when no checkpoint lies between here and the
        target; otherwise restore the nearest checkpoint at or before it and
        replay. Either way dense checkpoints are left only in the last
        `DENSE_WINDOW` events before the target; a short step back (within
        the window) fills its whole checkpoint interval instead, so that
        holding "back" pays for one long replay per interval, not per window.
        """
        cur = self.m.nr_events
        base, blob = self._nearest(target)
        if base <= cur <= target:
            self.replay(target, dense_from=target - DENSE_WINDOW)
            return
        checkpoint.restore_into(self.m, blob, self.chunks)
        back = target < cur <= target + DENSE_WINDOW
        self.replay(target, dense_from=base + 1 if back else target - DENSE_WINDOW)

    def restore(self, target: int) -> None:
        """Restore the nearest checkpoint at or before `target` and replay to it."""
        base = self.restore_checkpoint(target)
        self.replay(target, dense_from=max(base + 1, target - DENSE_WINDOW))

    def _nearest(self, target: int) -> tuple[int, bytes]:
        """The latest checkpoint at or before `target`: ``(position, blob)``."""
        base = target // CHECKPOINT_INTERVAL * CHECKPOINT_INTERVAL
        dense = self.dense
        for k in range(target // DENSE_INTERVAL * DENSE_INTERVAL, base, -DENSE_INTERVAL):
            blob = dense.get(k)
            if blob is not None:
                return k, blob
        return base, self.checkpoints[base]

    def restore_checkpoint(self, target: int) -> int:
        """Restore the latest checkpoint at or before `target`; returns its position."""
        base, blob = self._nearest(target)
        checkpoint.restore_into(self.m, blob, self.chunks)
        return base

    def replay(
        self,
        target: int,
        *,
        dense_from: int | None = None,
        on_event: Callable[[Machine], None] | None = None,
    ) -> None:
        """Replay the recorded events up to position `target`, silently.

        The sink is muted, every event is checked against the record and
        the journal's commands execute at their indexes.

        Args:
            target: Position to stop at (<= recorded).
            dense_from: Save dense checkpoints at positions >= this.
            on_event: Called after each replayed event (breakpoint searches).

        Raises:
            SimInvariantError: a replayed event differs from the record.
        """
        m = self.m
        cfg = m.cfg
        log = self.log
        commands = self.journal.at
        dense = self.dense
        sink, cfg.sink = cfg.sink, None  # replayed events are not new
        horizon, cfg.horizon = cfg.horizon, NO_HORIZON  # recorded: replay them all
        try:
            while m.nr_events < target:
                if commands and m.nr_events in commands:
                    self._execute(commands[m.nr_events])
                elif not m.step():
                    raise SimInvariantError(f"replay ended at {m.nr_events} before {target}")
                n = m.nr_events
                if log.record(n - 1) != m.last:
                    raise SimInvariantError(f"replay diverged at event {n}")
                if (
                    dense_from is not None
                    and n >= dense_from
                    and n % DENSE_INTERVAL == 0
                    and n % CHECKPOINT_INTERVAL
                    and n not in dense
                ):
                    self._save_dense(n)
                if on_event is not None:
                    on_event(m)
        finally:
            cfg.sink = sink
            cfg.horizon = horizon

    def nbytes(self) -> int:
        """Bytes held: the trace plus every checkpoint (dense ones included)."""
        return (
            self.log.nbytes()
            + sum(len(b) for b in self.checkpoints.values())
            + sum(len(b) for b in self.dense.blobs())
            + self.chunks.nbytes
        )
