"""The markdown report: header, cost table, latency table, cold start, throughput."""
from __future__ import annotations

import os
import platform
import sys
from datetime import datetime, timezone
from typing import Any, Sequence

from .seed import COHORT

MOTO_NOTE = """\
**What depends on moto.** The call counts and items examined are properties of the code: they are
what DynamoDB and S3 would be asked and would bill, and they are the same against AWS. The
in-process latencies, the cold-start first request and the server throughput include moto, which is
not DynamoDB, and moto's cost grows with the table where DynamoDB's does not:

- moto ({moto}) answers every Query, on the table or on an index, by walking *every item of the table*
  (about 23 items per ticket here: ticket, article, pointers, search tokens, registry) and then
  sorting the matches. DynamoDB finds a partition by its hash key and reads a sorted range of its
  sort key, so a Query costs what it reads (`Limit`, 1 MB pages: the "items examined" column), not
  what the table holds.
- moto's TransactWriteItems deep-copies the whole table once *per item in the transaction* (a
  rollback copy), so a create (4 items) or a new article (3 items) gets slower with every ticket.
  A DynamoDB transaction costs 2 write units per item written, whatever the table size.
- GetItem and BatchGetItem are dictionary lookups in moto, as cheap at any size as in DynamoDB;
  that is why "show ticket" and "download attachment" stay flat in time as well.

The "app" columns subtract the time spent inside AWS calls (measured between botocore's
`before-call` and `after-call` events: moto's work plus response parsing), leaving our code,
Chalice and PynamoDB's item (de)serialization: that part should not grow with the table."""


def _n(value: int) -> str:
    return f"{value:,}"


def _ms(value: float) -> str:
    return f"{value:,.1f}" if value < 100 else f"{value:,.0f}"


def _row(cells: Sequence[Any]) -> str:
    return "| " + " | ".join(str(c) for c in cells) + " |"


def _table(header: Sequence[str], rows: Sequence[Sequence[Any]], align: str = "") -> list[str]:
    align = align or "l" + "r" * (len(header) - 1)
    marks = [":---" if a == "l" else "---:" for a in align]
    return [_row(header), _row(marks), *(_row(r) for r in rows)]


def _pair(values: Sequence[int]) -> str:
    return " / ".join(_n(v) for v in values)


def cost_table(result: Any) -> list[str]:
    sizes = [run.size for run in result.runs]
    size_text = " / ".join(_n(s) for s in sizes)
    rows = []
    for name in result.runs[0].measured:
        ms = result.measured(name)
        tallies = [m.tally for m in ms]
        dynamo = [t.service_calls("dynamodb") for t in tallies]
        s3 = [t.service_calls("s3") for t in tallies]
        examined = [t.examined for t in tallies]
        breakdowns = [t.breakdown("dynamodb") for t in tallies]
        breakdown = breakdowns[0] if len(set(breakdowns)) == 1 else "; ".join(
            f"{_n(size)}: {b}" for size, b in zip(sizes, breakdowns))
        s3_ops = {t.breakdown("s3") for t in tallies} - {""}
        if s3_ops:
            breakdown += "; S3: " + " / ".join(sorted(s3_ops))
        flat = len({t.signature() for t in tallies}) == 1
        varied = [f"{_n(m.size)}: {m.spread(lambda t: t.service_calls('dynamodb'))[0]}–"
                  f"{m.spread(lambda t: t.service_calls('dynamodb'))[1]} calls" for m in ms if not m.uniform]
        mark = "yes" if flat else "**no**"
        if varied:
            mark += " (varied between repetitions: " + ", ".join(varied) + ")"
        rows.append([name, _pair(dynamo), _pair(s3), _pair(examined), mark, breakdown])
    return _table(["operation", f"DynamoDB calls ({size_text})", f"S3 calls ({size_text})",
                   f"items examined ({size_text})", "same at both sizes", "DynamoDB calls per request"],
                  rows, "lrrrll")


def latency_table(result: Any) -> list[str]:
    header = ["operation"]
    for run in result.runs:
        header += [f"n @{_n(run.size)}", f"median @{_n(run.size)}", f"p95 @{_n(run.size)}",
                   f"app @{_n(run.size)}"]
    rows = []
    for name in result.runs[0].measured:
        row = [name]
        for m in result.measured(name):
            row += [m.n, _ms(m.median_ms), _ms(m.p95_ms), _ms(m.app_median_ms)]
        rows.append(row)
    return _table(header, rows)


