"""数値一覧: every figure, filtered by programme, topic, unit, kind and free text; filters live in the URL."""

import streamlit as st

from jichitai_metrics import export
from jichitai_metrics.ui import common, downloads, filters
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()
programs = common.programs(seminar_id)
numbers = [int(n) for n in programs["number"]]
titles = dict(zip(numbers, programs["title_en" if lang == "en" else "title_ja"], strict=True))
KINDS = {"reported": ("報告値", "reported"), "target": ("目標値", "target"), "derived": ("算出値", "derived")}
ALL = common.pick("すべて", "All", lang)

st.title(common.pick("数値一覧", "Figure explorer", lang))
st.caption(
    common.pick(
        "レポートに出てくる数値を、引用・出典つきで一覧できます。"
        "絞り込みはURLに残るので、URLをコピーすれば同じ表示を共有できます。",
        "Every figure in the report with its quote and source. "
        "The filters are kept in the URL: copy it to share this view.",
        lang,
    )
)

row1 = st.columns([2, 2, 1, 1])
with row1[0]:
    program, bad_program = filters.url_choice(
        "prog",
        common.pick("プログラム", "Programme", lang),
        numbers,
        placeholder=ALL,
        format_func=lambda n: f"Program{n}　{titles[n]}",
    )
with row1[1]:
    topic, bad_topic = filters.url_choice(
        "topic", common.pick("テーマ", "Topic", lang), fig_ui.figure_topics(seminar_id), placeholder=ALL
    )
with row1[2]:
    unit, bad_unit = filters.url_choice(
        "unit", common.pick("単位", "Unit", lang), fig_ui.figure_units(seminar_id), placeholder=ALL
    )
with row1[3]:
    kind, bad_kind = filters.url_choice(
        "kind",
        common.pick("種別", "Kind", lang),
        list(KINDS),
        placeholder=ALL,
        format_func=lambda k: common.pick(*KINDS[k], lang),
    )
text = filters.url_text(
    "q",
    common.pick("キーワード（項目名・引用・注記）", "Search labels, quotes and notes", lang),
    placeholder=common.pick("例：FAX、ペーパーレス、小平", "e.g. FAX, paper, Kodaira", lang),
)

for name, bad in (("prog", bad_program), ("topic", bad_topic), ("unit", bad_unit), ("kind", bad_kind)):
    if bad is not None:
        st.warning(
            common.md_escape(
                common.pick(
                    f"URLの条件「{name}={bad}」に当てはまる選択肢がないため、この条件は外しました。",
                    f"The URL filter “{name}={bad}” matches no option, so it was ignored.",
                    lang,
                )
            ),
            icon=":material/warning:",
        )

found = common.figures(seminar_id, program=program, topic=topic, unit=unit, kind=kind, text=text or None)
total = len(common.figures(seminar_id))
st.markdown(
    common.md_escape(
        common.pick(f"{len(found)}件（全{total}件中）", f"{len(found)} of {total} figures", lang)
    )
)
if found.empty:
    st.info(
        common.pick(
            "条件に合う数値はありません。条件を減らすか、別の言葉で検索してください。",
            "No figure matches. Remove a filter or try other words.",
            lang,
        )
    )
else:
    fig_ui.figure_table(
        found,
        export.export_filename(
            "figures",
            seminar_id,
            f"program{program}" if program else None,
            "filtered" if (topic or unit or kind or text) else None,
        ),
        key="dl-explorer",
        caption=common.pick(f"数値一覧（{len(found)}件）", f"Figures ({len(found)})", lang),
        cache_key=("explorer", seminar_id, program, topic, unit, kind, text),
    )
