"""発表モード: one chart at a time, full width, large type; ?charts=a,b,c&i=2 reproduces the view
(i is 1-based)."""

import streamlit as st

from jichitai_metrics.ui import common, kit, prose
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
labels = kit.chart_labels(seminar_id, lang)

asked, unknown = kit.charts_from_url(list(labels))
chosen = asked or list(labels)
if unknown:
    st.warning(
        common.md_escape(
            common.pick(
                f"見つからないグラフIDを外しました：{', '.join(unknown)}",
                f"Unknown chart ids were left out: {', '.join(unknown)}",
                lang,
            )
        ),
        icon=":material/warning:",
    )

try:
    index = min(max(int(st.query_params.get("i") or 1), 1), len(chosen))
except ValueError:
    index = 1


def _go(to: int) -> None:
    st.query_params["i"] = str(to)


if asked:
    st.query_params["charts"] = ",".join(chosen)
if str(st.query_params.get("i")) != str(index):
    st.query_params["i"] = str(index)

chart_id = chosen[index - 1]
title, stamp_lines, alt_text = kit.stamp(seminar_id, chart_id, lang)

# Previous / next sit at the top so they stay on screen at 1280×720 (a projector), above the chart.
head, prev_col, counter, next_col = st.columns([8, 2, 1, 2], vertical_alignment="center")
with head:
    st.header(common.md_escape(title), anchor=False)
with prev_col:
    st.button(
        common.pick("← 前へ", "← Previous", lang),
        key="present-prev",
        on_click=_go,
        args=(index - 1,),
        disabled=index <= 1,
        shortcut="Left",
        width="stretch",
    )
with counter:
    st.markdown(f"**{index} / {len(chosen)}**")
with next_col:
    st.button(
        common.pick("次へ →", "Next →", lang),
        key="present-next",
        on_click=_go,
        args=(index + 1,),
        disabled=index >= len(chosen),
        shortcut="Right",
        type="primary",
        width="stretch",
    )

# The same SVG picture as the chart card (inline, no image request; sharp on any projector), its
# source lines and the hint, as one block of HTML (see ui/prose.py).
prose.draw(
    fig_ui.picture_html(
        fig_ui.card_svg(seminar_id, chart_id, lang, kit.PRESENT_WIDTH), alt_text, "jm-present"
    ),
    *(prose.para(prose.esc(line)) for line in stamp_lines),
    prose.caption(
        common.pick(
            "キーボードの ← → でも移動できます。このページのURLで同じグラフ・同じ位置を再現できます。",
            "Use the ← → keys too. This page's URL reproduces the same charts and position.",
            lang,
        )
    ),
)
