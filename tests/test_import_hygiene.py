"""The core imports without streamlit, so the CLI, exports and tests run headless."""

import pkgutil
import subprocess
import sys

from tests.support import REPO_ROOT

PACKAGE = REPO_ROOT / "jichitai_metrics"


def core_modules() -> list[str]:
    """Every module of the package, at any depth, except the ui package (the one Streamlit seam)."""
    found = [
        info.name
        for info in pkgutil.walk_packages([str(PACKAGE)], prefix="jichitai_metrics.")
        if not (info.name == "jichitai_metrics.ui" or info.name.startswith("jichitai_metrics.ui."))
    ]
    return sorted(found)


def _import_without_streamlit(modules: list[str], path: str | None = None) -> subprocess.CompletedProcess:
    """Import `modules` in a fresh interpreter where any import of streamlit raises."""
    code = (
        "import sys, importlib\n"
        f"sys.path[:0] = {[path] if path else []!r}\n"
        "class Block:\n"
        "    def find_spec(self, name, path=None, target=None):\n"
        "        if name == 'streamlit' or name.startswith('streamlit.'):\n"
        "            raise ImportError('streamlit must not be imported by ' + repr(name))\n"
        "sys.meta_path.insert(0, Block())\n"
        f"for m in {modules!r}:\n"
        "    importlib.import_module(m)\n"
        "print('ok', len(sys.modules))\n"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=REPO_ROOT, capture_output=True, text=True)


def test_every_core_module_is_checked():
    # Nested modules count too: notify, both stores and validation live in jichitai_metrics.inquiries.
    files = {
        ".".join(("jichitai_metrics", *p.relative_to(PACKAGE).with_suffix("").parts)).removesuffix(
            ".__init__"
        )
        for p in PACKAGE.rglob("*.py")
        if "ui" not in p.relative_to(PACKAGE).parts
    }
    assert set(core_modules()) | {"jichitai_metrics"} == files
    for name in ("notify", "duckdb_store", "postgres_store", "validation"):
        assert f"jichitai_metrics.inquiries.{name}" in core_modules()


def test_core_modules_import_without_streamlit():
    result = _import_without_streamlit(core_modules())
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("ok")


def test_the_check_catches_a_streamlit_import(tmp_path):
    # The same check on a module that imports streamlit must fail: the guard is not a no-op.
    (tmp_path / "leaky_module_for_test.py").write_text("import streamlit\n", encoding="utf-8")
    result = _import_without_streamlit(["leaky_module_for_test"], str(tmp_path))
    assert result.returncode != 0 and "streamlit must not be imported" in result.stderr


def test_pages_hold_no_sql():
    offenders = [
        p.name
        for p in (REPO_ROOT / "pages").glob("*.py")
        if any(word in p.read_text(encoding="utf-8") for word in ("duckdb", "SELECT ", "INSERT ", "read_csv"))
    ]
    assert offenders == []
