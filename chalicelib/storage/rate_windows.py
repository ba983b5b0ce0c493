"""Fixed-window request counters (core.ports.RateWindows): `RATE#<key>` / `<padded window start>`
(RateWindowItem), `hits` kept by UpdateItem ADD, with the TTL `expires` and the gsi7 expiry keys so the
daily cleanup removes old windows. One UpdateItem per counted request, no read."""
from __future__ import annotations

from datetime import datetime, timezone

from .expiry import with_expiry_keys
from .table import RateWindowItem, sortable


class RateWindowStore:
    def hit(self, key: str, window_start: int, expires_at: int) -> int:
        item = RateWindowItem(pk=f"RATE#{key}", sk=sortable(window_start))
        keyed = with_expiry_keys(RateWindowItem(pk=item.pk, sk=item.sk,
                                                expires=datetime.fromtimestamp(expires_at, tz=timezone.utc)))
        item.update(actions=[RateWindowItem.kind.set(RateWindowItem), RateWindowItem.hits.add(1),
                             RateWindowItem.expires.set(keyed.expires), RateWindowItem.gsi7pk.set(keyed.gsi7pk),
                             RateWindowItem.gsi7sk.set(keyed.gsi7sk)])
        return int(item.hits)
