"""`make bench` / `python -m bench.run`: what a request costs, how long it takes, how fast the app
starts, how much the local server serves. Prints a markdown report; a full run also writes it to
docs/benchmarks.md.

    python -m bench.run                       # sizes 1,000 and 20,000, 30 repetitions
    python -m bench.run --sizes 500,5000 --repeat 10
    python -m bench.run --quick               # tiny sizes, 3 repetitions, no cold start or
                                              # throughput, nothing written (the smoke test)

1. Cost and latency, in process (the app through chalice.test.Client, moto in process): for each
   table size a fresh store is seeded in bulk (bench/seed.py), then every operation of the registry
   (bench/operations.py) runs `--repeat` times; botocore hooks count the DynamoDB and S3 calls and
   the items DynamoDB examined (bench/counting.py). An operation stops early once it has used
   `--budget` seconds at a size (at least 3 repetitions): on moto some requests take many seconds
   at 20,000 tickets (see the report's notes).
2. Cold start (bench/coldstart.py): fresh interpreters importing boto3, importing the app, and
   serving a first request.
3. Throughput (bench/throughput.py): the real dev server, driven over keep-alive connections.
"""
from __future__ import annotations

import argparse
import math
import os
import re
import statistics
import sys
import tempfile
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Callable, Optional, Sequence

from .counting import CallCounter, Tally
from .environment import REPO_ROOT, bench_environment
from .operations import OPERATIONS, Context, Operation

DEFAULT_SIZES = (1000, 20000)
QUICK_SIZES = (20, 40)
QUICK_REPEAT = 3
QUICK_ESCALATION, QUICK_ESCALATION_DUE = (60, 120), 5
MIN_REPEAT = 3
OUTPUT = REPO_ROOT / "docs" / "benchmarks.md"


def say(message: str) -> None:
    """Progress goes to stderr; stdout carries the markdown."""
    print(message, file=sys.stderr, flush=True)


def percentile(values: Sequence[float], fraction: float) -> float:
    """Nearest rank: the smallest value with at least `fraction` of the values at or below it."""
    ordered = sorted(values)
    return ordered[max(0, math.ceil(fraction * len(ordered)) - 1)]


@dataclass
class Sample:
    seconds: float
    tally: Tally


@dataclass
class Measured:
    operation: Operation
    size: int
    samples: list[Sample] = field(default_factory=list)

    @property
    def n(self) -> int:
        return len(self.samples)

    @property
    def median_ms(self) -> float:
        return statistics.median(s.seconds for s in self.samples) * 1000

    @property
    def p95_ms(self) -> float:
        return percentile([s.seconds for s in self.samples], 0.95) * 1000

    @property
    def app_median_ms(self) -> float:
        """Time outside AWS calls: our code, Chalice and PynamoDB's (de)serialization."""
        return statistics.median(s.seconds - s.tally.seconds_in_calls for s in self.samples) * 1000

    @property
    def tally(self) -> Tally:
        """The most common cost among the repetitions."""
        counts = Counter(s.tally.signature() for s in self.samples)
        signature = counts.most_common(1)[0][0]
        return next(s.tally for s in self.samples if s.tally.signature() == signature)

    @property
    def uniform(self) -> bool:
        return len({s.tally.signature() for s in self.samples}) == 1

    def spread(self, key: Callable[[Tally], int]) -> tuple[int, int]:
        values = [key(s.tally) for s in self.samples]
        return min(values), max(values)


@dataclass
class SizeRun:
    size: int
    items: int
    seed_seconds: float
    measured: dict[str, Measured] = field(default_factory=dict)


@dataclass
class Report:
    runs: list[SizeRun]
    cold: Any = None
    throughput: Any = None
    escalation: Any = None
    markdown: str = ""
    seconds: float = 0.0
    load_at_start: float = 0.0
    written: Optional[Path] = None

    def measured(self, name: str) -> list[Measured]:
        return [run.measured[name] for run in self.runs]


