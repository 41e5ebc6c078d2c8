"""Streamlit parts of the editors' review page: draft rows beside the report, decisions, publish.

The logic (decisions, highlighting, the catalogue check before publishing) is in
jichitai_metrics.draft.review; this module only draws it and wires the buttons.
"""

from __future__ import annotations

import logging

import pandas as pd
import streamlit as st

from jichitai_metrics.config import load_settings
from jichitai_metrics.draft import review as rv
from jichitai_metrics.draft.files import list_drafts
from jichitai_metrics.i18n import pick
from jichitai_metrics.ui import common, staff

log = logging.getLogger(__name__)
_K = "review_"
FIGURE_FORM_FIELDS = (
    ("label_ja", "ラベル（日本語）", "Label (Japanese)"),
    ("label_en", "ラベル（英語）", "Label (English)"),
    ("topic", "テーマ", "Topic"),
    ("value", "値（数値のみ）", "Value (number only)"),
    ("unit", "単位", "Unit"),
    ("qualifier", "修飾語（約/以上/以下/未満）", "Qualifier"),
    ("baseline", "比較の基準", "Baseline"),
    ("as_of", "時点（YYYY / YYYY-MM / YYYY-MM-DD）", "As of"),
    ("fiscal_year", "年度", "Fiscal year"),
    ("quote", "引用（本文のまま）", "Quote (verbatim)"),
    ("note_ja", "注記（日本語）", "Note (Japanese)"),
    ("note_en", "注記（英語）", "Note (English)"),
    ("derivation", "算出方法（算出値のみ）", "Derivation"),
)
FINDING_FORM_FIELDS = (
    ("topic", "記述のテーマ", "Finding topic"),
    ("statement_ja", "記述（日本語・自分の言葉で）", "Statement (Japanese)"),
    ("statement_en", "記述（英語）", "Statement (English)"),
    ("quote", "記述の引用（本文のまま）", "Finding quote (verbatim)"),
)


def staff_gate(lang: str) -> staff.StaffIdentity | None:
    """The inbox's staff sign-in (ui/staff.py, issue 9): the same people, the same throttle and audit."""
    who = staff.require_staff(lang)
    if who is not None:
        staff.sign_out_button(who, lang)
        staff.show_sign_in_notice()
    return who


def _state(data_dir: str, seminar_id: str) -> rv.DraftState:
    key = f"{_K}state_{seminar_id}"
    if key not in st.session_state:
        st.session_state[key] = rv.load_draft(data_dir, seminar_id)
    return st.session_state[key]


def _rows_frame(rows: list[dict], kind: str, lang: str) -> pd.DataFrame:
    label = {k: pick(ja, en, lang) for k, (ja, en) in rv.DECISION_LABELS.items()}
    cols = (
        ["quote", "value", "unit", "qualifier", "needs_review", "id"]
        if kind == "figures"
        else ["quote", "needs_review", "id"]
    )
    frame = pd.DataFrame([{c: r.get(c, "") for c in cols} for r in rows], columns=cols)
    frame.insert(0, pick("判定", "Decision", lang), [label.get(r.get("review", ""), "") for r in rows])
    return frame


def _next_open(rows: list[dict], after: str) -> str:
    ids = [r["id"] for r in rows]
    start = ids.index(after) + 1 if after in ids else 0
    for r in rows[start:] + rows[:start]:
        if not r.get("review"):
            return r["id"]
    return after


def _on_decide(state: rv.DraftState, kind: str, row_id: str, decision: str, fields: tuple) -> None:
    rows = state.figures if kind == "figures" else state.findings
    changes = {f: st.session_state.get(f"{_K}{kind}_{row_id}_{f}", "") for f, _ja, _en in fields}
    rv.edit(rows, row_id, changes)
    rv.decide(rows, row_id, decision)
    rv.save_draft(state)
    st.session_state[f"{_K}{kind}_pick"] = _next_open(rows, row_id)
    log.info("review: %s %s -> %s", kind, row_id, decision or "proposed")


def _on_add_derived(state: rv.DraftState, row_id: str) -> None:
    new_id = rv.add_derived(state.figures, row_id)
    rv.save_draft(state)
    st.session_state[f"{_K}figures_pick"] = new_id


