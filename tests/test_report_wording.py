"""Every word around a number says no more than the report does (issue 11, section 2).

Each test names one place where the catalogue once said more than the report, and fails if it
does again. The report itself is ../shared/seed/ (tests/test_catalog.py checks every quote in it).
"""

from __future__ import annotations

import io
import json

import pytest
from pptx import Presentation

from jichitai_metrics import queries, slides, words
from jichitai_metrics.chart_card import load_cards

DAY1 = "r5-budget-dx-day1"


@pytest.fixture(scope="module")
def figs(catalog_con):
    return queries.figures(catalog_con, seminar_id=DAY1).set_index("id")


@pytest.fixture(scope="module")
def cards(catalog_con):
    return {c.chart_id: c for c in load_cards(catalog_con, DAY1)[1]}


def test_the_format_says_only_what_the_report_says(catalog_con):
    seminar = queries.seminar(catalog_con, DAY1)
    assert "オンライン" not in seminar["format_ja"] and "online" not in seminar["format_en"].lower()
    # The report gives 「9月21日(水)」 only: the year is inferred and says so.
    assert "推定" in seminar["held_on_note_ja"] and "inferred" in seminar["held_on_note_en"]


def test_call_centre_chart_is_about_users_and_not_one_axis(cards, figs):
    card = cards["p4-user-behaviour"]
    assert "住民" not in card.title and "白書より" not in card.title
    assert card.chart_row["chart_type"] == "kpi", "shares with different bases must not share a 0–100 axis"
    spec = json.dumps(card.spec(600), ensure_ascii=False)
    assert '"field": "value"' not in spec, "tiles put no share on a value axis"
    seventy = figs.loc["p4-website-before-call"]
    assert "出典・調査年は記載なし" in seventy["note_ja"] and "抜粋" not in seventy["note_ja"]
    assert "と言われています" in figs.loc["p4-return-after-failed-faq", "note_ja"]


def test_paper_label_does_not_read_as_cut_by(figs):
    label = figs.loc["p1-paper-reduction", "label_ja"]
    assert "削減" not in label and "2通り" in label


def test_assumed_as_of_is_said_in_caption_csv_and_slide(cards, figs):
    seminar_day = figs[figs["as_of"] == "2022-09-21"]
    assert len(seminar_day) > 5 and seminar_day["as_of_assumed"].all()
    card = cards["p4-user-behaviour"]
    assert any("セミナー開催日・推定" in line for line in card.caption.periods)
    assert set(card.csv_table["時点の扱い"]) == {"セミナー開催日・推定"}
    assert any("セミナー開催日・推定" in line for line in card.footer)
    kodaira = cards["p4-kodaira"]
    assert set(kodaira.csv_table["時点の扱い"]) == {""}, "rows with no as-of stay blank"


def test_targets_hold_by_a_deadline(figs, cards):
    for fid in ("p1-procedures-digital-share-target", "p1-procedures-digital-count-target"):
        assert words.blank(figs.loc[fid, "as_of"]), f"{fid}: a deadline is not a measurement date"
    periods = " ".join(cards["p1-procedures"].caption.periods)
    assert "期限 令和5年度（2023年度）末" in periods and "2024年（令和6年）3月31日" not in periods


def test_satisfied_share_has_no_baseline(figs, cards):
    assert words.blank(figs.loc["p1-staff-satisfied", "baseline"])
    table = cards["p1-staff-satisfaction"].table
    assert (table.loc[table["figure_id"] == "p1-staff-satisfied", "baseline"] == "").all()


def test_derived_change_quotes_both_figures(figs):
    quote = figs.loc["p1-staff-dissatisfied-change-derived", "quote"]
    assert "32%" in quote and "54%" in quote


def test_headline_cards_carry_the_caveats(catalog_con):
    from tests.test_pages import open_page

    at = open_page("pages/overview.py")
    # The cards and fact boxes are one HTML block each (issue 12); the date note is a caption.
    shown = [c.value for c in at.caption] + [block.proto.body for block in at.get("html")]
    text = " ".join(shown).replace("\\", "")
    assert "ようです" in text, "the hearsay behind 1/30以下 is on the overview"
    assert "比較の基準期間・時期は記載なし" in text, "Kodaira's missing baseline is on the overview"
    assert "推定" in text, "the inferred year of the seminar day is on the overview"


def test_lixil_and_video_wording(figs, cards):
    assert "利用期間" not in figs.loc["p2-lixil-years", "label_ja"]
    shown = {f["id"] for f in cards["p2-videos"].figures}
    assert len(shown & {"p2-videos-total-intro", "p2-videos-total-talk"}) == 1, "10万本 is one quantity"
    refs = cards["p2-ratios"].table.query("status == 'baseline'").set_index("figure_id")["series"]
    assert refs["p2-html-video-size"].startswith("一般的な動画")


@pytest.mark.parametrize(
    ("finding", "quote"),
    [
        ("f1-goal-satisfaction", "満足が不満を越える1年にしたい"),
        ("f2-staff-falling-workload-rising", "職員数は減少しており"),
        ("f2-covid-workload", "コロナ禍により業務量が増加"),
        ("f2-videos-rising", "ここ数年で一気に増えています"),
        ("f4-monthly-kgi-kpi", "毎月チェック"),
        ("f5-monthly-pmo", "毎月の進捗報告"),
    ],
)
def test_missing_statements_are_catalogued(catalog_con, finding, quote):
    found = queries.findings(catalog_con, seminar_id=DAY1).set_index("id")
    assert quote in found.loc[finding, "quote"]


def test_exact_end_dates_of_the_speaker(catalog_con):
    events = " ".join(queries.career(catalog_con, DAY1, 1)["event_ja"])
    assert "令和元年6月18日まで" in events and "令和元年9月19日まで" in events


def test_english_names_say_they_are_our_romanisation(catalog_con):
    program = queries.program(catalog_con, DAY1, 1)
    assert words.speaker(program, "en") == "Manabu Miyasaka (our romanisation; the report gives 宮坂 学 氏)"
    _, (card,) = load_cards(catalog_con, DAY1, chart_ids=["p1-paper-fax"], lang="en")
    assert "our romanisation" in card.caption.source


def test_deck_title_slide_says_the_year_is_inferred(catalog_con):
    seminar_row, cards = load_cards(catalog_con, DAY1, chart_ids=["p4-kodaira"])
    deck = Presentation(io.BytesIO(slides.cards_deck(seminar_row, cards)))
    title = "\n".join(sh.text_frame.text for sh in deck.slides[0].shapes if sh.has_text_frame)
    assert "年は曜日と令和5年度予算の文脈からの推定" in title
