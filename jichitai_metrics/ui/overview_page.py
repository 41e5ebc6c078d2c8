"""The overview page's content (概要) as one block of HTML, built once per view.

Like the programme page (see ui/program_page.py): a function of the catalogue, the seminar, the
language and the CSV encoding (the seminar table's link). Building it on every run was mostly
`DataFrame.to_dict` on the headline figures and programmes: 39% of the page's rerun (py-spy,
2026-11-29).
"""

from __future__ import annotations

from jichitai_metrics import words
from jichitai_metrics.formatting import date_text, fiscal_year_label, value_text
from jichitai_metrics.ui import common, nav, prose
from jichitai_metrics.ui import figures as fig_ui

__all__ = ["overview_page_html"]


@common.shared_read(max_entries=32)
def overview_page_html(seminar_id: str, lang: str, encoding: str) -> str:
    """Date, budget year, registrants, programmes, the headline cards and the seminar's own figures.

    `encoding` is a key only: the CSV link reads the session's choice (ui/downloads.py), named here.
    """
    del encoding
    seminar = common.seminar(seminar_id)

    facts = [
        (common.pick("開催日", "Held on", lang), date_text(seminar["held_on"], lang)),
        (
            common.pick("予算の対象年度", "Budget year", lang),
            fiscal_year_label(int(seminar["fiscal_year"]), lang),
        ),
        (common.pick("申込者数", "Registrants", lang), value_text(seminar["registrants"], "人", "", lang)),
        (common.pick("プログラム数", "Programmes", lang), str(seminar["program_count"])),
    ]
    held_on_note = words.text(seminar, "held_on_note", lang)

    # One block of HTML (see ui/prose.py).
    parts = [
        prose.heading(1, words.text(seminar, "title", lang)),
        prose.caption(f"{seminar['organiser']}「{seminar['report_title']}」"),
        fig_ui.fact_boxes_html(facts),
    ]
    if held_on_note:
        parts.append(prose.caption(common.pick(f"※開催日：{held_on_note}", f"Date: {held_on_note}", lang)))
    parts += [
        prose.caption(
            common.pick(
                f"対象：{seminar['audience_ja']}　形式：{seminar.get('format_ja', '')}",
                f"Audience: {seminar.get('audience_en', '')} · Format: {seminar.get('format_en', '')}",
                lang,
            )
        ),
        prose.heading(2, common.pick("注目の数字", "Headline figures", lang)),
        fig_ui.headline_cards_html(common.headline_figures(seminar_id).to_dict("records"), lang),
        fig_ui.seminar_figures_html(seminar_id),
        prose.heading(2, common.pick("プログラム", "Programmes", lang)),
    ]
    for prog in common.programs(seminar_id).to_dict("records"):
        link = nav.nav_link(
            "program",
            common.pick("詳しく見る", "Open programme", lang),
            {"program": prog["number"], "seminar": seminar_id, "lang": lang},
            css="jm-button",
        )
        parts.append(
            '<section class="jm-card-box">'
            + prose.para(
                prose.strong(f"Program{prog['number']}　{words.text(prog, 'title', lang)}")
                + "<br>"
                + prose.esc(words.speaker_line(prog, lang))
            )
            + f'<div class="jm-actions">{link}</div></section>'
        )
    parts.append(
        prose.caption(
            common.pick(
                "数値はすべてセミナーレポートの記載に基づき、各数値に出典の引用を添えています。算出値はその旨と算出方法を示しています。",
                "Every figure comes from the seminar report and carries its source quote; "
                "derived values say how they were computed.",
                lang,
            )
        )
    )
    return "".join(parts)
