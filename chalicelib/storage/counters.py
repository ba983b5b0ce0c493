"""Integer ids from atomic counters (UpdateItem ADD): what Zammad and OTRS clients expect."""
from __future__ import annotations

from .table import CounterItem


class Counters:
    def next_id(self, sequence: str) -> int:
        return self.next_ids(sequence, 1)[0]

    def next_ids(self, sequence: str, count: int) -> list[int]:
        """One call reserves a block of `count` ids."""
        counter = CounterItem(pk="COUNTER", sk=sequence)
        counter.update(actions=[CounterItem.value.add(count)])
        last = int(counter.value)
        return list(range(last - count + 1, last + 1))

    def ensure_at_least(self, sequence: str, value: int) -> None:
        """Seeding with fixed ids must keep later ids from colliding with them."""
        counter = CounterItem(pk="COUNTER", sk=sequence)
        try:
            counter.refresh(consistent_read=True)
            current = int(counter.value or 0)
        except CounterItem.DoesNotExist:
            current = 0
        if current < value:
            counter.update(actions=[CounterItem.value.add(value - current)])
