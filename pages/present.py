"""発表モード: one chart at a time, full width, large type; ?charts=a,b,c&i=2 reproduces the view
(i is 1-based)."""

import streamlit as st

from jichitai_metrics.ui import common, kit, nav, prose
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


if asked:
    st.query_params["charts"] = ",".join(chosen)
if str(st.query_params.get("i")) != str(index):
    st.query_params["i"] = str(index)

chart_id = chosen[index - 1]
title, stamp_lines, alt_text = kit.stamp(seminar_id, chart_id, lang)


def _step(to: int, text: str, key: str, primary: bool = False) -> str:
    """A link to chart `to` of this list (its ← / → key too), or the label greyed out at either end."""
    css = "jm-button jm-primary" if primary else "jm-button"
    if not 1 <= to <= len(chosen):
        return f'<span class="{css} jm-disabled" aria-disabled="true">{prose.esc(text)}</span>'
    return nav.this_page_link(text, {"charts": ",".join(chosen), "i": to}, css=css, key=key)


# Previous / next sit at the top so they stay on screen at 1280×720 (a projector), above the chart;
# the page is one block of HTML (see ui/prose.py), the steps are links (← → press them, ui/nav.py).
steps = (
    _step(index - 1, common.pick("← 前へ", "← Previous", lang), "ArrowLeft")
    + f'<span class="jm-counter" aria-live="polite"><strong>{index} / {len(chosen)}</strong></span>'
    + _step(index + 1, common.pick("次へ →", "Next →", lang), "ArrowRight", primary=True)
)
head = (
    f'<div class="jm-present-head">{prose.heading(1, title)}'
    f'<nav class="jm-steps" aria-label="{prose.esc(common.pick("グラフの移動", "Chart steps", lang))}">'
    f"{steps}</nav></div>"
)
# The same SVG picture as the chart card (sharp on any projector; the browser keeps it), its
# source lines and the hint, as one block of HTML (see ui/prose.py).
prose.draw(
    head,
    fig_ui.card_picture_html(seminar_id, chart_id, lang, alt_text, fig_ui.PRESENT_WIDTH, "jm-present"),
    *(prose.para(prose.esc(line)) for line in stamp_lines),
    prose.caption(
        common.pick(
            "キーボードの ← → でも移動できます。このページのURLで同じグラフ・同じ位置を再現できます。",
            "Use the ← → keys too. This page's URL reproduces the same charts and position.",
            lang,
        )
    ),
)
