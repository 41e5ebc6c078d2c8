"""プログラム別: one programme's story with its numbers (?program=N&seminar=ID)."""

import streamlit as st

from jichitai_metrics.ui import common, downloads, filters, program_page, prose

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()
programs = common.programs(seminar_id)
numbers = [int(n) for n in programs["number"]]

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
# The whole page is one block of HTML (see ui/prose.py), built once per view (see ui/program_page.py).
prose.draw(program_page.program_page_html(seminar_id, number, lang, downloads.session_encoding()))
