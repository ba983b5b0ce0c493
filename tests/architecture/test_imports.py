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


# Each module imported first, on its own, in a fresh interpreter: a test that imports one view module
# before app.py must not meet a circular import that the app's import order happens to hide.
IMPORT_EACH_FIRST = """
import importlib, pkgutil, sys
import chalicelib
names = sorted(m.name for m in pkgutil.walk_packages(chalicelib.__path__, "chalicelib."))
failed = []
for name in names:
    for loaded in [m for m in sys.modules if m == "chalicelib" or m.startswith("chalicelib.")]:
        del sys.modules[loaded]
    try:
        importlib.import_module(name)
    except Exception as error:
        failed.append(f"{name}: {error!r}")
print("\\n".join(failed))
sys.exit(1 if failed else 0)
"""


def test_every_module_imports_on_its_own():
    result = subprocess.run([sys.executable, "-c", IMPORT_EACH_FIRST], cwd=ROOT, capture_output=True, text=True,
                            timeout=300)
    assert result.returncode == 0, result.stdout + result.stderr
