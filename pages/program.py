"""プログラム別: one programme's story with its numbers (?program=N&seminar=ID)."""

import streamlit as st

from jichitai_metrics import words
from jichitai_metrics.formatting import career_when
from jichitai_metrics.ui import common, downloads, filters, nav, prose
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()
programs = common.programs(seminar_id)
numbers = [int(n) for n in programs["number"]]
titles = dict(zip(numbers, programs["title_en" if lang == "en" else "title_ja"], strict=True))

number, asked = filters.url_value("program", numbers, default=numbers[0])
if asked is not None:
    st.warning(
        common.md_escape(
            common.pick(
                f"プログラム「{asked}」は見つかりません。{numbers[0]}〜{numbers[-1]}から選んでください。",
                f"There is no programme “{asked}”. Choose one of {numbers[0]}–{numbers[-1]}.",
                lang,
            )
        ),
        icon=":material/warning:",
    )
prog = common.program(seminar_id, number)
en = lang == "en"

# The whole page is one block of HTML (see ui/prose.py): the picker, the story, every chart card
# with its links, the other figures and the findings.
picker = prose.tabs(
    common.pick("プログラム", "Programme", lang),
    (
        (
            f"Program {n}",
            nav.page_href("program", {"program": n, "seminar": seminar_id, "lang": lang}),
            n == number,
        )
        for n in numbers
    ),
)
points = prog["key_points_en" if en else "key_points_ja"]
summary = (
    prose.heading(2, common.pick("概要（編集部による要約）", "Summary (our own words)", lang))
    + prose.para(prose.esc(words.text(prog, "summary", lang)))
    + prose.heading(3, common.pick("ポイント", "Key points", lang))
    + prose.bullets(prose.esc(p) for p in points)
)
career = common.career(seminar_id, number)
entries = (
    prose.bullets(
        f"{prose.strong(career_when(row, lang))}　{prose.esc(words.text(row, 'event', lang))}"
        for row in career.to_dict("records")
    )
    if not career.empty
    else prose.para(
        prose.esc(common.pick("経歴の記載はありません。", "No career details in the report.", lang))
    )
)
parts = [
    picker,
    prose.heading(1, f"Program{number}　{titles[number]}"),
    prose.para(prose.strong(words.speaker_line(prog, lang))),
    prose.columns(summary, prose.heading(2, common.pick("講師の経歴", "Speaker's career", lang)) + entries),
    prose.heading(2, common.pick("数値とグラフ", "Figures and charts", lang)),
]
chart_rows = common.charts(seminar_id, number)
if chart_rows.empty:
    parts.append(
        prose.para(
            prose.esc(
                common.pick("このプログラムのグラフはありません。", "This programme has no charts.", lang)
            )
        )
    )
parts += [
    fig_ui.chart_card_html(seminar_id, str(chart_id), number, lang) for chart_id in chart_rows["chart_id"]
]

others = fig_ui.figures_outside_charts(seminar_id, number)
if not others.empty:
    other_title = common.pick("その他の数値（表）", "Other figures (table)", lang)
    parts += [
        prose.heading(3, other_title),
        prose.para(
            prose.esc(
                common.pick(
                    "グラフにしていない数値です。引用と出典を添えています。",
                    "Figures not charted above, each with its quote and source.",
                    lang,
                )
            )
        ),
        fig_ui.figures_table_html(
            others, seminar_id, f"program{number}-other", other_title, ("program-other", seminar_id, number)
        ),
    ]

findings = common.findings(seminar_id, number)
if not findings.empty:
    # Each finding with its quote under it.
    parts += [
        prose.heading(2, common.pick("数値以外の発見", "Findings without a number", lang)),
        prose.bullets(
            prose.esc(words.text(row, "statement", lang))
            + "<br>"
            + prose.esc(common.pick(f"引用：「{row['quote']}」", f"Quote: “{row['quote']}”", lang))
            for row in findings.to_dict("records")
        ),
    ]
parts += ["<hr>", f'<div class="jm-actions">{fig_ui.inquiry_link_html(number, lang)}</div>']
prose.draw(*parts)
