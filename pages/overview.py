"""概要: the seminar at a glance: date, registrants, programmes and headline figures with their quotes."""

import streamlit as st

from jichitai_metrics import words
from jichitai_metrics.formatting import date_text, fiscal_year_label, value_text
from jichitai_metrics.ui import common, downloads
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()
seminar = common.seminar(seminar_id)

st.title(words.text(seminar, "title", lang))
st.caption(common.md_escape(f"{seminar['organiser']}「{seminar['report_title']}」"))

facts = [
    (common.pick("開催日", "Held on", lang), date_text(seminar["held_on"], lang)),
    (
        common.pick("予算の対象年度", "Budget year", lang),
        fiscal_year_label(int(seminar["fiscal_year"]), lang),
    ),
    (common.pick("申込者数", "Registrants", lang), value_text(seminar["registrants"], "人", "", lang)),
    (common.pick("プログラム数", "Programmes", lang), str(seminar["program_count"])),
]
fig_ui.fact_boxes(facts)
held_on_note = words.text(seminar, "held_on_note", lang)
if held_on_note:
    st.caption(common.md_escape(common.pick(f"※開催日：{held_on_note}", f"Date: {held_on_note}", lang)))
st.caption(
    common.md_escape(
        common.pick(
            f"対象：{seminar['audience_ja']}　形式：{seminar.get('format_ja', '')}",
            f"Audience: {seminar.get('audience_en', '')} · Format: {seminar.get('format_en', '')}",
            lang,
        )
    )
)

st.header(common.pick("注目の数字", "Headline figures", lang))
fig_ui.headline_cards(common.headline_figures(seminar_id).to_dict("records"), lang)

fig_ui.seminar_figures_table(seminar_id)

st.header(common.pick("プログラム", "Programmes", lang))
for prog in common.programs(seminar_id).to_dict("records"):
    with st.container(border=True):
        title = words.text(prog, "title", lang)
        speaker = words.speaker_line(prog, lang)
        st.markdown(f"**Program{prog['number']}　{common.md_escape(title)}**  \n{common.md_escape(speaker)}")
        st.page_link(
            "pages/program.py",
            label=common.pick("詳しく見る", "Open programme", lang),
            icon="➡️",
            query_params={"program": prog["number"], "seminar": seminar_id, "lang": lang},
        )

st.caption(
    common.md_escape(
        common.pick(
            "数値はすべてセミナーレポートの記載に基づき、各数値に出典の引用を添えています。算出値はその旨と算出方法を示しています。",
            "Every figure comes from the seminar report and carries its source quote; "
            "derived values say how they were computed.",
            lang,
        )
    )
)
