"""スライド・画像: choose charts (by programme, the explorer's filters, or the session's deck) and download
a .pptx deck or one chart's PNG/SVG. Nothing is rendered until a download button is clicked."""

import streamlit as st

from jichitai_metrics.ui import common, kit, nav, prose

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
from_link, _ = kit.charts_from_url(list(labels))  # "スライド・画像にする" on a chart card
session_ids = kit.deck_ids()
preset = from_link or (
    kit.charts_for_explorer_selection(seminar_id, from_explorer) if from_explorer else session_ids
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
if from_explorer:
    filters_text = common.pick("、", ", ", lang).join(f"{k}={v}" for k, v in from_explorer.items())
    intro.append(
        prose.notice(
            "info",
            common.pick(
                f"数値一覧の絞り込み（{filters_text}）に当てはまるグラフ{len(preset)}件を選びました。",
                f"Selected the {len(preset)} charts matching the explorer's filters ({filters_text}).",
                lang,
            ),
        )
    )
prose.draw(*intro)

mode = st.radio(
    common.pick("選び方", "How to choose", lang),
    [BY_PROGRAM, BY_CHART],
    index=1 if preset else 0,
    horizontal=True,
    key="deck-mode",
)
chart_ids: list[str] = []
chosen_programs: list[int] = []
if mode == BY_PROGRAM:
    chosen_programs = st.multiselect(
        common.pick("プログラム", "Programmes", lang),
        numbers,
        default=numbers,
        format_func=lambda n: f"Program{n}　{titles[n]}",
        key="deck-programs",
    )
    count = len(kit.charts_of_programs(seminar_id, chosen_programs))
else:
    chart_ids = kit.chart_picker(
        seminar_id,
        common.pick(
            "グラフ（並び順のとおりにスライドになります）", "Charts (slides follow this order)", lang
        ),
        preset,
        key="deck-charts",
    )
    count = len(chart_ids)

entries = kit.whatif_entries()
use_whatif = False
if entries:
    use_whatif = st.checkbox(
        common.pick(
            "「うちの自治体なら」の試算スライドを最後に入れる", "Add the what-if slide at the end", lang
        ),
        value=True,
        key="deck-whatif",
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
prose.draw(*summary)
deck_column, handout_column = st.columns(2)
with deck_column:
    st.download_button(
        common.pick("スライドをダウンロード（.pptx）", "Download the deck (.pptx)", lang),
        data=kit.deck_builder(seminar_id, chart_ids, chosen_programs, lang, entries if use_whatif else None),
        file_name=kit.deck_filename(seminar_id, chart_ids, chosen_programs),
        mime="application/vnd.openxmlformats-officedocument.presentationml.presentation",
        on_click="ignore",
        type="primary",
        icon=":material/slideshow:",
        disabled=nothing,
        key="deck-download",
        width="stretch",
    )
with handout_column:
    # The same charts as an A4 handout for the hearing room (vector charts, sources, QR code).
    landscape = st.session_state.get("handout-landscape", False)
    st.download_button(
        common.pick("配布資料をダウンロード（A4 PDF）", "Download the handout (A4 PDF)", lang),
        data=kit.handout_builder(
            seminar_id, chart_ids, chosen_programs, lang, entries if use_whatif else None, landscape
        ),
        file_name=kit.handout_filename(seminar_id, chart_ids, chosen_programs),
        mime="application/pdf",
        on_click="ignore",
        icon=":material/picture_as_pdf:",
        disabled=nothing,
        key="handout-download",
        width="stretch",
    )
    st.toggle(
        common.pick("配布資料をA4横向きにする", "Handout in A4 landscape", lang), key="handout-landscape"
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
# Chart images are links to files/image/... (ui/image_files.py): one list, no widgets.
prose.draw(
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
