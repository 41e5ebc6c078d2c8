"""数値一覧: every figure, filtered by programme, topic, unit, kind and free text; filters live in the URL."""

import streamlit as st

from jichitai_metrics import words
from jichitai_metrics.ui import common, downloads, filters, prose
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()
programs = common.programs(seminar_id)
numbers = [int(n) for n in programs["number"]]
titles = dict(zip(numbers, programs["title_en" if lang == "en" else "title_ja"], strict=True))
KINDS = words.KIND_TEXT  # URL value -> (Japanese, English) label
ALL = common.pick("すべて", "All", lang)

topics = fig_ui.figure_topics(seminar_id)
units = fig_ui.figure_units(seminar_id)
chosen = filters.explorer_filters(seminar_id, st.query_params.to_dict())
program, topic, unit, kind, text = chosen.program, chosen.topic, chosen.unit, chosen.kind, chosen.text or ""

# The filters are a plain GET form (native selects, no Streamlit widgets: see ui/prose.py): pressing
# 絞り込む puts them in the URL, so a copied URL shows the same view.
fields = "".join(
    (
        prose.select(
            "prog",
            common.pick("プログラム", "Programme", lang),
            ((str(n), f"Program{n}　{titles[n]}") for n in numbers),
            "" if program is None else str(program),
            ALL,
        ),
        prose.select(
            "topic", common.pick("テーマ", "Topic", lang), ((t, t) for t in topics), topic or "", ALL
        ),
        prose.select("unit", common.pick("単位", "Unit", lang), ((u, u) for u in units), unit or "", ALL),
        prose.select(
            "kind",
            common.pick("種別", "Kind", lang),
            ((k, common.pick(*KINDS[k], lang)) for k in KINDS),
            kind or "",
            ALL,
        ),
        prose.search(
            "q",
            common.pick("キーワード（項目名・引用・注記）", "Search labels, quotes and notes", lang),
            text,
            common.pick("例：FAX、ペーパーレス、小平", "e.g. FAX, paper, Kodaira", lang),
        ),
    )
)
form = prose.page_form(
    "explorer",
    common.pick("数値の絞り込み", "Filter the figures", lang),
    fields,
    common.pick("絞り込む", "Filter", lang),
    common.pick("条件をクリア", "Clear filters", lang),
    lang,
)

found = common.figures(seminar_id, **chosen.figure_query())
total = len(common.figures(seminar_id))
shown, bad_page = filters.rows_shown(st.query_params.get("page"), len(found))
ignored = [
    prose.notice(
        "warning",
        common.pick(
            f"⚠ URLの条件「{name}={bad}」に当てはまる選択肢がないため、この条件は外しました。",
            f"⚠ The URL filter “{name}={bad}” matches no option, so it was ignored.",
            lang,
        ),
    )
    for name, bad in chosen.ignored
]
if bad_page is not None:
    ignored.append(
        prose.notice(
            "warning",
            common.pick(
                f"⚠ ページ「{bad_page}」はありません（1〜{shown.pages}ページ）。1ページ目を表示しています。",
                f"⚠ There is no page “{bad_page}” (pages 1–{shown.pages}). Showing page 1.",
                lang,
            ),
        )
    )
# The count stays the whole result; the table's caption and the row links say which rows are shown.
count = common.pick(f"{len(found)}件（全{total}件中）", f"{len(found)} of {total} figures", lang)
if found.empty:
    result = prose.notice(
        "info",
        common.pick(
            "条件に合う数値はありません。条件を減らすか、別の言葉で検索してください。",
            "No figure matches. Remove a filter or try other words.",
            lang,
        ),
    )
else:
    # The rows of this page, and a link to every row as CSV (its address carries the filters).
    result = fig_ui.explorer_rows_html(found, shown, seminar_id, chosen, lang)
# One block for the whole page: each Streamlit element is a cost on every load (bench/README.md).
prose.draw(
    prose.heading(1, common.pick("数値一覧", "Figure explorer", lang)),
    prose.caption(
        common.pick(
            "レポートに出てくる数値を、引用・出典つきで一覧できます。"
            "絞り込みはURLに残るので、URLをコピーすれば同じ表示を共有できます。",
            "Every figure in the report with its quote and source. "
            "The filters are kept in the URL: copy it to share this view.",
            lang,
        )
    ),
    form,
    # Announced to a screen reader when a new filter's result is drawn (role=status).
    prose.para(prose.esc(count), "jm-count", role="status"),
    *ignored,
    result,
)
