"""The core imports without streamlit, so the CLI, exports and tests run headless."""

import subprocess
import sys

from tests.support import REPO_ROOT

CORE = [p.stem for p in (REPO_ROOT / "jichitai_metrics").glob("*.py") if p.stem not in {"__init__", "__main__"}]
CORE_PACKAGES = [p.parent.name for p in (REPO_ROOT / "jichitai_metrics").glob("*/__init__.py")
                 if p.parent.name != "ui"]


def test_core_modules_import_without_streamlit():
    modules = [f"jichitai_metrics.{m}" for m in CORE + CORE_PACKAGES]
    assert "jichitai_metrics.catalog" in modules and "jichitai_metrics.queries" in modules
    code = (
        "import sys, importlib\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'streamlit' or name.startswith('streamlit.'):\n"
        "            raise ImportError('streamlit must not be imported by ' + repr(name))\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_pages_hold_no_sql():
    offenders = [p.name for p in (REPO_ROOT / "pages").glob("*.py")
                 if any(word in p.read_text(encoding="utf-8") for word in ("duckdb", "SELECT ", "INSERT ", "read_csv"))]
    assert offenders == []
