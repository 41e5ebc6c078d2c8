"""The deck and handout behind the deck page's two download buttons (ui/deck_files.py)."""

from __future__ import annotations

import asyncio
import concurrent.futures
import html
import io
import subprocess
import threading
import time
import urllib.parse
from html.parser import HTMLParser

import pypdf
import pytest
from pptx import Presentation
from starlette.requests import Request
from starlette.responses import Response

from jichitai_metrics import queries, whatif
from jichitai_metrics.ui import deck_files
from tests.botclient import BotSession
from tests.support import http_get

SEMINAR = "r5-budget-dx-day1"


class _Forms(HTMLParser):
    """The page's download forms: {button text: (action, [(name, value)], disabled)}."""

    def __init__(self) -> None:
        super().__init__()
        self.forms: dict[str, tuple[str, list[tuple[str, str]], bool]] = {}
        self._action: str | None = None
        self._fields: list[tuple[str, str]] = []
        self._button: bool | None = None
        self._text = ""

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "form" and "jm-download" in (a.get("class") or ""):
            self._action, self._fields = a.get("action") or "", []
        elif self._action is not None and tag == "input" and a.get("type") == "hidden":
            self._fields.append((a["name"] or "", a["value"] or ""))
        elif self._action is not None and tag == "button":
            self._button, self._text = "disabled" in a, ""

    def handle_data(self, data: str) -> None:
        if self._button is not None:
            self._text += data

    def handle_endtag(self, tag: str) -> None:
        if tag == "form" and self._action is not None:
            self.forms[self._text] = (self._action, self._fields, bool(self._button))
            self._action, self._button = None, None


def _download_forms(app: str, query: str) -> dict[str, tuple[str, list[tuple[str, str]], bool]]:
    with BotSession(app, "deck", query) as bot:
        assert not bot.exceptions
        assert not bot.elements("download_button")  # plain forms: no button script to load
        parser = _Forms()
        for node in bot.elements("html"):
            parser.feed(node.proto.body)
    return parser.forms


def _submit(app: str, form: tuple[str, list[tuple[str, str]], bool]) -> tuple[int, dict[str, str], bytes]:
    """What the browser gets when the form's button is pressed (a GET of its action with its fields)."""
    action, fields, _ = form
    return http_get(app, f"{html.unescape(action)}?{urllib.parse.urlencode(fields)}", timeout=120)


def test_the_deck_button_downloads_the_slides_of_the_explorers_choice(app_url, catalog_con):
    forms = _download_forms(app_url, "prog=4&lang=ja")
    deck = forms["スライドをダウンロード（.pptx）"]
    expected = queries.charts(catalog_con, SEMINAR, 4)
    assert deck[0] == f"./files/deck/{SEMINAR}.pptx" and not deck[2]
    assert [v for k, v in deck[1] if k == "chart"] == list(expected["chart_id"])
    status, headers, data = _submit(app_url, deck)
    assert status == 200, data[:300]
    assert headers["content-type"].startswith("application/vnd.openxmlformats-officedocument")
    assert 'filename="jichitai-deck-r5-budget-dx-day1-' in headers["content-disposition"]
    slides = list(Presentation(io.BytesIO(data)).slides)
    assert [s.shapes.title.text_frame.text for s in slides[1:-1]] == list(expected["title_ja"])


