"""ktui/sim/replay/chunked.py: big array state is checkpointed by changed
chunk, restored in place, and time travel over it stays exact."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import ktui.sim
from ktui.sim import subsystems
from ktui.sim.core.subsystem import Subsystem
from ktui.sim.machine import PRIO_IRQ, Machine, register_kind, unregister_kind
from ktui.sim.replay import checkpoint
from ktui.sim.replay.chunked import CHUNK_WORDS, ChunkedArray, ChunkStore
from ktui.sim.trace import define_event, undefine_event

PAGES = 262_144  # 1 GiB of 4 KiB frames
CHUNK_BYTES = CHUNK_WORDS * 8  # 'Q' words


def test_a_checkpoint_stores_only_the_changed_chunks() -> None:
    """Second save after one write stores one 4 KiB chunk, not 2 MiB."""
    sim = ktui.sim.load("cfs-nice")
    m = sim.machine
    pages = ChunkedArray("test.pages", "Q", PAGES)
    m.ext["pages"] = pages
    store = ChunkStore()
    refs1: list[int] = []
    blob1 = checkpoint.save(m, store, refs1)
    assert store.nbytes == PAGES * 8 and len(refs1) == PAGES // CHUNK_WORDS == 512
    pages[5000] = 7  # chunk 9 (5000 // 512)
    store.new_bytes = 0
    refs2: list[int] = []
    checkpoint.save(m, store, refs2)
    assert store.new_bytes == CHUNK_BYTES
    assert store.nbytes == PAGES * 8 + CHUNK_BYTES
    assert len(blob1) < 64 * 1024  # the blob refers to chunks, it does not hold them
    # restore in place: the same array object, only chunk 9 copied back
    chunk0 = pages.chunks[0]
    checkpoint.restore_into(m, blob1, store)
    assert m.ext["pages"] is pages and pages[5000] == 0
    assert pages.chunks[0] is chunk0
    store.release(refs2)
    assert store.nbytes == PAGES * 8


def test_a_plain_checkpoint_holds_the_whole_array() -> None:
    """Without a store the array pickles in full and restores equal (digest included)."""
    sim = ktui.sim.load("cfs-nice")
    m = sim.machine
    m.ext["pages"] = pages = ChunkedArray("test.pages", "Q", 10_000)
    pages[9999] = 2**64 - 1
    copy = checkpoint.restore(checkpoint.save(m), sim.cfg)
    assert copy.ext["pages"][9999] == 2**64 - 1  # type: ignore[index]
    assert checkpoint.state_hash(copy) == sim.state_hash()
    pages[0] = 1
    assert checkpoint.state_hash(copy) != sim.state_hash()


EV_TOUCH = "test_page_touch"


@pytest.fixture
def paged() -> Iterator[None]:
    """A toy memory subsystem for the length of a test: a 1 GiB page array
    in Machine.ext, and a pending-work kind that writes 3 neighbouring words
    (one chunk) every 4 ms, with one event each time."""
    eid = define_event(EV_TOUCH, "ktui", ("page", "int"))
    kind = 0

    def touch(m: Machine, a: int, _b: int) -> bool:
        pages = m.ext["pages"]
        assert isinstance(pages, ChunkedArray)
        page = (a * 104_729) % PAGES
        for k in range(3):
            pages[(page + k) % PAGES] += 1
        m.emit(eid, 0, 0, page)
        m.push(m.now + 4_000_000, PRIO_IRQ, kind, a + 1, 0)
        return True

    kind = register_kind(EV_TOUCH, touch)

    def hook(m: Machine) -> None:
        m.ext["pages"] = ChunkedArray("test.pages", "Q", PAGES)
        m.push(4_000_000, PRIO_IRQ, kind, 0, 0)

    subsystems.register(Subsystem(name="test-pages", boot=hook))
    try:
        yield
    finally:
        subsystems.unregister("test-pages")
        unregister_kind(kind)
        undefine_event(EV_TOUCH)


@pytest.mark.usefixtures("paged")
def test_time_travel_over_a_page_array_is_exact_and_cheap() -> None:
    """back/goto over 3,000 events of page writes match a straight run, and the
    history holds the array once plus the chunks that changed, not a copy per checkpoint."""
    sim = ktui.sim.load("cfs-nice")
    sim.step(3000)
    end_hash = sim.state_hash()
    sim.goto(1500)
    fresh = ktui.sim.load("cfs-nice")
    fresh.step(1500)
    assert sim.state_hash() == fresh.state_hash()
    sim.back(1)
    sim.goto(3000)
    assert sim.state_hash() == end_hash
    # Each touch dirties one chunk, so the store holds the boot array plus at
    # most one chunk per touch; full copies would cost the array per checkpoint.
    touches = sum(1 for i in range(3000) if sim.event_at(i + 1).name == EV_TOUCH)
    assert touches > 10
    held = len(sim.checkpoints) + len(sim.dense)
    assert sim.hist.chunks.nbytes <= PAGES * 8 + 2 * touches * CHUNK_BYTES  # 3 words: <= 2 chunks
    assert sim.hist.chunks.nbytes * 2 < held * PAGES * 8


@pytest.mark.usefixtures("paged")
def test_evicted_and_cut_checkpoints_release_their_chunks() -> None:
    """With a tiny dense cache and a command cutting the future, the store
    holds exactly the chunks live checkpoints refer to, and time travel stays exact."""
    from ktui.sim.commands import SetNice

    sim = ktui.sim.load("cfs-nice")
    sim.hist.dense.max_bytes = 200 * 1024  # a couple of dense checkpoints
    sim.step(3500)
    for target in (3400, 1200, 2900, 700, 3300, 2000):
        sim.goto(target)
    sim.goto(2500)
    sim.apply(SetNice(2, -3))  # cuts checkpoints after 2500
    sim.step(600)
    h = sim.hist
    store = h.chunks
    assert sum(store.refs.values()) == sum(len(r) for r in h._refs.values())
    assert set(store.blobs) == set(store.refs)
    assert store.nbytes == sum(len(b) for b in store.blobs.values())
    here = sim.state_hash()
    sim.goto(1500)
    sim.goto(3101)
    assert sim.state_hash() == here
    fresh = ktui.sim.load("cfs-nice")
    fresh.step(2500)
    fresh.apply(SetNice(2, -3))
    fresh.step(600)
    assert fresh.state_hash() == here