def _row_editor(state: rv.DraftState, kind: str, lang: str) -> None:
    rows = state.figures if kind == "figures" else state.findings
    if not rows:
        st.caption(pick("提案はありません。", "No proposals.", lang))
        return
    fields = FIGURE_FORM_FIELDS if kind == "figures" else FINDING_FORM_FIELDS
    ids = [r["id"] for r in rows]
    pick_key = f"{_K}{kind}_pick"
    if st.session_state.get(pick_key) not in ids:
        st.session_state[pick_key] = ids[0]
    by_id = {r["id"]: r for r in rows}
    row_id = st.selectbox(
        pick("行を選ぶ", "Choose a row", lang)
        if kind == "figures"
        else pick("記述を選ぶ", "Choose a finding", lang),
        ids,
        key=pick_key,
        format_func=lambda i: f"{i}　{by_id[i].get('quote', '')[:30]}",
    )
    row = by_id[row_id]
    if row.get("needs_review"):
        st.warning(pick("要確認: ", "Needs review: ", lang) + common.md_escape(row["needs_review"]), icon="⚠️")
    with st.form(f"{_K}{kind}_form_{row_id}"):
        for name, ja, en in fields:
            widget = (
                st.text_area
                if name in ("note_ja", "note_en", "statement_ja", "statement_en", "derivation")
                else st.text_input
            )
            widget(pick(ja, en, lang), value=str(row.get(name, "")), key=f"{_K}{kind}_{row_id}_{name}")
        buttons = st.columns(4)
        choices = [("accepted", "採用", "Accept"), ("rejected", "不採用", "Reject")]
        if kind == "figures":
            choices.append(("derived", "算出値", "Derived"))  # accepted as a derived value
        choices.append(("", "未確認に戻す", "Undo"))
        for col, (decision, ja, en) in zip(buttons, choices, strict=False):
            col.form_submit_button(
                pick(ja, en, lang),
                on_click=_on_decide,
                args=(state, kind, row_id, decision, fields),
                type="primary" if decision == "accepted" else "secondary",
            )
        if kind == "figures":
            st.form_submit_button(
                pick("この行をもとに算出値の行を追加", "Add a derived row based on this one", lang),
                on_click=_on_add_derived,
                args=(state, row_id),
            )


def _seminar_editor(state: rv.DraftState, lang: str) -> None:
    with st.expander(
        pick("セミナー情報・要約（編集者が自分の言葉で書く）", "Seminar details and summaries", lang)
    ):
        with st.form(f"{_K}seminar_form"):
            for key, ja, en in (
                ("title_ja", "タイトル", "Title (Japanese)"),
                ("title_en", "タイトル（英語）", "Title (English)"),
                ("audience_en", "参加対象（英語）", "Audience (English)"),
            ):
                st.text_input(pick(ja, en, lang), value=str(state.seminar.get(key, "")), key=f"{_K}s_{key}")
            for prog in state.programmes:
                n = prog["number"]
                st.markdown(f"**Program{n}**")
                for key, ja, en in (
                    ("title_en", "タイトル（英語）", "Title (English)"),
                    ("speaker_en", "講師名（英語）", "Speaker (English)"),
                    ("role_en", "役職（英語）", "Role (English)"),
                    ("organisation_en", "所属（英語）", "Organisation (English)"),
                ):
                    st.text_input(
                        f"Program{n} {pick(ja, en, lang)}",
                        value=str(prog.get(key, "")),
                        key=f"{_K}p{n}_{key}",
                    )
                for key, ja, en in (
                    ("summary_ja", "要約（日本語）", "Summary (Japanese)"),
                    ("summary_en", "要約（英語）", "Summary (English)"),
                    ("key_points_ja", "ポイント（日本語・1行に1つ、3〜5個）", "Key points (Japanese)"),
                    ("key_points_en", "ポイント（英語・1行に1つ、3〜5個）", "Key points (English)"),
                ):
                    value = prog.get(key, "")
                    text = "\n".join(value) if isinstance(value, list) else str(value)
                    st.text_area(f"Program{n} {pick(ja, en, lang)}", value=text, key=f"{_K}p{n}_{key}")
            st.form_submit_button(
                pick("セミナー情報を反映", "Apply seminar details", lang), on_click=_on_seminar, args=(state,)
            )


