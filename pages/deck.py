"""スライド・画像: choose charts (by programme, a chart card's link or the explorer's filters) and
download a .pptx deck, an A4 handout or one chart's PNG/SVG. The choices are a GET form (no Streamlit
widgets to load: bench/pages.py); nothing is rendered until a download button is clicked."""

import streamlit as st

from jichitai_metrics.ui import common, deck_files, kit, nav, prose

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
labels = kit.chart_labels(seminar_id, lang)
programs = common.programs(seminar_id)
numbers = [int(n) for n in programs["number"]]
titles = dict(zip(numbers, programs["title_en" if lang == "en" else "title_ja"], strict=True))

BY_PROGRAM = common.pick("プログラムで選ぶ", "By programme", lang)
BY_CHART = common.pick("グラフを選ぶ", "Pick charts", lang)
from_explorer = kit.explorer_params()
entries = kit.whatif_entries()
choice = kit.deck_choice(
    kit.deck_query(),
    numbers,
    list(labels),
    kit.charts_for_explorer_selection(seminar_id, from_explorer) if from_explorer else [],
    has_whatif=bool(entries),
)
chart_ids, chosen_programs, use_whatif = choice.chart_ids, choice.programs, choice.use_whatif
count = (
    len(chart_ids) if choice.mode == "charts" else len(kit.charts_of_programs(seminar_id, chosen_programs))
)
intro = [
    prose.heading(1, common.pick("スライド・画像", "Slides & images", lang)),
    prose.caption(
        common.pick(
            "予算説明用のスライド（16:9）を作ります。グラフごとに1枚、出典・比較基準・注記つき。発言の原文はノートに入ります。",
            "A 16:9 deck for budget meetings: one slide per chart with source, baseline and notes; "
            "the verbatim quotes go in the speaker notes.",
            lang,
        )
    ),
]
if from_explorer and kit.DECK_SENT not in st.query_params:  # once the form is sent, the ticks say it
    filters_text = common.pick("、", ", ", lang).join(f"{k}={v}" for k, v in from_explorer.items())
    intro.append(
        prose.notice(
            "info",
            common.pick(
                f"数値一覧の絞り込み（{filters_text}）に当てはまるグラフ{len(choice.preset)}件を選びました。",
                f"Selected the {len(choice.preset)} charts matching the explorer's filters ({filters_text}).",
                lang,
            ),
        )
    )
# How to choose: two views of the page (links, as the programme tabs), each with its own GET form.
# The links keep what asked for charts (a chart card's link, the explorer's filters), not the ticks.
kept = {
    k: str(st.query_params[k]) for k in ("seminar", "charts", *kit.EXPLORER_PARAMS) if k in st.query_params
}
intro.append(
    prose.tabs(
        common.pick("選び方", "How to choose", lang),
        [
            (text, nav.page_href("deck", {**kept, "mode": mode, "lang": lang}), mode == choice.mode)
            for mode, text in (("programs", BY_PROGRAM), ("charts", BY_CHART))
        ],
    )
)
if choice.mode == "programs":
    boxes = prose.fieldset(
        common.pick("プログラム", "Programmes", lang),
        "".join(
            prose.checkbox("p", str(n), f"Program{n}　{titles[n]}", n in chosen_programs) for n in numbers
        ),
    )
else:
    boxes = prose.fieldset(
        common.pick("グラフ（プログラム順にスライドになります）", "Charts (slides in programme order)", lang),
        "".join(prose.checkbox("chart", c, text, c in chart_ids) for c, text in labels.items()),
    )
options = ""
if entries:
    options += prose.checkbox(
        "whatif",
        "1",
        common.pick(
            "「うちの自治体なら」の試算スライドを最後に入れる", "Add the what-if slide at the end", lang
        ),
        use_whatif,
    )
