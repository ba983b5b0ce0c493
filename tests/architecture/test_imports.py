"""The dependency rules of DESIGN.md, enforced by import-linter contracts (.importlinter)."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def test_import_contracts_hold():
    lint = Path(sys.executable).with_name("lint-imports")
    result = subprocess.run([str(lint), "--config", str(ROOT / ".importlinter")], cwd=ROOT,
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stdout + result.stderr


def test_nothing_reads_the_environment_outside_settings():
    offenders = []
    for path in (ROOT / "chalicelib").rglob("*.py"):
        if path.name in ("settings.py", "devserver.py"):
            continue
        text = path.read_text()
        if "os.environ" in text or "os.getenv" in text:
            offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_no_scan_on_request_paths():
    offenders = [str(p.relative_to(ROOT)) for p in (ROOT / "chalicelib").rglob("*.py")
                 if "jobs" not in p.parts and p.name != "devserver.py"
                 and (".scan(" in p.read_text() or "Scan" in p.read_text())]
    assert offenders == []