# --- 1. cost and latency ---------------------------------------------------------------------

def measure_operations(sizes: Sequence[int], repeat: int, budget: float,
                       operations: Sequence[Operation] = ()) -> list[SizeRun]:
    operations = list(operations or OPERATIONS)
    runs = []
    with tempfile.TemporaryDirectory(prefix="helpdesk-bench-") as tmp, bench_environment(Path(tmp)):
        from chalice.test import Client
        from moto import mock_aws

        from app import app
        from chalicelib import bootstrap

        counter = CallCounter()
        try:
            for size in sizes:
                with mock_aws():
                    bootstrap.reset()
                    runs.append(_measure_size(size, repeat, budget, operations, app, Client, counter))
        finally:
            counter.detach()
            bootstrap.reset()
    return runs


def _measure_size(size: int, repeat: int, budget: float, operations: Sequence[Operation], app: Any,
                  client_class: Any, counter: CallCounter) -> SizeRun:
    from chalicelib import bootstrap

    from . import seed

    credentials = bootstrap.provision(demo=False)
    container = bootstrap.container()
    admin, agent, group_ids, customer_ids = seed.people(container, credentials)
    seeded = seed.Seeded(0, admin, agent, group_ids, customer_ids)
    say(f"seeding {size:,} tickets ...")
    seed.tickets(container, seeded, size, progress=say)
    say(f"seeded {size:,} tickets ({seeded.items_written:,} items) in {seeded.seconds:.1f} s")
    run = SizeRun(size, seeded.items_written, seeded.seconds)
    with client_class(app) as client:
        ctx = Context(client, seeded)
        _warm_up(ctx)
        for operation in operations:
            state = operation.setup(ctx)
            counter.attach_app_clients()  # after setup and warm-up: every client exists by now
            run.measured[operation.name] = _measure(operation, ctx, state, counter, repeat, budget)
            m = run.measured[operation.name]
            say(f"  {size:>6,} {operation.name}: n={m.n} median {m.median_ms:.1f} ms, "
                f"{m.tally.service_calls('dynamodb')} DynamoDB + {m.tally.service_calls('s3')} S3 calls, "
                f"{m.tally.examined} items examined")
    return run


def _warm_up(ctx: Context) -> None:
    """One-off costs (clients, the password check each user pays once per process) before timing."""
    from .operations import Request

    for who in ("admin", "agent"):
        ctx.json(Request("GET", "/api/v1/users/me", who=who))
    ctx.json(Request("GET", f"/api/v1/tickets/{ctx.spread(1)}"))


def _measure(operation: Operation, ctx: Context, state: Any, counter: CallCounter, repeat: int,
             budget: float) -> Measured:
    measured = Measured(operation, ctx.seeded.size)
    started = time.perf_counter()
    for i in range(1, repeat + 1):
        request = operation.call(ctx, state, i)
        tally = counter.start()
        t0 = time.perf_counter()
        response = ctx.send(request)
        seconds = time.perf_counter() - t0
        counter.stop()
        if response.status_code != operation.status:
            raise RuntimeError(f"{operation.name}: {request.method} {request.path} answered "
                               f"{response.status_code}, expected {operation.status}: {response.body[:300]!r}")
        measured.samples.append(Sample(seconds, tally))
        if i >= MIN_REPEAT and time.perf_counter() - started > budget:
            break
    if not any(s.tally.calls for s in measured.samples):
        raise RuntimeError(f"{operation.name}: no AWS call was counted; are the hooks on the right clients?")
    return measured


# --- the whole run ---------------------------------------------------------------------------