def cold_table(cold: Any) -> list[str]:
    rows = [
        ["interpreter start (`python -c pass`, process wall time)", _ms(cold.interpreter_ms), cold.runs],
        ["`import boto3` (the floor)", _ms(cold.boto3_ms), cold.runs],
        ["`import app`", _ms(cold.app_ms), cold.runs],
        ["**ratio `import app` / `import boto3`** (goal ≤ 1.3)", f"**{cold.ratio:.2f}**", ""],
        ["first use: imports and wiring the first request adds (`bootstrap.container()`)",
         _ms(cold.first_use_ms), cold.runs],
        ["first request, imports done (`GET /api/v1/tickets/{id}`, token auth; session, client, calls)",
         _ms(cold.first_request_ms), cold.runs],
        ["second request in the same interpreter (warm)", _ms(cold.second_request_ms), cold.runs],
        ["botocore clients the first request creates", _clients(cold.clients), ""],
        ["**cold start a user pays: `import app` + first use + first request**", f"**{_ms(cold.init_ms)}**", ""],
    ]
    return _table(["measure", "median ms", "runs"], rows)


def _clients(names: Sequence[str]) -> str:
    counts: dict[str, int] = {}
    for name in names:
        counts[name] = counts.get(name, 0) + 1
    return ", ".join(f"{name}×{n}" for name, n in counts.items()) or "none"


def importtime_table(cold: Any) -> list[str]:
    rows = [[f"{'↳ ' * depth}`{name}`", _ms(cumulative / 1000), _ms(own / 1000)]
            for name, depth, cumulative, own in cold.top_imports]
    return _table(["module (↳ = one level of nesting under `import app`)", "cumulative ms", "self ms"], rows)


def throughput_table(tp: Any) -> list[str]:
    rows = [[r.label, r.auth, f"{r.rps:,.0f}", _n(r.requests), r.errors] for r in tp.routes]
    return _table(["route", "auth", "requests/s", "requests", "errors"], rows, "llrrr")


def _duration(seconds: float) -> str:
    return f"{seconds / 60:.0f} minutes" if seconds >= 90 else f"{seconds:.0f} s"


def _versions() -> str:
    from importlib.metadata import PackageNotFoundError, version

    found = []
    for name in ("moto", "boto3", "pynamodb", "chalice"):
        try:
            found.append(f"{name} {version(name)}")
        except PackageNotFoundError:
            pass
    return ", ".join(found)


def _revision() -> str:
    import subprocess

    from .environment import REPO_ROOT
    try:
        sha = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=REPO_ROOT, capture_output=True,
                             text=True, timeout=10).stdout.strip()
        dirty = subprocess.run(["git", "status", "--porcelain", "--untracked-files=no"], cwd=REPO_ROOT,
                               capture_output=True, text=True, timeout=10).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""
    return f"commit {sha}" + (" with uncommitted changes" if dirty else "") if sha else ""


