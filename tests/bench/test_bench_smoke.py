"""Smoke test of `make bench`: the harness runs end to end on a tiny store (`--quick`: 20 and 40
tickets, 3 repetitions, no cold start or throughput, nothing written), reports every registered
operation, and the operations whose cost must not grow with the table make the same AWS calls at
both sizes. Not a timed test: it checks counts, never latencies."""
from __future__ import annotations

import os
from typing import Any

import pytest

from bench import run
from bench.operations import OPERATIONS

# The read paths the issue names; each must be registered and flat.
FLAT_READS = ("show ticket", "list tickets", "search, one word", "download attachment")


@pytest.fixture(scope="module")
def report() -> Any:
    before = dict(os.environ)
    result = run.main(["--quick"])
    assert dict(os.environ) == before, "the harness must restore the environment"
    return result


def _rows(markdown: str, section: str) -> list[str]:
    text = markdown.split(f"## {section}", 1)[1].split("\n## ", 1)[0]
    return [line for line in text.splitlines()
            if line.startswith("| ") and not line.startswith(("| operation", "| :---"))]


def test_quick_run_measures_both_sizes_and_writes_nothing(report: Any) -> None:
    assert [r.size for r in report.runs] == list(run.QUICK_SIZES)
    assert report.written is None and report.cold is None and report.throughput is None
    for size_run in report.runs:
        assert all(m.n == run.QUICK_REPEAT for m in size_run.measured.values())


@pytest.mark.parametrize("section", ["Cost per request", "Latency in process"])
def test_a_row_per_registered_operation(report: Any, section: str) -> None:
    rows = _rows(report.markdown, section)
    names = [row.split(" | ")[0][2:] for row in rows]
    assert names == [op.name for op in OPERATIONS]


def test_read_paths_make_the_same_calls_at_both_sizes(report: Any) -> None:
    """Cost that does not grow with the table: equal DynamoDB and S3 calls (per operation name)."""
    flat = [op for op in OPERATIONS if op.flat]
    for prefix in FLAT_READS:
        assert any(op.name.startswith(prefix) for op in flat), f"no flat operation named {prefix}..."
    for op in flat:
        small, large = (m.tally for m in report.measured(op.name))
        assert small.calls == large.calls, f"{op.name}: {dict(small.calls)} vs {dict(large.calls)}"
        assert small.calls, f"{op.name}: no AWS call counted"


def test_the_escalation_run_examines_what_is_due_not_what_is_open(report: Any) -> None:
    """Issue 5's benchmark: the same due tickets among more open ones cost the same calls and items."""
    small, large = report.escalation
    assert (small.open_tickets, large.open_tickets) == run.QUICK_ESCALATION
    assert small.first_report["fired"] == large.first_report["fired"] == run.QUICK_ESCALATION_DUE
    assert small.first.calls == large.first.calls and small.first.examined == large.first.examined
    assert large.second_report["fired"] == 0 and large.second.examined == 0
    assert "## Escalation run" in report.markdown
