"""The words around a figure, each from one home (jichitai_metrics.words)."""

from __future__ import annotations

import ast
from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from jichitai_metrics import words

PACKAGE = Path(__file__).resolve().parent.parent / "jichitai_metrics"


def test_source_line_names_programme_speaker_and_quote():
    fig = {
        "program": 4,
        "speaker_ja": "赤石 輝生 氏",
        "speaker_en": "Teruo Akaishi",
        "quote": "問い合わせを25%削減",
    }
    assert (
        words.source_line(fig, "ja", quote=fig["quote"])
        == "出典：Program4 赤石 輝生 氏「問い合わせを25%削減」"
    )
    assert words.source_line(fig, "en", quote=fig["quote"]) == (
        "Source: Programme 4, Teruo Akaishi (our romanisation; the report gives 赤石 輝生 氏), "
        "“問い合わせを25%削減”"
    )
    seminar_level = {"program": pd.NA, "speaker_ja": float("nan"), "quote": "申込者数:215人"}
    assert (
        words.source_line(seminar_level, "ja", quote="申込者数:215人")
        == "出典：セミナー全体「申込者数:215人」"
    )


def test_source_line_of_a_programme_names_talk_post_and_report():
    program = {
        "number": 1, "title_ja": "シン・トセイ", "speaker_ja": "宮坂 学 氏",
        "organisation_ja": "東京都", "role_ja": "副知事",
    }  # fmt: skip
    seminar = {"organiser": "ジチタイワークス", "report_title": "【セミナーレポート】X", "title_ja": "X"}
    assert words.source_line(program, "ja", seminar=seminar) == (
        "出典：ジチタイワークス「【セミナーレポート】X」 "
        "Program1「シン・トセイ」 宮坂 学 氏（東京都、副知事）"
    )
    assert words.source_line(program, "ja", prefix=False).startswith("Program1")


@pytest.mark.parametrize("value", [None, float("nan"), pd.NA, pd.NaT, np.nan, "", "  ", "\u3000"])
def test_blank_values(value):
    assert words.blank(value)


@pytest.mark.parametrize("value", [0, 0.0, False, "0", "x", "-"])
def test_not_blank_values(value):
    assert not words.blank(value)


def test_assumed_as_of_says_so_everywhere_it_is_written():
    fig = {"as_of": "2022-09-21", "as_of_assumed": True, "fiscal_year": 2022}
    assert words.as_of_text("2022-09-21", "ja", True) == "2022年（令和4年）9月21日（セミナー開催日・推定）"
    assert words.period_text(fig, "ja").startswith("2022年（令和4年）9月21日（セミナー開催日・推定）")
    assert "(seminar day, assumed)" in words.period_text(fig, "en")
    assert words.as_of_basis(fig, "ja") == "セミナー開催日・推定"
    assert words.as_of_basis({**fig, "as_of_assumed": False}, "ja") == ""


def test_a_target_holds_by_a_deadline_not_at_a_date():
    fig = {"kind": "target", "as_of": "", "fiscal_year": 2023}
    assert words.period_text(fig, "ja") == "期限 令和5年度（2023年度）末"
    assert words.period_text(fig, "en") == "deadline: end of FY2023 (Apr 2023–Mar 2024)"


def test_period_and_baseline_texts_carry_both_calendars():
    assert words.as_of_text("2022-09-21", "ja") == "2022年（令和4年）9月21日"
    assert words.as_of_text("2021", "ja") == "2021年（令和3年）"
    assert words.baseline_text({"baseline": "2016年"}, "ja") == "2016年（平成28年）比"


def test_one_word_per_kind():
    assert words.kind_text("target", "ja") == "目標値"
    assert words.kind_text("reported", "en") == "reported"


def test_both_csv_kinds_name_shared_fields_alike():
    shared = set(words.CHART_CSV_COLUMNS) & set(words.FIGURE_CSV_COLUMNS)
    assert {"figure_id", "qualifier", "quote", "kind", "as_of_basis", "source"} <= shared
    headers = words.headers(tuple(shared), "ja")
    assert (
        headers["figure_id"] == "数値ID" and headers["qualifier"] == "修飾語" and headers["quote"] == "引用"
    )


# Strings that may be typed in one module only: the words module owns them.
OWNED = {"出典：": "words.py", "目標値": "words.py", "セミナー開催日・推定": "words.py"}


def test_words_around_a_figure_have_one_home():
    # A second module spelling out one of these strings would be a second home for the fact.
    offenders = []
    for path in sorted(PACKAGE.rglob("*.py")):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        strings = [
            n.value for n in ast.walk(tree) if isinstance(n, ast.Constant) and isinstance(n.value, str)
        ]
        for needle, home in OWNED.items():
            if path.name != home and any(needle in s for s in strings):
                offenders.append(f"{path.relative_to(PACKAGE)}: {needle}")
    assert not offenders, offenders