options += prose.checkbox(
    "landscape",
    "1",
    common.pick("配布資料をA4横向きにする", "Handout in A4 landscape", lang),
    choice.landscape,
)
kept_fields = "".join(prose.hidden(k, v) for k, v in kept.items() if k != "seminar")
intro.append(
    prose.page_form(
        "deck",
        common.pick("スライドにするグラフ", "Charts for the slides", lang),
        prose.hidden("mode", choice.mode)
        + prose.hidden(kit.DECK_SENT, "1")
        + kept_fields
        + boxes
        + f'<div class="jm-field-wide">{options}</div>',
        common.pick("この内容にする", "Apply", lang),
        common.pick("最初の選び方に戻す", "Reset", lang),
        lang,
        role="",
    )
)

slides_total = count + 2 + (1 if use_whatif else 0)
nothing = count == 0 and not use_whatif
summary = [
    prose.para(
        prose.esc(
            common.pick(
                f"スライド {slides_total} 枚（表紙・グラフ{count}枚{'・試算1枚' if use_whatif else ''}"
                "・QRコード付きの最終スライド）",
                f"{slides_total} slides (title, {count} charts{', what-if' if use_whatif else ''}, "
                "closing slide with QR code)",
                lang,
            )
        )
    )
]
if nothing:
    summary.append(
        prose.notice(
            "warning", common.pick("グラフを1つ以上選んでください。", "Choose at least one chart.", lang)
        )
    )
kit.warm_render_pool()  # the first click does not pay the chart renderer's start-up (1–2 s)
wanted = deck_files.DeckRequest(chart_ids, chosen_programs, entries if use_whatif else None, choice.landscape)
# Two GET forms to the files' addresses (ui/deck_files.py): real buttons, no Streamlit widget to load.
summary.append(
    '<div class="jm-downloads">'
    + deck_files.download_form(
        seminar_id,
        "pptx",
        wanted,
        common.pick("スライドをダウンロード（.pptx）", "Download the deck (.pptx)", lang),
        lang,
        primary=True,
    )
    # The same charts as an A4 handout for the hearing room (vector charts, sources, QR code).
    + deck_files.download_form(
        seminar_id,
        "pdf",
        wanted,
        common.pick("配布資料をダウンロード（A4 PDF）", "Download the handout (A4 PDF)", lang),
        lang,
        primary=False,
    )
    + "</div>"
)
present_ids = chart_ids or kit.charts_of_programs(seminar_id, chosen_programs)
present_link = (
    prose.para(
        nav.nav_link(
            "present",
            common.pick("このグラフで発表モードを開く", "Open these charts in presentation mode", lang),
            {"seminar": seminar_id, "charts": ",".join(present_ids), "i": "1", "lang": lang},
            css="jm-button",
        )
    )
    if present_ids
    else ""
)
# Chart images are links to files/image/... (ui/image_files.py): one list, no widgets. The whole page
# is one HTML block.
prose.draw(
    *intro,
    *summary,
    prose.caption(
        common.pick(
            "配布資料（A4）：グラフ（拡大しても粗くならない形式）・数値の表・出典と発言の原文・注記を1ページに1〜2件。"
            "最後のページにこの画面へのQRコード。",
            "Handout (A4): one or two charts a page (sharp at any size) with their numbers, sources, "
            "verbatim quotes and notes; a QR code back to this view on the last page.",
            lang,
        )
    ),
    present_link,
    "<hr>",
    prose.heading(2, common.pick("グラフの画像", "Chart images", lang)),
    prose.caption(
        common.pick(
            "PNG（2倍の解像度・日本語フォント埋め込み済み）は資料にそのまま貼れます。SVGは編集用です（表示する端末に日本語フォントが必要）。",
            "PNG (2× resolution, Japanese font baked in) pastes straight into documents. SVG is for editing "
            "(the viewing machine needs a Japanese font).",
            lang,
        )
    ),
    kit.chart_image_links_html(seminar_id, lang),
)