def parse_args(argv: Optional[Sequence[str]]) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bench.run", description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default=",".join(map(str, DEFAULT_SIZES)),
                        help="table sizes in tickets, comma-separated (default %(default)s)")
    parser.add_argument("--repeat", type=int, default=30, help="repetitions per operation and size (default 30)")
    parser.add_argument("--budget", type=float, default=60.0,
                        help="seconds per operation and size after which repetitions stop (at least "
                             f"{MIN_REPEAT}; default %(default)s)")
    parser.add_argument("--quick", action="store_true",
                        help=f"sizes {','.join(map(str, QUICK_SIZES))}, {QUICK_REPEAT} repetitions, no cold start "
                             "or throughput, nothing written (the smoke test)")
    parser.add_argument("--cold-runs", type=int, default=15, help="fresh interpreters per cold-start measure")
    parser.add_argument("--throughput-seconds", type=float, default=10.0, help="load duration per route")
    parser.add_argument("--connections", type=int, default=4, help="concurrent keep-alive connections")
    parser.add_argument("--escalation-open", default="10000,100000",
                        help="open tickets for the escalation run, comma-separated (default %(default)s)")
    parser.add_argument("--escalation-due", type=int, default=100,
                        help="of which overdue (default %(default)s)")
    parser.add_argument("--output", type=Path, default=OUTPUT, help="where a full run writes the report")
    args = parser.parse_args(argv)
    if args.quick:
        args.sizes, args.repeat = ",".join(map(str, QUICK_SIZES)), QUICK_REPEAT
        args.escalation_open, args.escalation_due = ",".join(map(str, QUICK_ESCALATION)), QUICK_ESCALATION_DUE
    args.escalation_open = sorted({int(s.replace("_", "")) for s in str(args.escalation_open).split(",") if s.strip()})
    args.sizes = sorted({int(s.replace("_", "")) for s in str(args.sizes).split(",") if s.strip()})
    if not args.sizes or min(args.sizes) < 10:
        parser.error("--sizes: at least one size, each of at least 10 tickets")
    args.repeat = max(1, args.repeat)
    if args.cold_runs < 10 and not args.quick:
        parser.error("--cold-runs: at least 10")
    return args


def main(argv: Optional[Sequence[str]] = None) -> Report:
    from . import report

    args = parse_args(argv)
    started = time.perf_counter()
    load = os.getloadavg()[0]
    result = Report(measure_operations(args.sizes, args.repeat, args.budget), load_at_start=load)
    from . import escalation

    say(f"escalation: {', '.join(map(str, args.escalation_open))} open tickets, {args.escalation_due} due ...")
    result.escalation = escalation.measure(args.escalation_open, args.escalation_due, say)
    if not args.quick:
        from . import coldstart, throughput

        say(f"cold start: {args.cold_runs} fresh interpreters per measure ...")
        result.cold = coldstart.measure(args.cold_runs, progress=say)
        say(f"throughput: {args.throughput_seconds:.0f} s per route, {args.connections} keep-alive connections ...")
        result.throughput = throughput.measure(args.throughput_seconds, args.connections, progress=say)
    result.seconds = time.perf_counter() - started
    result.markdown = report.render(result, args)
    print(result.markdown)
    if not args.quick:
        args.output.parent.mkdir(parents=True, exist_ok=True)
        args.output.write_text(kept_sections(args.output, result.markdown))
        result.written = args.output
        say(f"written to {args.output} ({result.seconds:.0f} s in all)")
    return result


KEPT_SECTION = re.compile(r"<!-- >>> (?P<area>[\w-]+) -->.*?<!-- <<< (?P=area) -->\n?", re.S)


def kept_sections(output: Path, markdown: str) -> str:
    """The new report plus the hand-written sections of the old file (`<!-- >>> area -->` ... `<!-- <<< area -->`,
    e.g. the deployment package's size from `make package`), which the bench does not measure."""
    old = output.read_text() if output.exists() else ""
    kept = [match.group(0) for match in KEPT_SECTION.finditer(old)]
    return markdown.rstrip("\n") + "\n" + "".join("\n" + section for section in kept) if kept else markdown


if __name__ == "__main__":
    main()
