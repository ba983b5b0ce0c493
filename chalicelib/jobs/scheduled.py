"""Scheduled functions (Chalice `@schedule`): each is one call into a core service with `now`.

EventBridge delivers at least once and runs may overlap, so every job is idempotent: the core claims
each piece of work with a conditional write before acting on it. `make run` invokes these on their
rates too (chalice local does not), see chalicelib/devserver.py.
"""
from __future__ import annotations

import json
import logging
from dataclasses import asdict
from typing import Any

from chalice import Blueprint, Cron, Rate

from .. import bootstrap

log = logging.getLogger(__name__)
blueprint = Blueprint(__name__)


def _container() -> bootstrap.Container:
    container = bootstrap.container()
    container.begin_request()  # one catalog read per run, like one per request
    return container


# >>> escalation: calendars, SLAs, due work
@blueprint.schedule(Rate(1, unit=Rate.MINUTES), name="escalate")
def escalate(event: Any) -> dict[str, int]:
    """Every minute: escalation warnings and escalations, pending reminders and pending closes that are due."""
    container = _container()
    report = asdict(container.due_worker.run(container.clock.now()))
    log.info(json.dumps({"job": "escalate", **report}))
    return report
# <<< escalation
# >>> cleanup: notifications, upload caches, revoked tokens
from typing import Callable, Optional  # noqa: E402


def _time_left(event: Any) -> Optional[Callable[[], float]]:
    """Seconds this invocation may still run, from the Lambda context (absent outside Lambda)."""
    context = getattr(event, "context", None)
    remaining = getattr(context, "get_remaining_time_in_millis", None)
    if remaining is None:
        return None
    return lambda: remaining() / 1000


@blueprint.schedule(Cron(30, 3, "*", "*", "?", "*"), name="cleanup")
def cleanup(event: Any) -> dict[str, Any]:
    """Daily at 03:30 UTC: expired notifications (seen ones early), revoked token ids and upload caches,
    in bounded batches; what a run leaves, the next one takes."""
    container = _container()
    report = asdict(container.cleanup.run(container.clock.now(), _time_left(event)))
    log.info(json.dumps({"job": "cleanup", **report}))
    return report
# <<< cleanup