def test_the_handout_button_keeps_the_pages_choice_and_orientation(app_url, catalog_con):
    forms = _download_forms(
        app_url, "lang=en&mode=charts&sent=1&chart=p1-staff-satisfaction&chart=p4-kodaira&landscape=1"
    )
    handout = forms["Download the handout (A4 PDF)"]
    assert handout[0] == f"./files/deck/{SEMINAR}.pdf"
    assert ("landscape", "1") in handout[1] and ("lang", "en") in handout[1]
    # the deck has no orientation: the same choice without it
    assert ("landscape", "1") not in forms["Download the deck (.pptx)"][1]
    status, headers, data = _submit(app_url, handout)
    assert status == 200 and headers["content-type"] == "application/pdf"
    first = pypdf.PdfReader(io.BytesIO(data)).pages[0]
    assert float(first.mediabox.width) > float(first.mediabox.height)  # A4 landscape
    # its words as a PDF viewer copies them (poppler), line breaks aside
    pdftotext = ["pdftotext", "-enc", "UTF-8", "-", "-"]
    text = subprocess.run(pdftotext, input=data, capture_output=True, check=True).stdout.decode("utf-8")
    flat = "".join(text.split())
    titles = queries.charts(catalog_con, SEMINAR).set_index("chart_id")["title_en"]
    for chart_id in ("p1-staff-satisfaction", "p4-kodaira"):
        assert "".join(str(titles[chart_id]).split()) in flat


def test_nothing_chosen_greys_both_buttons_and_the_address_says_why(app_url):
    forms = _download_forms(app_url, "lang=ja&mode=programs&sent=1")
    assert [disabled for _, _, disabled in forms.values()] == [True, True]
    status, headers, data = _submit(app_url, forms["スライドをダウンロード（.pptx）"])
    assert status == 400 and headers["content-type"].startswith("text/plain")
    assert "グラフが1つも選ばれていません" in data.decode("utf-8")


@pytest.mark.parametrize(
    "path",
    [
        f"files/deck/{SEMINAR}.pptx?lang=ja&chart=no-such-chart",
        f"files/deck/{SEMINAR}.pptx?lang=ja&p=9",
        "files/deck/no-such-seminar.pptx?lang=ja&p=1",
        f"files/deck/{SEMINAR}.docx?lang=ja&p=1",
    ],
)
def test_a_wrong_address_gets_a_short_message_not_a_traceback(app_url, path):
    status, headers, data = http_get(app_url, path)
    assert status == 404 and headers["content-type"].startswith("text/plain")
    text = data.decode("utf-8")
    assert "作成できません" in text and "Traceback" not in text and len(text) < 200


def test_the_what_if_entries_travel_in_the_form_and_make_the_last_slide():
    entries = {f.key: "" for f in whatif.FIELDS} | {"inquiries": "12000"}
    wanted = deck_files.DeckRequest([], [1], entries, landscape=True)
    fields = wanted.fields("pptx")
    assert ("whatif", "1") in fields and ("inquiries", "12000") in fields
    assert ("landscape", "1") not in fields and ("landscape", "1") in wanted.fields("pdf")
    # what the route reads back is what the page wrote
    query: dict[str, list[str]] = {}
    for k, v in wanted.fields("pdf"):
        query.setdefault(k, []).append(v)
    again = deck_files.deck_request(query)
    assert (again.chart_ids, again.programs, again.whatif_entries, again.landscape) == (
        (),
        (1,),
        wanted.whatif_entries,
        True,
    )
    # named charts decide; odd programme numbers are dropped, not guessed
    odd = deck_files.deck_request({"chart": ["a"], "p": ["1", "x", "１", "99999"]})
    assert (odd.chart_ids, odd.programs, odd.whatif_entries) == (("a",), (), None)
    assert deck_files.deck_request({"p": ["1", "x", "99999"]}).programs == (1,)
    assert deck_files.DeckRequest([], [], None, False).empty
    assert not deck_files.DeckRequest([], [], {}, False).empty  # the what-if slide alone is a deck


