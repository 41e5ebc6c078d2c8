"""うちの自治体なら: the planner's own numbers with the reported cases' effects applied (an illustration)."""

import streamlit as st

from jichitai_metrics import whatif
from jichitai_metrics.ui import common, downloads, kit, prose
from jichitai_metrics.ui import figures as fig_ui

common.route_through_dashboard()

lang = common.lang()
seminar_id = common.selected_seminar_id()
downloads.encoding_choice()

title = prose.heading(1, common.pick("うちの自治体なら", "What-if for our municipality", lang))
caveat = prose.notice(
    "warning",
    common.pick(
        "ここで示す数値は、セミナーで報告された一つの事例の効果を、入力した数にそのまま当てはめた「例示」です。"
        "予測や見込みではありません。各数値の前提と出典を必ず添えてお使いください。",
        "These numbers apply the effect reported by one case to your own figures. They are an illustration, "
        "not a forecast. Always show the assumption and source with them.",
        lang,
    ),
)

# The inputs are a plain GET form (native text boxes, no Streamlit widgets: see ui/prose.py), so
# 計算する puts them in the URL: a copied URL shows the same what-if. They are a municipality's own
# counts (calls, pages, procedures), not personal data.
entries = kit.whatif_url_entries()
try:
    results, errors = kit.whatif_results(seminar_id, entries, lang)
except whatif.FactorError as exc:
    prose.draw(
        title,
        caveat,
        prose.notice(
            "error",
            common.pick(
                f"試算に必要な数値がデータにありません：{exc}",
                f"The data lack a figure the what-if needs: {exc}",
                lang,
            ),
        ),
    )
    st.stop()

fields = "".join(
    prose.text_field(
        field.key,
        common.pick(
            f"{field.label(lang)}（{field.unit(lang)}）", f"{field.label(lang)} ({field.unit(lang)})", lang
        ),
        entries[field.key],
        common.pick(f"例：{field.example}", f"e.g. {field.example}", lang),
    )
    for field in whatif.FIELDS
)
form = prose.page_form(
    "whatif",
    common.pick("試算の入力", "What-if inputs", lang),
    fields,
    common.pick("計算する", "Calculate", lang),
    common.pick("入力をクリア", "Clear", lang),
    lang,
    role="",
)
# Error messages may echo what was typed: prose escapes them, never Markdown.
messages = [prose.notice("error", message) for message in errors]
if results.empty and not errors:
    messages.append(
        prose.notice(
            "info",
            common.pick(
                "数を入力して「計算する」を押すと、ここに結果が出ます。",
                "Enter numbers and press Calculate to see the results here.",
                lang,
            ),
        )
    )
prose.draw(
    title,
    caveat,
    prose.para(
        prose.esc(
            common.pick(
                "分かる項目だけ入力してください（空欄の項目は計算しません）。全角数字・カンマ・「万」も使えます。",
                "Fill in what you know (blank items are skipped). Commas and full-width digits are fine.",
                lang,
            )
        )
    ),
    form,
    *messages,
)
if results.empty:
    st.stop()

# The results' CSV is a link to the same numbers (ui/csv_files.py, table `whatif`): its address
# carries the entries, like this page's.
csv_link = downloads.csv_link_html(seminar_id, "whatif", lang, entries)
st.html(fig_ui.whatif_results_html(results, lang) + f'<div class="jm-actions">{csv_link}</div>')
if st.button(
    common.pick("この試算をスライドに追加", "Add this to the deck", lang),
    icon=":material/add:",
    key="whatif-add",
):
    kit.add_whatif_to_deck(entries)
if kit.whatif_entries():
    st.page_link(
        "pages/deck.py",
        label=common.pick("スライド作成へ（試算を含めます）", "Go to the deck (includes the what-if)", lang),
        icon=":material/slideshow:",
    )