def render(result: Any, args: Any) -> str:
    from importlib.metadata import version

    now = datetime.now(timezone.utc)
    sizes = " and ".join(_n(run.size) for run in result.runs)
    lines = [
        "# Benchmarks",
        "",
        f"Generated by `make bench` (`python -m bench.run`) on {now:%Y-%m-%d %H:%M} UTC: "
        f"{os.cpu_count()} cores (`nproc`), Python {platform.python_version()} ({sys.platform}), "
        f"{_versions()}, {_revision() or 'unknown revision'}; "
        f"{'quick run' if args.quick else 'full run'} in {result.seconds:.0f} s; 1-minute load average "
        f"{result.load_at_start:.1f} at the start and {os.getloadavg()[0]:.1f} at the end (anything else running "
        "on the machine shows in the times, never in the counts).",
        "",
        f"How to run: `make bench` (this run: {_duration(result.seconds)}; `python -m bench.run --help` for "
        "sizes, repetitions and budgets, `--quick` for a seconds-long smoke run that writes nothing).",
        "",
        MOTO_NOTE.format(moto=version("moto")),
        "",
        "## Seeding",
        "",
    ]
    for run in result.runs:
        lines.append(f"- {_n(run.size)} tickets: {_n(run.items)} items in {run.seed_seconds:.1f} s "
                     f"({run.seed_seconds / run.size * 1000:.1f} ms per ticket), BatchWriteItem into moto")
    lines += [
        "",
        "Tickets are written in bulk with the storage layer's own item builders (ticket, first article, "
        "article and number pointers, search tokens and registry), spread over 4 groups, 24 customers in "
        "3 organizations, 4 states; counters advanced past the seeded ids. Operations then run through "
        "`chalice.test.Client` as the admin (HTTP Basic, after one warm-up request per user), except where "
        "the agent is named. There is no per-operation warm-up: every repetition counts.",
        "",
        f"## Cost per request at {sizes} tickets",
        "",
        "AWS calls and DynamoDB items examined (Query/Scan: `ScannedCount`; GetItem: 1 per item returned; "
        "BatchGetItem: items returned; writes: 0), counted with botocore `before-call`/`after-call` hooks on "
        "PynamoDB's and the S3 client. Goal: the same figures at both sizes.",
        "",
        *cost_table(result),
        "",
        f"The word searched has exactly {COHORT} hits at every size. The common word's hits grow with the "
        "table until the search stops reading ids at 1,000; a search reads every id it intersects and loads "
        "those tickets (BatchGetItem, 100 per call) before it sorts and pages, so its cost follows the hit "
        "count, not `limit`.",
        "",
        f"## Latency in process at {sizes} tickets (ms)",
        "",
        "Wall time of `client.http.request` (app + moto in process), n repetitions each (fewer than "
        f"{args.repeat}, but at least 3, where an operation used up its {args.budget:.0f} s budget at that size); "
        "p95 is the nearest rank, so with few repetitions it is the slowest one; *app* is the median time "
        "outside AWS calls.",
        "",
        *latency_table(result),
    ]
    if getattr(result, "escalation", None):
        from .escalation import table as escalation_table
        lines += ["", *escalation_table(result.escalation)]
    if result.cold is not None:
        cold = result.cold
        lines += [
            "",
            "## Cold start",
            "",
            f"Medians over {cold.runs} fresh interpreters each (`python -c`, AWS_ENDPOINT_URL* cleared, "
            "dummy credentials), timed inside the interpreter. `import app` imports no AWS SDK: the storage "
            "modules (PynamoDB, botocore) load on first use, which the *first use* row times in the same "
            "clean interpreter. The *first request* is timed in an interpreter where moto runs in process "
            "with a provisioned store, set up before the timer together with the imports; it pays settings, "
            "the container, the botocore session and client (loading the DynamoDB service model) and its "
            "calls, which go to moto in process rather than over TLS to DynamoDB.",
            "",
            *cold_table(cold),
        ]
        dynamodb_clients = list(cold.clients).count("dynamodb")
        if dynamodb_clients > 1:
            lines += ["", f"The first request creates {dynamodb_clients} DynamoDB clients: PynamoDB caches a "
                          "connection per model class, and a subclass (`TicketItem`, `UserItem`, ...) used before "
                          "`Item` itself has a connection gets its own connection, botocore session and client, "
                          "loading the service model again. Once `Item` has one (provisioning, in the dev server "
                          "and the tests) every subclass shares it, so only a cold Lambda pays this."]
        if cold.top_imports:
            lines += ["", f"Largest imports under `import app` (`python -X importtime`; the ratio is "
                          f"{'above' if cold.ratio > 1.3 else 'within'} the 1.3 goal):", "",
                      *importtime_table(cold)]
    if result.throughput is not None:
        tp = result.throughput
        lines += [
            "",
            "## Throughput of the local server",
            "",
            f"`python -m chalicelib.devserver` (chalice local + moto server in one process, demo data), "
            f"driven for {tp.seconds:.0f} s per route by {tp.connections} threads, each with one keep-alive "
            f"`http.client` connection (the load generator runs on the same {os.cpu_count()} cores). "
            "A ticket request makes 3 DynamoDB calls (2 for the credentials, 1 for the ticket) over loopback "
            "HTTP to the server's moto, which handles one request at a time; a single GetItem sent straight "
            f"to that moto takes {tp.moto_get_item_ms:.1f} ms (median of 50, idle server), so the ticket rows "
            "measure moto's server more than the app.",
            "",
            *throughput_table(tp),
            "",
            f"Server peak memory (VmHWM, the whole process: chalice local, moto and its data): "
            f"{tp.peak_rss_mb:,.0f} MB.",
        ]
    return "\n".join(lines) + "\n"
