"""The catalogue reads every session shares (common.shared_read) are never changed by a page.

They are one object per process, not a copy per run: a page that sorted a frame in place, added a
column or appended to a list would change what every other planner sees. So every page runs here
(both languages, with the interactions that reach the shared reads), in this process, and then
each shared value must still equal the same read made afresh from the catalogue.
"""

from __future__ import annotations

import dataclasses
from typing import Any

import pandas as pd
import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics import queries
from jichitai_metrics.ui import common, downloads, kit
from jichitai_metrics.ui import figures as fig_ui
from tests.support import REPO_ROOT

SEMINAR = "r5-budget-dx-day1"
PAGES = ("overview", "program", "explorer", "whatif", "deck", "present", "accessibility")


def _open(page: str, lang: str, **params: str) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=90)
    at.query_params["lang"] = lang
    at.run()
    at.switch_page(f"pages/{page}.py")
    at.query_params["lang"] = lang
    for key, value in params.items():
        at.query_params[key] = value
    at.run()
    assert not at.exception, [e.value for e in at.exception]
    return at


@pytest.fixture(scope="module")
def pages_visited(catalog_con) -> None:
    """Every page that reads the catalogue, both languages, each programme, and the what-if."""
    for lang in ("ja", "en"):
        for page in PAGES:
            _open(page, lang)
        for number in queries.programs(catalog_con, SEMINAR)["number"]:
            _open("program", lang, program=str(int(number)))
        _open("explorer", lang, q="FAX", prog="1")
        _open("present", lang, i="2")
        at = _open("whatif", lang, inquiries="12000")
        assert not at.exception


def _same(shared: Any, fresh: Any, what: str) -> None:
    if isinstance(fresh, pd.DataFrame):
        pd.testing.assert_frame_equal(shared, fresh, obj=what)
    elif dataclasses.is_dataclass(fresh) and not isinstance(fresh, type):
        for field in dataclasses.fields(fresh):
            _same(getattr(shared, field.name), getattr(fresh, field.name), f"{what}.{field.name}")
    else:
        assert shared == fresh, what


def _reads(con) -> list[tuple[Any, tuple]]:
    """(shared read, arguments) for what the pages above asked for."""
    numbers = [int(n) for n in queries.programs(con, SEMINAR)["number"]]
    chart_ids = [str(c) for c in queries.charts(con, SEMINAR)["chart_id"]]
    reads: list[tuple[Any, tuple]] = [
        (common.seminars, ()),
        (common.seminar, (SEMINAR,)),
        (common.programs, (SEMINAR,)),
        (common.figures, (SEMINAR,)),
        (common.charts, (SEMINAR,)),
        (common.headline_figures, (SEMINAR,)),
        (fig_ui.figure_topics, (SEMINAR,)),
        (fig_ui.figure_units, (SEMINAR,)),
    ]
    for number in numbers:
        reads += [
            (common.program, (SEMINAR, number)),
            (common.career, (SEMINAR, number)),
            (common.findings, (SEMINAR, number)),
            (common.charts, (SEMINAR, number)),
            (fig_ui.figures_outside_charts, (SEMINAR, number)),
        ]
    for lang in ("ja", "en"):
        reads += [(kit.chart_labels, (SEMINAR, lang)), (kit.whatif_factors, (SEMINAR, lang))]
        for chart_id in chart_ids:
            reads += [
                (fig_ui.card, (SEMINAR, chart_id, lang)),
                (fig_ui.card_svg, (SEMINAR, chart_id, lang)),
                (fig_ui.card_table_html, (SEMINAR, chart_id, lang)),
                (fig_ui.card_html, (SEMINAR, chart_id, lang)),
            ]
    reads += [(common.chart_figures, (chart_id,)) for chart_id in chart_ids]
    return reads


def test_pages_leave_every_shared_read_as_the_catalogue_has_it(pages_visited, catalog_con):
    reads = _reads(catalog_con)
    for shared_read, args in reads:
        shared = shared_read(*args)
        assert shared_read(*args) is shared, f"{shared_read.__name__}{args} is not shared"
        _same(shared, shared_read.__wrapped__(*args), f"{shared_read.__name__}{args}")


def test_every_shared_read_is_emptied_when_the_catalogue_reloads(pages_visited, catalog_con):
    before = common.programs(SEMINAR)
    table = fig_ui.card(SEMINAR, "p4-kodaira", "ja").csv_table
    key = ("chart", SEMINAR, "p4-kodaira", "ja")
    csv = downloads.csv_for(key, "utf-8-sig", table)
    assert downloads.csv_for(key, "utf-8-sig", table) is csv
    common.reload_catalog()
    assert common.programs(SEMINAR) is not before
    assert downloads.csv_for(key, "utf-8-sig", table) is not csv
    assert all(cached in common._shared_reads for cached in (fig_ui.card_html, kit.stamp, downloads.csv_for))
