"""The hardware beneath the kernel's memory barriers: per-CPU store buffers
and invalidate queues, as Paul McKenney's "Memory Barriers: a Hardware View
for Software Hackers" (the model Documentation/memory-barriers.txt starts
from) draws them, checked against the Linux-kernel memory model of
tools/memory-model (its MP and SB litmus tests).

State (``m.ext["litmus"]``, plain data, so checkpoints and state hashes carry
it), for the shared variables of a scenario's ``[litmus]`` table:

- ``mem``: memory (the coherence point), one value per variable;
- ``view[cpu]``: what each CPU's cache holds; a store another CPU committed
  reaches it only when the CPU processes the invalidation;
- ``sb[cpu]``: the store buffer, entries ``[var, value, epoch]``. A store
  commits some time after ``WRITE_ONCE`` (`SB_COMMIT_MAX_NS`), in any order
  across variables but in program order per variable (coherence), and never
  past an ``smp_wmb()`` (the epoch: no entry commits while an entry of an
  earlier epoch waits);
- ``inv[cpu]``: the invalidate queue, entries ``[var, value]``, each
  processed some time after its commit (`INV_PROCESS_MAX_NS`), in any order
  across variables but in order per variable;
- ``regs``: the values programs read (``r0 = READ_ONCE x``), per task.

``READ_ONCE x`` returns the CPU's newest buffered store to x (store
forwarding), else its cache. ``smp_wmb()`` orders stores (a new epoch),
``smp_rmb()`` processes the whole invalidate queue before later loads,
``smp_mb()`` drains the store buffer (each commit queues its invalidations)
and then processes the invalidate queue. Each access also takes a random
0..`ACCESS_MAX_NS` ns (a cache hit to a miss), so runs with different seeds
interleave differently. Every delay comes from the machine's seeded RNG.

What this allows, against tools/memory-model's herd7 verdicts: MP
(message passing) ``r0=1, r1=0`` without barriers and with only one of
``smp_wmb``/``smp_rmb`` (LKMM: Sometimes), never with both (Never); SB
(store buffering) ``r0=0, r1=0`` without barriers (Sometimes), never with
``smp_mb`` on both sides (Never). It is stricter than the LKMM where loads
would have to run ahead of earlier stores or loads (LB's ``r0=r1=1`` never
shows): no outcome it produces is one the LKMM forbids for these ops.

The delays are ktui's (hardware-dependent; the kernel has no such numbers).
Left out: acquire/release, ``smp_load_acquire``, RMW atomics and
``smp_mb__after_atomic``, control and address dependencies, a task that
migrates while its stores are buffered (pin litmus tasks with ``cpu``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Final

from ktui.sim.machine import PRIO_IRQ, register_kind
from ktui.sim.trace import define_event, symbol

if TYPE_CHECKING:
    from ktui.sim.machine import Machine

ACCESS_MAX_NS: Final = 20
"""Time one READ_ONCE/WRITE_ONCE takes at most (uniform 0..20 ns)."""
SB_COMMIT_MAX_NS: Final = 100
"""A buffered store commits within 0..100 ns (once its epoch is the oldest)."""
INV_PROCESS_MAX_NS: Final = 100
"""An invalidation is processed within 0..100 ns of its commit."""

EV_STORE_COMMIT = define_event("store_commit", "litmus", ("var", "sym"), ("val", "int"))
"""A buffered store reached memory; the other CPUs get invalidations."""
EV_INVALIDATE = define_event("cache_invalidate", "litmus", ("var", "sym"), ("val", "int"))
"""A CPU processed an invalidation: its cache now holds the new value."""


def litmus_state(m: Machine) -> dict[str, object]:
    """``m.ext["litmus"]`` (created by `litmus_boot`)."""
    st = m.ext["litmus"]
    assert isinstance(st, dict)
    return st


def var_names(m: Machine) -> tuple[str, ...]:
    """The ``[litmus]`` variables, in index order."""
    spec = m.cfg.scenario.sections.get("litmus")
    return spec.names if spec is not None else ()  # type: ignore[attr-defined]


def litmus_boot(m: Machine) -> None:
    """Memory and every cache hold the initial values; buffers are empty."""
    spec = m.cfg.scenario.sections.get("litmus")
    init: list[int] = list(spec.init) if spec is not None else []  # type: ignore[attr-defined]
    m.ext["litmus"] = {
        "mem": list(init),
        "view": [list(init) for _ in range(m.ncpus)],
        "sb": [[] for _ in range(m.ncpus)],
        "epoch": [0] * m.ncpus,
        "inv": [[] for _ in range(m.ncpus)],
        "regs": [],
    }


def _lists(st: dict[str, object], key: str) -> list[list[list[int]]]:
    value = st[key]
    assert isinstance(value, list)
    return value


def buffer_store(m: Machine, cpu: int, var: int, val: int) -> None:
    """WRITE_ONCE(): the store enters `cpu`'s store buffer; its commit is due
    within `SB_COMMIT_MAX_NS`."""
    st = litmus_state(m)
    epoch = st["epoch"]
    assert isinstance(epoch, list)
    _lists(st, "sb")[cpu].append([var, val, epoch[cpu]])
    m.push(m.now + m.rng.randint(0, SB_COMMIT_MAX_NS), PRIO_IRQ, K_SB_COMMIT, cpu, 0)


def load(m: Machine, cpu: int, var: int) -> int:
    """READ_ONCE(): the newest buffered store to `var` (forwarding), else the cache."""
    st = litmus_state(m)
    for entry in reversed(_lists(st, "sb")[cpu]):
        if entry[0] == var:
            return entry[1]
    view = st["view"]
    assert isinstance(view, list)
    return int(view[cpu][var])


def _first_per_var(entries: list[list[int]], allowed: int | None = None) -> list[int]:
    """Indexes of the entries that may go next: the first of each variable
    (coherence), and with `allowed` only those of that epoch (smp_wmb)."""
    seen: list[int] = []
    out: list[int] = []
    for i, entry in enumerate(entries):
        if entry[0] in seen:
            continue
        seen.append(entry[0])
        if allowed is None or entry[2] == allowed:
            out.append(i)
    return out


def commit_one(m: Machine, cpu: int, index: int) -> tuple[int, int]:
    """Commit store-buffer entry `index` of `cpu` to memory and queue its
    invalidation on every other CPU. Returns (var, value)."""
    st = litmus_state(m)
    var, val, _epoch = _lists(st, "sb")[cpu].pop(index)
    mem = st["mem"]
    view = st["view"]
    assert isinstance(mem, list) and isinstance(view, list)
    mem[var] = val
    view[cpu][var] = val
    for other, queue in enumerate(_lists(st, "inv")):
        if other != cpu:
            queue.append([var, val])
            m.push(m.now + m.rng.randint(0, INV_PROCESS_MAX_NS), PRIO_IRQ, K_INVALIDATE, other, 0)
    return var, val


def committable(m: Machine, cpu: int) -> list[int]:
    """Store-buffer entries of `cpu` that may commit now."""
    sb = _lists(litmus_state(m), "sb")[cpu]
    if not sb:
        return []
    return _first_per_var(sb, min(e[2] for e in sb))


def drain(m: Machine, cpu: int) -> int:
    """smp_mb()'s first half: commit the whole store buffer, oldest epoch and
    program order first. Returns how many stores committed."""
    n = 0
    while _lists(litmus_state(m), "sb")[cpu]:
        commit_one(m, cpu, 0)
        n += 1
    return n


def process_invalidations(m: Machine, cpu: int) -> int:
    """smp_rmb() (and smp_mb()'s second half): apply every queued
    invalidation of `cpu`, in queue order. Returns how many."""
    st = litmus_state(m)
    queue = _lists(st, "inv")[cpu]
    view = st["view"]
    assert isinstance(view, list)
    n = len(queue)
    for var, val in queue:
        view[cpu][var] = val
    queue.clear()
    return n


def _sb_commit(m: Machine, cpu: int, _b: int) -> bool:
    """A store buffer's commit came due: one allowed entry, picked at random."""
    choices = committable(m, cpu)
    if not choices:
        return False  # (an smp_mb() drained it already)
    var, val = commit_one(m, cpu, choices[m.rng.randrange(len(choices))])
    m.emit(EV_STORE_COMMIT, cpu, m.rqs[cpu].curr, symbol(var_names(m)[var]), val)
    return True


def _invalidate(m: Machine, cpu: int, _b: int) -> bool:
    """An invalidation came due on `cpu`: one queued entry, the first of its
    variable, picked at random."""
    st = litmus_state(m)
    queue = _lists(st, "inv")[cpu]
    if not queue:
        return False  # (an smp_rmb()/smp_mb() processed it already)
    seen: list[int] = []
    firsts = []
    for i, (var, _val) in enumerate(queue):
        if var not in seen:
            seen.append(var)
            firsts.append(i)
    var, val = queue.pop(firsts[m.rng.randrange(len(firsts))])
    view = st["view"]
    assert isinstance(view, list)
    view[cpu][var] = val
    m.emit(EV_INVALIDATE, cpu, m.rqs[cpu].curr, symbol(var_names(m)[var]), val)
    return True


K_SB_COMMIT = register_kind("store_commit", _sb_commit)
K_INVALIDATE = register_kind("cache_invalidate", _invalidate)
