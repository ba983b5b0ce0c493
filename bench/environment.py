"""The process environment the benchmark runs in: dummy AWS credentials, no endpoint overrides,
a stage of its own. Restored on exit, so the smoke test leaves pytest's environment as it was."""
from __future__ import annotations

import os
from contextlib import contextmanager
from pathlib import Path
from typing import Iterator, Mapping, Optional

REPO_ROOT = Path(__file__).resolve().parent.parent
JWT_SECRET = "bench-signing-key-not-a-secret-0123456789abcdef"
# Variables that could point a client at a real account or at another endpoint.
_AWS_LEAKS = ("AWS_PROFILE", "AWS_DEFAULT_PROFILE", "AWS_SESSION_TOKEN", "AWS_SECURITY_TOKEN",
              "AWS_ROLE_ARN", "AWS_WEB_IDENTITY_TOKEN_FILE", "AWS_IGNORE_CONFIGURED_ENDPOINT_URLS")


def aws_and_stage(data_dir: Path, password_cost: int = 10) -> dict[str, str]:
    """What the benchmark sets; the scrypt cost is lowered because Basic auth pays it only once per
    process anyway (a successful check is cached), and seeding creates users."""
    return {
        "AWS_ACCESS_KEY_ID": "testing", "AWS_SECRET_ACCESS_KEY": "testing",
        "AWS_DEFAULT_REGION": "us-east-1", "AWS_CONFIG_FILE": os.devnull,
        "AWS_SHARED_CREDENTIALS_FILE": os.devnull, "AWS_EC2_METADATA_DISABLED": "true",
        "HELPDESK_STAGE": "bench", "HELPDESK_JWT_SECRET": JWT_SECRET,
        "HELPDESK_PASSWORD_COST": str(password_cost), "HELPDESK_DATA_DIR": str(data_dir),
        "HELPDESK_DEMO": "0", "HELPDESK_MAILER": "outbox",
    }


def clean(environ: Mapping[str, str], extra: Optional[Mapping[str, str]] = None) -> dict[str, str]:
    """A copy of environ without AWS_* / HELPDESK_* variables, plus extra."""
    env = {k: v for k, v in environ.items() if not k.startswith(("AWS_", "HELPDESK_"))}
    env.update(extra or {})
    return env


@contextmanager
def bench_environment(data_dir: Path) -> Iterator[None]:
    saved = dict(os.environ)
    try:
        for name in list(os.environ):
            if name.startswith(("AWS_ENDPOINT_URL", "HELPDESK_")) or name in _AWS_LEAKS:
                del os.environ[name]
        os.environ.update(aws_and_stage(data_dir))
        yield
    finally:
        os.environ.clear()
        os.environ.update(saved)
