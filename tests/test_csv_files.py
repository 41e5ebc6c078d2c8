"""The CSV files behind the pages' download links (ui/csv_files.py), fetched over HTTP as a browser does."""

from __future__ import annotations

import csv
import html
import io
import re
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from jichitai_metrics import export
from jichitai_metrics.ui import csv_files
from tests.botclient import BotSession
from tests.support import http_get, running_app

SEMINAR = "r5-budget-dx-day1"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("csv")
    with running_app({"JICHITAI_DB_PATH": str(tmp / "store.duckdb")}, log=tmp / "server.log") as url:
        yield url


def _page_links(app: str, page: str, query: str) -> tuple[list[str], list[str]]:
    """(CSV link addresses, the HTML blocks) of a page as a visitor's browser receives it."""
    with BotSession(app, page, query) as bot:
        bodies = [n.proto.body for n in bot.elements("html")]
    hrefs = [
        html.unescape(h) for b in bodies for h in re.findall(r'href="([^"]*/files/csv/[^"]*)" download', b)
    ]
    return hrefs, bodies


def _rows(data: bytes, encoding: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(data.decode(encoding), newline="")))


def test_each_chart_link_gives_the_rows_of_its_table_view(app):
    hrefs, bodies = _page_links(app, "program", "program=1")
    chart_links = [h for h in hrefs if "/chart-" in h]
    assert len(chart_links) >= 2
    tables = [t for b in bodies if "<table" in b for t in pd.read_html(io.StringIO(b))]
    for href in chart_links:
        status, headers, data = http_get(app, href)
        assert status == 200, data
        assert headers["content-type"] == "text/csv; charset=utf-8"
        assert data.startswith(b"\xef\xbb\xbf"), "UTF-8 with BOM, so Japanese Excel opens it"
        chart_id = re.search(r"/chart-([^/?]+)\.csv", href).group(1)
        assert f"jichitai-chart-{chart_id}-" in headers["content-disposition"]
        rows = _rows(data, "utf-8-sig")
        assert {r["図表ID"] for r in rows} == {chart_id}
        # The same rows as the card's own table view (the screen and the file agree).
        (table,) = [t for t in tables if set(t.get("図表ID", [])) == {chart_id}]
        assert [r["数値ID"] for r in rows] == table["数値ID"].fillna("").tolist()  # "" = 報告なし


def test_the_link_carries_the_sidebar_encoding_and_cp932_decodes_to_the_same_text(app):
    hrefs, _ = _page_links(app, "program", "program=1")
    href = next(h for h in hrefs if "p1-staff-satisfaction" in h)
    assert "encoding=utf-8-sig" in href and "lang=ja" in href
    _, _, utf8 = http_get(app, href)
    status, headers, sjis = http_get(app, href.replace("encoding=utf-8-sig", "encoding=cp932"))
    assert status == 200 and headers["content-type"] == "text/csv; charset=Shift_JIS"
    assert not sjis.startswith(b"\xef\xbb\xbf")
    assert sjis.decode("cp932") == utf8.decode("utf-8-sig")


def test_programme_other_figures_and_seminar_tables_have_files(app):
    hrefs, _ = _page_links(app, "program", "program=2")
    other = [h for h in hrefs if "program2-other.csv" in h]
    assert len(other) == 1
    status, _, data = http_get(app, other[0])
    assert status == 200 and len(_rows(data, "utf-8-sig")) >= 1
    hrefs, _ = _page_links(app, "", "lang=en")
    (seminar,) = [h for h in hrefs if "/seminar.csv" in h]
    status, _, data = http_get(app, seminar)
    rows = _rows(data, "utf-8-sig")
    assert status == 200 and rows and "Figure ID" in rows[0]  # English headers with lang=en