def _on_seminar(state: rv.DraftState) -> None:
    ss = st.session_state
    for key in ("title_ja", "title_en", "audience_en"):
        state.seminar[key] = ss.get(f"{_K}s_{key}", "").strip()
    for prog in state.programmes:
        n = prog["number"]
        for key in ("title_en", "speaker_en", "role_en", "organisation_en", "summary_ja", "summary_en"):
            prog[key] = ss.get(f"{_K}p{n}_{key}", "").strip()
        for key in ("key_points_ja", "key_points_en"):
            prog[key] = [ln.strip() for ln in ss.get(f"{_K}p{n}_{key}", "").splitlines() if ln.strip()]
    rv.save_draft(state)


def _publish(data_dir: str, state: rv.DraftState, lang: str, who: staff.StaffIdentity) -> None:
    accepted = sum(1 for r in state.figures if r.get("review") in ("accepted", "derived"))
    st.caption(
        pick(
            f"採用した数値: {accepted}件。公開すると data/seminars/{state.seminar_id}/ に書き込みます。"
            "カタログの検査に通らない間は、何も公開されません。",
            f"{accepted} figures accepted. Publishing writes data/seminars/{state.seminar_id}/; nothing "
            "goes live until it passes the catalogue check.",
            lang,
        )
    )
    if st.button(pick("検査して公開", "Check and publish", lang), type="primary", key=f"{_K}publish"):
        problems = rv.publish_state(data_dir, state)
        if problems:
            st.error(
                pick(
                    "カタログの検査に通りませんでした。次を直してください（まだ公開されていません）。",
                    "The catalogue check failed; fix these (nothing was published).",
                    lang,
                )
            )
            st.dataframe(
                pd.DataFrame(
                    [
                        {"file": p.file, "line": p.line, "column": p.column or "", "problem": p.problem}
                        for p in problems
                    ]
                ),
                hide_index=True,
            )
            return
        common.reload_catalog()
        staff.audit(who, "catalogue_publish", detail=f"{state.seminar_id}: {accepted} figures")
        log.info("review: published %s (%d figures)", state.seminar_id, accepted)
        st.success(
            pick(
                f"公開しました: {state.seminar_id}（カタログを読み込み直しました）",
                f"Published {state.seminar_id}; the catalogue was reloaded.",
                lang,
            )
        )


def render_review_page() -> None:
    """The whole editors' page (called by pages/review.py); it checks the staff sign-in itself."""
    lang = common.lang()
    st.title(pick("レポートの取り込み（編集者用）", "Report review (editors)", lang))
    who = staff_gate(lang)
    if who is None:
        return
    data_dir = str(load_settings().data_dir)
    drafts = list_drafts(data_dir)
    if not drafts:
        st.info(
            pick(
                "下書きがありません。python -m jichitai_metrics draft REPORT.txt --seminar ID で作ります。",
                "No drafts yet: make one with python -m jichitai_metrics draft REPORT.txt --seminar ID.",
                lang,
            )
        )
        return
    seminar_id = st.selectbox(pick("下書き", "Draft", lang), drafts, key=f"{_K}draft")
    if st.button(pick("下書きを読み込み直す", "Reload the draft from disk", lang), key=f"{_K}reload"):
        st.session_state.pop(f"{_K}state_{seminar_id}", None)  # e.g. after `draft --force` made it anew
    state = _state(data_dir, seminar_id)
    left, right = st.columns([3, 2], gap="large")
    with left:
        tab_fig, tab_find = st.tabs([pick("数値", "Figures", lang), pick("記述", "Findings", lang)])
        with tab_fig:
            st.dataframe(_rows_frame(state.figures, "figures", lang), hide_index=True, height=240)
            _row_editor(state, "figures", lang)
        with tab_find:
            st.dataframe(_rows_frame(state.findings, "findings", lang), hide_index=True, height=200)
            _row_editor(state, "findings", lang)
        _seminar_editor(state, lang)
        _publish(data_dir, state, lang, who)
    with right:
        st.subheader(pick("レポート本文（引用を色付け）", "Report text (quotes highlighted)", lang))
        st.caption(
            pick(
                "橙: 選択中の行　黄: 未確認　緑: 採用　青: 算出値　灰: 不採用",
                "orange: the chosen row, yellow: proposed, green: accepted, blue: derived, grey: rejected",
                lang,
            )
        )
        chosen = {st.session_state.get(f"{_K}figures_pick"), st.session_state.get(f"{_K}findings_pick")}
        quotes = [
            (r.get("quote", ""), "current" if r["id"] in chosen else r.get("review", ""))
            for r in state.figures + state.findings
        ]
        st.html(rv.highlighted_report_html(state.report, quotes))
