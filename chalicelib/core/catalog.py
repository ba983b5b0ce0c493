"""Reference data (groups, states, priorities) and the by-id-or-by-name lookups every dialect uses."""
from __future__ import annotations

from dataclasses import dataclass
from typing import Optional, Sequence, TypeVar

from .errors import InvalidInput, LookupFailed
from .model import Calendar, Group, Priority, Sla, State
from .ports import CatalogSnapshot, ReferenceRepository

Named = TypeVar("Named", Group, State, Priority)


@dataclass(frozen=True)
class Ref:
    """A related object as the caller named it: by id or by name. `field` names it in errors."""
    field: str
    id: Optional[int] = None
    name: Optional[str] = None


def _find(items: Sequence[Named], ref: Ref) -> Named:
    if ref.id is not None:
        for item in items:
            if item.id == ref.id:
                return item
        raise LookupFailed(ref.field, ref.id)
    if ref.name is not None:
        for item in items:
            if item.name == ref.name:
                return item
        lowered = ref.name.lower()
        for item in items:
            if item.name.lower() == lowered:
                return item
        raise LookupFailed(ref.field, ref.name)
    raise InvalidInput(f"The required value '{ref.field}_id' is missing.", field=ref.field)


class Catalog:
    """The reference data of one request, loaded on first use with a single read."""

    def __init__(self, repository: ReferenceRepository) -> None:
        self._repository = repository
        self._snapshot: Optional[CatalogSnapshot] = None

    def _load(self) -> CatalogSnapshot:
        if self._snapshot is None:
            self._snapshot = self._repository.snapshot()
        return self._snapshot

    @property
    def groups(self) -> list[Group]:
        return self._load().groups

    @property
    def states(self) -> list[State]:
        return self._load().states

    @property
    def priorities(self) -> list[Priority]:
        return self._load().priorities

    @property
    def calendars(self) -> list[Calendar]:
        return self._load().calendars

    @property
    def slas(self) -> list[Sla]:
        return self._load().slas

    def calendar_by_id(self, calendar_id: int) -> Optional[Calendar]:
        return next((c for c in self.calendars if c.id == calendar_id), None)

    def group(self, ref: Ref) -> Group:
        return _find(self.groups, ref)

    def state(self, ref: Ref) -> State:
        return _find(self.states, ref)

    def priority(self, ref: Ref) -> Priority:
        return _find(self.priorities, ref)

    def group_by_id(self, group_id: int) -> Optional[Group]:
        return next((g for g in self.groups if g.id == group_id), None)

    def state_by_id(self, state_id: int) -> Optional[State]:
        return next((s for s in self.states if s.id == state_id), None)

    def priority_by_id(self, priority_id: int) -> Optional[Priority]:
        return next((p for p in self.priorities if p.id == priority_id), None)

    def default_create_state(self) -> State:
        return next(s for s in self.states if s.default_create)

    def default_follow_up_state(self) -> State:
        return next(s for s in self.states if s.default_follow_up)

    def default_priority(self) -> Priority:
        return next(p for p in self.priorities if p.default_create)
