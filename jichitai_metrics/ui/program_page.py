"""The programme page's content (the 「プログラム別」 page) as one block of HTML, built once per view.

Everything on it is a function of the catalogue and four things a visitor picks: the seminar, the
programme, the language and the CSV encoding (the links' target). So the whole block is a shared read
keyed by those four, and a rerun of the page (a language switch back, a reload) sends the same string
without rebuilding it. Building it was most of the page's script time: py-spy over 150 reruns of
programme 1 put 21% of the run in `DataFrame.to_dict` on the career and findings, 13% in the CSV
links and 14% in cache-key hashing of the many small shared reads it called (2026-11-29).
"""

from __future__ import annotations

from jichitai_metrics import words
from jichitai_metrics.formatting import career_when
from jichitai_metrics.ui import common, nav, prose
from jichitai_metrics.ui import figures as fig_ui

__all__ = ["program_page_html"]


@common.shared_read(max_entries=128)
def program_page_html(seminar_id: str, number: int, lang: str, encoding: str) -> str:
    """The picker, the story, every chart card with its links, the other figures and the findings.

    `encoding` is the session's CSV encoding: the links read it (ui/downloads.py), and it is part of
    the key so each encoding has its own block.
    """
    del encoding  # a key only: csv_link_html reads the session's choice, which this names
    programs = common.programs(seminar_id)
    numbers = [int(n) for n in programs["number"]]
    titles = dict(zip(numbers, programs["title_en" if lang == "en" else "title_ja"], strict=True))
    prog = common.program(seminar_id, number)
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
    summary = (
        prose.heading(2, common.pick("概要（編集部による要約）", "Summary (our own words)", lang))
        + prose.para(prose.esc(words.text(prog, "summary", lang)))
        + prose.heading(3, common.pick("ポイント", "Key points", lang))
        + prose.bullets(prose.esc(p) for p in prog["key_points_en" if lang == "en" else "key_points_ja"])
    )
    parts = [
        picker,
        prose.heading(1, f"Program{number}　{titles[number]}"),
        prose.para(prose.strong(words.speaker_line(prog, lang))),
        prose.columns(
            summary,
            prose.heading(2, common.pick("講師の経歴", "Speaker's career", lang))
            + _career(seminar_id, number, lang),
        ),
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
    parts += _other_figures(seminar_id, number, lang)
    parts += _findings(seminar_id, number, lang)
    parts += ["<hr>", f'<div class="jm-actions">{fig_ui.inquiry_link_html(number, lang)}</div>']
    return "".join(parts)


def _career(seminar_id: str, number: int, lang: str) -> str:
    career = common.career(seminar_id, number)
    if career.empty:
        return prose.para(
            prose.esc(common.pick("経歴の記載はありません。", "No career details in the report.", lang))
        )
    return prose.bullets(
        f"{prose.strong(career_when(row, lang))}　{prose.esc(words.text(row, 'event', lang))}"
        for row in career.to_dict("records")
    )


def _other_figures(seminar_id: str, number: int, lang: str) -> list[str]:
    others = fig_ui.figures_outside_charts(seminar_id, number)
    if others.empty:
        return []
    title = common.pick("その他の数値（表）", "Other figures (table)", lang)
    return [
        prose.heading(3, title),
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
            others, seminar_id, f"program{number}-other", title, ("program-other", seminar_id, number)
        ),
    ]


def _findings(seminar_id: str, number: int, lang: str) -> list[str]:
    findings = common.findings(seminar_id, number)
    if findings.empty:
        return []
    # Each finding with its quote under it.
    return [
        prose.heading(2, common.pick("数値以外の発見", "Findings without a number", lang)),
        prose.bullets(
            prose.esc(words.text(row, "statement", lang))
            + "<br>"
            + prose.esc(common.pick(f"引用：「{row['quote']}」", f"Quote: “{row['quote']}”", lang))
            for row in findings.to_dict("records")
        ),
    ]