@pytest.mark.parametrize(
    ("path", "status", "words"),
    [
        (f"files/csv/{SEMINAR}/chart-no-such-chart.csv?lang=ja", 404, "見つかりません"),
        (f"files/csv/{SEMINAR}/chart-no-such-chart.csv?lang=en", 404, "no such CSV"),
        ("files/csv/no-such-seminar/chart-p1-staff-satisfaction.csv", 404, "見つかりません"),
        (f"files/csv/{SEMINAR}/program99-other.csv", 404, "見つかりません"),
        (f"files/csv/{SEMINAR}/anything.csv", 404, "見つかりません"),
        (f"files/csv/{SEMINAR}/seminar.csv?encoding=latin-1", 400, "utf-8-sig"),
    ],
)
def test_a_bad_address_gets_a_plain_message_not_a_traceback(app, path, status, words):
    code, headers, data = http_get(app, path)
    text = data.decode("utf-8")
    assert code == status and words in text
    assert headers["content-type"].startswith("text/plain") and "Traceback" not in text


def test_a_character_cp932_cannot_hold_refuses_the_file_and_names_it(monkeypatch):
    table = pd.DataFrame({"名前": ["𠮷野家"]})
    monkeypatch.setattr(
        csv_files, "csv_table", lambda *_: csv_files.CsvTable(table, "x.csv", ("test-only", "𠮷"))
    )
    monkeypatch.setattr(csv_files, "encoded", lambda t, enc: export.csv_bytes(t.table, enc))
    answer = csv_files._answer(SEMINAR, "seminar", "ja", "cp932")
    assert answer.status_code == 422
    assert "U+20BB7" in answer.body.decode("utf-8") and "UTF-8" in answer.body.decode("utf-8")
    assert csv_files._answer(SEMINAR, "seminar", "ja", "utf-8-sig").status_code == 200


def test_the_explorer_link_carries_its_filters_and_gives_the_rows_on_screen(app):
    hrefs, bodies = _page_links(app, "explorer", "topic=ペーパーレス&q=ＦＡＸ")
    (href,) = hrefs
    assert "/figures.csv?" in href and "topic=" in href and "q=" in href
    (table,) = [t for b in bodies if "<table" in b for t in pd.read_html(io.StringIO(b))]
    status, headers, data = http_get(app, urllib.parse.quote(href, safe="/:?=&%.-_"))
    assert status == 200 and "filtered" in headers["content-disposition"]
    rows = _rows(data, "utf-8-sig")
    assert [r["数値ID"] for r in rows] == ["p1-fax-reduction"]
    assert [r["項目"] for r in rows] == table["項目"].tolist()  # the same figure as on screen
    code, _, text = http_get(app, f"files/csv/{SEMINAR}/figures.csv?kind=bogus")
    assert code == 404 and "見つかりません" in text.decode("utf-8")


def test_the_whatif_link_gives_the_results_on_screen_for_the_entries_in_its_address(app, catalog_con):
    hrefs, bodies = _page_links(app, "whatif", "inquiries=１２，０００&procedures=たくさん")
    (href,) = hrefs
    assert "/whatif.csv?" in href and "inquiries=" in href
    status, headers, data = http_get(app, urllib.parse.quote(href, safe="/:?=&%.-_"))
    assert status == 200 and "jichitai-whatif-" in headers["content-disposition"]
    rows = _rows(data, "utf-8-sig")
    # Worked by hand from the report: Kodaira cut inquiries by 25%, so 12,000 calls become 9,000.
    # The unreadable entry (たくさん) is left out, as the page leaves it out.
    assert [r["項目"] for r in rows] == ["電話での問い合わせ件数（年間）"]
    assert rows[0]["当てはめた値"] == "9000" and rows[0]["数値ID"] == "p4-kodaira-inquiries"
    assert "9,000" in " ".join(bodies)  # the same number on the page
    code, _, text = http_get(app, f"files/csv/{SEMINAR}/whatif.csv?lang=ja")
    assert code == 404 and "見つかりません" in text.decode("utf-8")  # no entries: no results, no file