def test_the_deck_with_the_what_if_slide(app_url):
    entries = {f.key: "" for f in whatif.FIELDS} | {"inquiries": "12000", "cost_per_call": "1500"}
    fields = deck_files.DeckRequest([], [5], entries, False).fields("pptx")
    status, _, data = http_get(
        app_url, f"files/deck/{SEMINAR}.pptx?lang=ja&{urllib.parse.urlencode(fields)}", timeout=120
    )
    assert status == 200, data[:300]
    slides = list(Presentation(io.BytesIO(data)).slides)
    whatif_slide = slides[-2]  # before the closing slide
    assert whatif_slide.shapes.title.text_frame.text == "うちの自治体なら：報告事例を当てはめた例示"
    # its notes state each result for these entries, as the what-if page computes them
    from jichitai_metrics.ui import kit

    results, _ = kit.whatif_results(SEMINAR, entries, "ja")
    assert len(results) > 0
    notes = whatif_slide.notes_slide.notes_text_frame.text
    for row in results.to_dict("records"):
        assert whatif.result_text(row, "ja") in notes


def _request(query: str) -> Request:
    """The request a browser's GET of `/files/deck/s.pptx?<query>` makes of the route."""
    return Request(
        {
            "type": "http",
            "method": "GET",
            "path": "/files/deck/s.pptx",
            "path_params": {"seminar": "s", "fmt": "pptx"},
            "query_string": query.encode(),
            "headers": [],
        }
    )


def test_past_the_requests_it_can_hold_a_request_is_told_busy_at_once(monkeypatch):
    release = threading.Event()
    started = threading.Semaphore(0)

    def slow_answer(seminar_id, fmt, wanted, lang):
        started.release()
        release.wait(30)
        return Response(b"ok")

    monkeypatch.setattr(deck_files, "_answer", slow_answer)

    async def scenario() -> tuple[list[int], Response, float, int]:
        held = [
            asyncio.create_task(deck_files._deck_endpoint(_request(f"p={i}")))
            for i in range(deck_files.ASKED_AT_ONCE)
        ]
        for _ in held:  # every one is inside, holding its place
            assert await asyncio.to_thread(started.acquire, True, 30)
        began = time.monotonic()
        busy = await deck_files._deck_endpoint(_request("p=1&lang=ja"))
        waited = time.monotonic() - began
        release.set()
        answers = [r.status_code for r in await asyncio.gather(*held)]
        after = await deck_files._deck_endpoint(_request("p=1"))  # places are given back
        return answers, busy, waited, after.status_code

    # In a thread of its own: the browser tests' Playwright keeps an event loop running in this one.
    # (An error in the scenario, or a hang, fails here with its own message.)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as runner:
        answers, busy, waited, after = runner.submit(asyncio.run, scenario()).result(timeout=60)
    assert busy.status_code == 503 and waited < 5
    assert busy.headers["retry-after"] == "60" and "混み合っています" in bytes(busy.body).decode("utf-8")
    assert answers == [200] * deck_files.ASKED_AT_ONCE and after == 200


def test_at_most_two_builds_run_at_once_and_one_choice_is_built_once(monkeypatch):
    from jichitai_metrics.ui import kit

    running, most, builds = 0, 0, []
    lock = threading.Lock()

    def fake_builder(seminar_id, chart_ids, programs, lang, entries):
        def build() -> bytes:
            nonlocal running, most
            with lock:
                running += 1
                most = max(most, running)
                builds.append(tuple(programs))
            time.sleep(0.3)
            with lock:
                running -= 1
            return b"deck"

        return build

    monkeypatch.setattr(kit, "deck_builder", fake_builder)
    deck_files.built_file.clear()
    wanted = [deck_files.DeckRequest([], [n], None, False) for n in (1, 2, 3, 4, 5)]
    wanted.append(deck_files.DeckRequest([], [1], None, False))  # a double-click: the same choice again
    answers: list[int] = []
    threads = [
        threading.Thread(
            target=lambda w=w: answers.append(deck_files._answer(SEMINAR, "pptx", w, "ja").status_code)
        )
        for w in wanted
    ]
    try:
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
    finally:
        deck_files.built_file.clear()
    assert answers == [200] * len(wanted)
    assert most == deck_files.BUILDS_AT_ONCE
    assert sorted(builds) == [(1,), (2,), (3,), (4,), (5,)]  # programme 1 built once for two requests
