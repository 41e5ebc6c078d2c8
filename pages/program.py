"""プログラム別: one programme's story with its numbers (?program=N&seminar=ID)."""

import streamlit as st

from jichitai_metrics import export, words
from jichitai_metrics.formatting import career_when
from jichitai_metrics.ui import common, downloads, filters
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()
programs = common.programs(seminar_id)
numbers = [int(n) for n in programs["number"]]
titles = dict(zip(numbers, programs["title_en" if lang == "en" else "title_ja"], strict=True))

number, asked = filters.url_choice(
    "program",
    common.pick("プログラム", "Programme", lang),
    numbers,
    default=numbers[0],
    kind="segmented",
    format_func=lambda n: f"Program {n}",
)
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
number = int(str(number)) if number is not None else numbers[0]
prog = common.program(seminar_id, number)
en = lang == "en"

st.title(common.md_escape(f"Program{number}　{titles[number]}"))
st.markdown(f"**{common.md_escape(words.speaker_line(prog, lang))}**")

# Each column is one Markdown block (headings included): every element costs on each page load.
left, right = st.columns([3, 2], gap="large")
with left:
    points = prog["key_points_en" if en else "key_points_ja"]
    st.markdown(
        f"## {common.pick('概要（編集部による要約）', 'Summary (our own words)', lang)}\n\n"
        f"{common.md_escape(words.text(prog, 'summary', lang))}\n\n"
        f"### {common.pick('ポイント', 'Key points', lang)}\n\n"
        + "\n".join(f"- {common.md_escape(p)}" for p in points)
    )
with right:
    career = common.career(seminar_id, number)
    entries = (
        "\n".join(
            f"- **{common.md_escape(career_when(row, lang))}**　"
            f"{common.md_escape(words.text(row, 'event', lang))}"
            for row in career.to_dict("records")
        )
        if not career.empty
        else common.pick("経歴の記載はありません。", "No career details in the report.", lang)
    )
    heading = common.pick("講師の経歴", "Speaker's career", lang)
    st.markdown(f"## {heading}\n\n{entries}")

st.header(common.pick("数値とグラフ", "Figures and charts", lang))
chart_rows = common.charts(seminar_id, number)
if chart_rows.empty:
    st.info(common.pick("このプログラムのグラフはありません。", "This programme has no charts.", lang))
for chart_id in chart_rows["chart_id"]:
    fig_ui.chart_card(seminar_id, str(chart_id), number)

others = fig_ui.figures_outside_charts(seminar_id, number)
if not others.empty:
    st.markdown(
        f"### {common.pick('その他の数値（表）', 'Other figures (table)', lang)}\n\n"
        + common.pick(
            "グラフにしていない数値です。引用と出典を添えています。",
            "Figures not charted above, each with its quote and source.",
            lang,
        )
    )
    fig_ui.figure_table(
        others,
        export.export_filename("figures", seminar_id, f"program{number}", "other"),
        key=f"dl-other-{number}",
        caption=common.pick("その他の数値（表）", "Other figures (table)", lang),
        cache_key=("program-other", seminar_id, number),
    )

findings = common.findings(seminar_id, number)
if not findings.empty:
    # The heading and each finding with its quote under it, the whole list in one block.
    st.markdown(
        f"## {common.pick('数値以外の発見', 'Findings without a number', lang)}\n\n"
        + "\n".join(
            f"- {common.md_escape(words.text(row, 'statement', lang))}"
            "  \n  "
            + common.md_escape(common.pick(f"引用：「{row['quote']}」", f"Quote: “{row['quote']}”", lang))
            for row in findings.to_dict("records")
        )
    )

st.divider()
fig_ui.inquiry_link(number)
