"""`PlainState`: the base of every simulator state object.

State objects are slot classes holding ints, strings, tuples, lists, dicts
and `SortedList`s. This base makes their pickled form (the checkpoints) a
flat tuple of slot values, read in C by `operator.attrgetter`, which halves
the cost of a checkpoint compared with pickle's default slot dictionaries.
"""

from __future__ import annotations

import operator
from collections.abc import Callable
from typing import ClassVar

try:
    from mypy_extensions import mypyc_attr as mypyc_attr
except ImportError:  # no [fast] extra: only mypyc reads the decorator (ktui.build_fast)

    def mypyc_attr(*_args: object, **_kwargs: object) -> Callable[[type], type]:  # type: ignore[misc]
        return lambda cls: cls


@mypyc_attr(serializable=True, allow_interpreted_subclasses=True)
class PlainState:
    """Base for slot-only state classes: tuple-shaped pickling."""

    __slots__ = ()
    _state_slots: ClassVar[tuple[str, ...]] = ()
    _state_get: ClassVar[Callable[[object], tuple[object, ...]]]
    _state_set: ClassVar[tuple[Callable[[object, object], None], ...]] = ()

    def __init_subclass__(cls) -> None:
        super().__init_subclass__()
        slots: list[str] = []
        for klass in reversed(cls.__mro__):
            slots.extend(s for s in klass.__dict__.get("__slots__", ()) if s not in slots)
        cls._state_slots = tuple(slots)
        # The slots' member descriptors: setting through them directly skips
        # the attribute lookup by name (restores are a third faster).
        cls._state_set = tuple(
            next(k.__dict__[s] for k in cls.__mro__ if s in k.__dict__).__set__ for s in slots
        )
        getter = operator.attrgetter(*slots) if len(slots) > 1 else None
        if getter is None:
            cls._state_get = lambda obj: tuple(getattr(obj, s) for s in slots)
        else:
            cls._state_get = getter

    def __getstate__(self) -> tuple[object, ...]:
        return type(self)._state_get(self)

    def __setstate__(self, state: tuple[object, ...]) -> None:
        for setter, value in zip(type(self)._state_set, state, strict=True):
            setter(self, value)
