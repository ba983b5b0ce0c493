"""Count the AWS calls a request makes, with botocore event hooks on the clients the app uses.

`before-call` fires for every operation of a client (after the request is serialized), and
`after-call` once the response is parsed, so each API call is counted once (retries inside the SDK are not counted separately).
The time between the two is spent inside the call (moto in process, or the network, plus parsing);
the rest of a request's latency is the app's own work.

Items examined (what DynamoDB charges reads for, and what makes a request grow with the data):
Query/Scan add `ScannedCount` (falling back to `Count`); GetItem adds 1 if an item came back;
BatchGetItem and TransactGetItems add the items returned; writes add nothing.
"""
from __future__ import annotations

import time
from collections import Counter
from dataclasses import dataclass, field
from typing import Any, Optional

_UNIQUE = "helpdesk-bench-"


@dataclass
class Tally:
    """What one request (or one stretch of work) cost."""
    calls: Counter = field(default_factory=Counter)  # (service, operation) -> calls
    examined: int = 0
    seconds_in_calls: float = 0.0

    def service_calls(self, service: str) -> int:
        return sum(n for (s, _), n in self.calls.items() if s == service)

    def breakdown(self, service: str) -> str:
        """`GetItem×2, Query×1` (most frequent first, then by name)."""
        ops = [(op, n) for (s, op), n in self.calls.items() if s == service]
        ops.sort(key=lambda pair: (-pair[1], pair[0]))
        return ", ".join(f"{op}×{n}" for op, n in ops)

    def signature(self) -> tuple:
        """What must be equal for two requests to cost the same."""
        return tuple(sorted(self.calls.items())), self.examined


def examined(operation: str, parsed: dict[str, Any]) -> int:
    if operation in ("Query", "Scan"):
        return int(parsed.get("ScannedCount", parsed.get("Count", 0)) or 0)
    if operation == "GetItem":
        return 1 if parsed.get("Item") else 0
    if operation == "BatchGetItem":
        return sum(len(items) for items in (parsed.get("Responses") or {}).values())
    if operation == "TransactGetItems":
        return sum(1 for response in parsed.get("Responses") or [] if response.get("Item"))
    return 0


class CallCounter:
    """Attach to botocore clients once; `measure()` collects what happens until `stop()`."""

    def __init__(self) -> None:
        self._clients: dict[int, Any] = {}
        self._current: Optional[Tally] = None
        self._started: dict[int, float] = {}

    def attach(self, client: Any) -> None:
        """Idempotent per client object; re-attach after anything may have replaced a client."""
        if id(client) in self._clients:
            return
        events = client.meta.events
        events.register("before-call", self._before, unique_id=_UNIQUE + "before")
        events.register("after-call", self._after, unique_id=_UNIQUE + "after")
        self._clients[id(client)] = client

    def attach_app_clients(self) -> None:
        """PynamoDB's client(s) and the S3 client.

        PynamoDB caches a connection per model class: a subclass uses `Item`'s once `Item` has one
        (provisioning makes sure of that here), but a subclass used first gets a connection, a
        botocore session and a client of its own. So every model class's client is hooked."""
        from chalicelib import bootstrap
        from chalicelib.storage.table import Item

        pending, seen = [Item], set()
        while pending:
            model = pending.pop()
            if model in seen:
                continue
            seen.add(model)
            pending.extend(model.__subclasses__())
            self.attach(model._get_connection().connection.client)
        self.attach(bootstrap.container().blobs.client)

    def detach(self) -> None:
        for client in self._clients.values():
            client.meta.events.unregister("before-call", unique_id=_UNIQUE + "before")
            client.meta.events.unregister("after-call", unique_id=_UNIQUE + "after")
        self._clients.clear()

    @property
    def clients(self) -> int:
        return len(self._clients)

    def start(self) -> Tally:
        self._current = Tally()
        self._started.clear()
        return self._current

    def stop(self) -> Tally:
        tally, self._current = self._current or Tally(), None
        return tally

    def _before(self, model: Any, context: Any = None, **_: Any) -> None:
        tally = self._current
        if tally is None:
            return
        tally.calls[(model.service_model.service_name, model.name)] += 1
        if isinstance(context, dict):
            context[_UNIQUE + "t0"] = time.perf_counter()

    def _after(self, model: Any, parsed: Any = None, context: Any = None, **_: Any) -> None:
        tally = self._current
        if tally is None:
            return
        if isinstance(context, dict) and _UNIQUE + "t0" in context:
            tally.seconds_in_calls += time.perf_counter() - context.pop(_UNIQUE + "t0")
        if model.service_model.service_name == "dynamodb" and isinstance(parsed, dict):
            tally.examined += examined(model.name, parsed)
