"""うちの自治体なら: the planner's own numbers with the reported cases' effects applied (an illustration)."""

import streamlit as st

from jichitai_metrics import export, whatif
from jichitai_metrics.ui import common, downloads, kit
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()

st.title(common.pick("うちの自治体なら", "What-if for our municipality", lang))
st.warning(
    common.pick(
        "ここで示す数値は、セミナーで報告された一つの事例の効果を、入力した数にそのまま当てはめた「例示」です。"
        "予測や見込みではありません。各数値の前提と出典を必ず添えてお使いください。",
        "These numbers apply the effect reported by one case to your own figures. They are an illustration, "
        "not a forecast. Always show the assumption and source with them.",
        lang,
    ),
    icon=":material/info:",
)

try:
    factors = kit.whatif_factors(seminar_id, lang)
except whatif.FactorError as exc:
    st.error(
        common.pick(
            f"試算に必要な数値がデータにありません：{exc}",
            f"The data lack a figure the what-if needs: {exc}",
            lang,
        ),
        icon=":material/error:",
    )
    st.stop()

with st.form("whatif-form", enter_to_submit=True):
    st.markdown(
        common.pick(
            "分かる項目だけ入力してください（空欄の項目は計算しません）。全角数字・カンマ・「万」も使えます。",
            "Fill in what you know (blank items are skipped). Commas and full-width digits are fine.",
            lang,
        )
    )
    cols = st.columns(2)
    for i, field in enumerate(whatif.FIELDS):
        with cols[i % 2]:
            st.text_input(
                f"{field.label(lang)}（{field.unit(lang)}）",
                key=f"whatif-{field.key}",
                placeholder=common.pick(f"例：{field.example}", f"e.g. {field.example}", lang),
            )
    st.form_submit_button(
        common.pick("計算する", "Calculate", lang), type="primary", icon=":material/calculate:"
    )

entries = {f.key: st.session_state.get(f"whatif-{f.key}", "") for f in whatif.FIELDS}
results, errors = kit.whatif_results(seminar_id, entries, lang)
for message in errors:
    st.error(
        common.md_escape(message), icon=":material/error:"
    )  # may echo what was typed: escaped, never Markdown

if results.empty:
    if not errors:
        st.info(
            common.pick(
                "数を入力して「計算する」を押すと、ここに結果が出ます。",
                "Enter numbers and press Calculate to see the results here.",
                lang,
            )
        )
    st.stop()

st.subheader(common.pick("結果（前提と出典つき）", "Results (with assumptions and sources)", lang))
for row in results.to_dict("records"):
    with st.container(border=True):
        st.markdown(f"**{common.md_escape(row['item'])}**　{common.md_escape(row['reading'])}")
        st.markdown(f"### {common.md_escape(whatif.result_text(row, lang))}")
        st.caption(common.md_escape(common.pick("前提：", "Assumption: ", lang) + row["assumption"]))
        st.caption(common.md_escape(whatif.source_line(row)))

fig_ui.whatif_picture(results, lang)

left, right = st.columns(2, vertical_alignment="center")
with left:
    downloads.csv_download(
        whatif.csv_frame(results, lang), export.export_filename("whatif", seminar_id), key="whatif-csv"
    )
with right:
    if st.button(
        common.pick("この試算をスライドに追加", "Add this to the deck", lang),
        icon=":material/add:",
        key="whatif-add",
    ):
        kit.add_whatif_to_deck(entries)
    if kit.whatif_entries():
        st.page_link(
            "pages/deck.py",
            label=common.pick(
                "スライド作成へ（試算を含めます）", "Go to the deck (includes the what-if)", lang
            ),
            icon=":material/slideshow:",
        )
