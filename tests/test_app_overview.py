"""AppTest: the overview renders the seminar from the catalogue, in both languages."""

import html
import re

from streamlit.testing.v1 import AppTest

from jichitai_metrics.ui import common
from tests.support import REPO_ROOT, html_links


def run_app(**query) -> AppTest:
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    for key, value in query.items():
        at.query_params[key] = value
    return at.run()


def html_text(at: AppTest) -> str:
    """The words of the page's HTML blocks (fact boxes, headline cards, tables), tags removed."""
    bodies = [el.proto.body for el in at.get("html") if "<style>" not in el.proto.body]
    return "\n".join(html.unescape(re.sub(r"<[^>]+>", " ", body)) for body in bodies)


def headline_values(at: AppTest) -> list[str]:
    """The big values of the headline cards and fact boxes."""
    bodies = " ".join(el.proto.body for el in at.get("html"))
    return [html.unescape(v) for v in re.findall(r'<p class="jm-value">([^<]*)</p>', bodies)]


def all_text(at: AppTest) -> str:
    parts = [m.value for m in at.markdown] + [c.value for c in at.caption]
    parts += [h.value for h in at.header] + [html_text(at)]
    return "\n".join(parts)


def test_overview_shows_seminar_date_registrants_and_headlines():
    at = run_app()
    assert not at.exception
    text = all_text(at)
    assert "令和5年度予算×DX/Day1" in text
    assert "2022年（令和4年）9月21日（水）" in text
    assert "215人" in text
    assert "令和5年度（2023年度）" in text
    # headline figures carry their verbatim quote
    assert "出典：Program1 宮坂 学 氏「2019年比で約99%削減」" in text
    assert "約99%" in headline_values(at)
    assert "215人" in headline_values(at)
    for speaker in ("宮坂 学 氏", "加山 緑郎 氏", "東郷 剛 氏", "赤石 輝生 氏", "藪内 伸彦 氏"):
        assert speaker in text


def test_language_switch_to_english_is_read_from_the_url():
    at = run_app(lang="en")
    assert not at.exception
    text = all_text(at)
    assert "Wednesday 21 September 2022" in text and "Headline figures" in text
    assert at.query_params["lang"] == "en"
    # The switch is a link to the same page with ?lang=ja (client-side: the session stays), and the
    # frame's block says the language shown and sets the document's <html lang> to it.
    frame = " ".join(el.proto.body for el in at.sidebar.get("html"))
    assert html_links([frame])["日本語"] == "./?lang=ja"  # this page (the overview, served at /) in Japanese
    assert '<span lang="en" aria-current="true">English</span>' in frame
    assert 'document.documentElement.lang = "en";' in frame
    at = run_app(lang="ja")
    assert "注目の数字" in all_text(at)
    # AppTest does not report URL changes made by the script; tests/browser/test_overview.py checks the URL.


def test_a_broken_data_file_gives_a_message_not_a_traceback(tmp_path, monkeypatch):
    bad = tmp_path / "data" / "seminars" / "x"
    bad.mkdir(parents=True)
    (bad / "seminar.toml").write_text("[seminar]\nid = 'x'\n", encoding="utf-8")
    monkeypatch.setenv("JICHITAI_DATA_DIR", str(tmp_path / "data"))
    common.reload_catalog()  # earlier tests in this process cached the real catalogue's answers
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60).run()
    assert not at.exception
    errors = " ".join(e.value for e in at.error)
    assert "seminar.toml" in errors and "title_ja" in errors and "再起動" in errors
    common.reload_catalog()
