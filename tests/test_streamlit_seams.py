"""Private Streamlit behaviour the app relies on: a Streamlit upgrade that changes it fails here, loudly.

`ui.common.route_through_dashboard` (the only user of a private Streamlit name) lets a first visit
straight to /program run inside the router. The supported alternative is a page folder not named
`pages/` (Streamlit then never starts in its legacy mode); the team layout keeps `pages/`, so the
switch stays, in that one function, guarded by this file and by tests/browser/test_first_visit.py.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import streamlit
from streamlit.commands import navigation
from streamlit.runtime import pages_manager

from tests.support import REPO_ROOT

UPGRADE = (
    "Streamlit {version} changed the private PagesManager.uses_pages_directory switch that "
    "ui/common.py route_through_dashboard() flips. Re-check first visits to deep links "
    "(tests/browser/test_first_visit.py), or rename pages/ so Streamlit never starts in legacy mode."
)


def test_the_legacy_pages_switch_is_still_a_class_flag():
    assert "uses_pages_directory" in vars(pages_manager.PagesManager), UPGRADE.format(
        version=streamlit.__version__
    )


def test_st_navigation_still_turns_the_legacy_mode_off_the_same_way():
    # route_through_dashboard does by hand what st.navigation does: if st.navigation stops setting
    # this flag, the two have drifted apart and the workaround no longer mirrors Streamlit.
    source = inspect.getsource(navigation)
    assert "PagesManager.uses_pages_directory = False" in source, UPGRADE.format(
        version=streamlit.__version__
    )


def test_only_one_place_touches_private_streamlit_names():
    users = [
        str(p.relative_to(REPO_ROOT))
        for folder in ("jichitai_metrics", "pages")
        for p in (REPO_ROOT / folder).rglob("*.py")
        if "PagesManager" in p.read_text(encoding="utf-8")
    ] + [
        name
        for name in ("dashboard.py",)
        if "PagesManager" in Path(REPO_ROOT / name).read_text(encoding="utf-8")
    ]
    assert users == ["jichitai_metrics/ui/common.py"]
