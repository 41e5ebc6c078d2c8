"""The staff inbox: sign-in (ui/staff.py), paged list, status and memo, CSV export, erasure, purge,
audit log."""

from __future__ import annotations

import logging
from datetime import timedelta

import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
import streamlit as st

from jichitai_metrics import export
from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import StoreUnavailable
from jichitai_metrics.i18n import pick
from jichitai_metrics.inquiries import SORT_COLUMNS, STATUS_LABELS, STATUSES, InboxQuery
from jichitai_metrics.inquiries.model import JST, TEXT_FIELDS, email_key, visible_controls
from jichitai_metrics.ui import staff
from jichitai_metrics.ui.inquiry import get_store
from jichitai_metrics.ui.staff import StaffIdentity

log = logging.getLogger(__name__)

_K = "inbox_"

COLUMN_LABELS = {
    "id": ("ID", "ID"),
    "receipt_no": ("受付番号", "Receipt no."),
    "received_at": ("受付日時（日本時間）", "Received (JST)"),
    "status": ("状態", "Status"),
    "article_title": ("記事タイトル", "Article title"),
    "municipality": ("自治体名", "Municipality"),
    "department": ("部署・役職名", "Department / position"),
    "name": ("お名前", "Name"),
    "phone": ("電話番号", "Phone"),
    "email": ("メールアドレス", "E-mail"),
    "message": ("ご相談内容", "Question"),
    "memo": ("対応メモ", "Memo"),
    "updated_at": ("更新日時（日本時間）", "Updated (JST)"),
}
SORT_LABELS = {
    "received_at": ("受付日時", "Received"),
    "receipt_no": ("受付番号", "Receipt no."),
    "status": ("状態", "Status"),
    "municipality": ("自治体名", "Municipality"),
    "name": ("お名前", "Name"),
    "updated_at": ("更新日時", "Updated"),
}


def _lang() -> str:
    from jichitai_metrics.ui import common

    return common.lang()


# -- list helpers (package-side reshaping for display) ---------------------------------------------


def status_label(status: str, lang: str) -> str:
    """新規 / 対応中 / 回答済 (or English)."""
    ja, en = STATUS_LABELS.get(status, (status, status))
    return pick(ja, en, lang)


def display_frame(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Inbox rows for st.dataframe: JST time text, status labels, localized headers, no id column."""
    out = df.drop(columns=["id"]).copy()
    for column in ("received_at", "updated_at"):
        out[column] = out[column].dt.tz_convert(JST).dt.strftime("%Y-%m-%d %H:%M")
    out["status"] = out["status"].map(lambda s: status_label(s, lang))
    for column in (*TEXT_FIELDS, "memo"):
        if column in out:  # stored before the form refused them: shown as <U+202E>, never applied
            out[column] = out[column].map(visible_controls)
    return out.rename(columns={c: pick(*COLUMN_LABELS[c], lang) for c in out.columns})


def export_table(df: pd.DataFrame | pa.Table, lang: str) -> pd.DataFrame | pa.Table:
    """Inbox rows for CSV: localized headers and status labels; times stay tz-aware (export.py writes JST).

    Takes export_frame()'s DataFrame or export_arrow()'s Arrow table and returns the same kind.
    """
    if isinstance(df, pa.Table):
        table = df.drop_columns(["id"])
        status = table.column("status")
        # A handful of distinct statuses: label each once, then map all rows in Arrow.
        distinct = pc.unique(status)
        labels = pa.array([status_label(s, lang) for s in distinct.to_pylist()], type=pa.string())
        table = table.set_column(
            table.column_names.index("status"),
            "status",
            pc.take(labels, pc.index_in(status, value_set=distinct)),
        )
        return table.rename_columns([pick(*COLUMN_LABELS[c], lang) for c in table.column_names])
    out = df.drop(columns=["id"]).copy()
    out["status"] = out["status"].map(lambda s: status_label(s, lang))
    return out.rename(columns={c: pick(*COLUMN_LABELS[c], lang) for c in out.columns})


def _query_from_widgets(page: int) -> InboxQuery:
    ss = st.session_state
    status = ss.get(_K + "status", "")
    return InboxQuery(
        search=ss.get(_K + "search", "") or "",
        status=status or None,
        sort=ss.get(_K + "sort", "received_at"),
        descending=ss.get(_K + "order", "desc") == "desc",
        page=page,
        page_size=int(ss.get(_K + "page_size", 50)),
        received_from=ss.get(_K + "from"),
        received_to=ss.get(_K + "to"),
    )


# -- sections --------------------------------------------------------------------------------------


def _filters(lang: str) -> None:
    c1, c2, c3, c4 = st.columns([3, 1.3, 1.3, 1.3])
    c1.text_input(
        pick(
            "検索（全角・半角、大文字・小文字を区別しません）", "Search (width- and case-insensitive)", lang
        ),
        key=_K + "search",
    )
    c2.selectbox(
        pick("状態", "Status", lang),
        ["", *STATUSES],
        key=_K + "status",
        format_func=lambda s: status_label(s, lang) if s else pick("すべて", "All", lang),
    )
    c3.date_input(pick("受付日（から）", "Received from", lang), value=None, key=_K + "from")
    c4.date_input(pick("受付日（まで）", "Received to", lang), value=None, key=_K + "to")
    c5, c6, c7, c8 = st.columns([1.3, 1.3, 1, 1])
    c5.selectbox(
        pick("並べ替え", "Sort by", lang),
        SORT_COLUMNS,
        key=_K + "sort",
        format_func=lambda c: pick(*SORT_LABELS[c], lang),
    )
    c6.radio(
        pick("順序", "Order", lang),
        ["desc", "asc"],
        key=_K + "order",
        horizontal=True,
        format_func=lambda o: (
            pick("降順", "Descending", lang) if o == "desc" else pick("昇順", "Ascending", lang)
        ),
    )
    c7.selectbox(pick("表示件数", "Rows per page", lang), [25, 50, 100], index=1, key=_K + "page_size")
    c8.number_input(pick("ページ", "Page", lang), min_value=1, step=1, key=_K + "page")


def _detail(store, rows: pd.DataFrame, lang: str, who: StaffIdentity) -> None:
    if rows.empty:
        return
    st.header(pick("詳細・対応状況", "Details and status", lang))  # h2 under the h1 (axe heading-order)
    receipts = rows["receipt_no"].tolist()
    chosen = st.selectbox(
        pick("受付番号を選ぶ", "Choose a receipt number", lang), receipts, key=_K + "chosen"
    )
    inquiry_id = int(rows.loc[rows["receipt_no"] == chosen, "id"].iloc[0])
    inquiry = store.get(inquiry_id)
    if inquiry is None:
        st.info(pick("この問い合わせは削除されました。", "This inquiry has been deleted.", lang))
        return
    # One audit row per inquiry opened in this session (not one per rerun of the page).
    viewed = st.session_state.setdefault(_K + "viewed", set())
    if inquiry.id not in viewed:
        viewed.add(inquiry.id)
        staff.audit(who, "view", (inquiry.receipt_no,))
    left, right = st.columns([3, 2])
    with left:
        for field in ("article_title", "municipality", "department", "name", "phone", "email", "message"):
            st.caption(pick(*COLUMN_LABELS[field], lang))
            st.text(visible_controls(getattr(inquiry, field)))  # plain text, controls made visible
        st.caption(pick("同意日時（日本時間）・表示版", "Consent (JST) and notice version", lang))
        st.text(f"{inquiry.consent_at.astimezone(JST):%Y-%m-%d %H:%M}  {inquiry.privacy_notice_version}")
    with right, st.form(f"edit_{inquiry.id}"):
        status = st.selectbox(
            pick("状態", "Status", lang),
            STATUSES,
            index=STATUSES.index(inquiry.status),
            format_func=lambda s: status_label(s, lang),
            key=f"{_K}edit_status_{inquiry.id}",
        )
        memo = st.text_area(
            pick("対応メモ（職員のみ）", "Memo (staff only)", lang),
            value=inquiry.memo,
            max_chars=4000,
            height=150,
            key=f"{_K}edit_memo_{inquiry.id}",
        )
        if st.form_submit_button(pick("保存する", "Save", lang), type="primary"):
            store.update(inquiry.id, status=status, memo=memo)
            # The memo is staff text but may quote the person: the log says only that it changed.
            changed = [f"status={status}"] + (["memo changed"] if memo != inquiry.memo else [])
            staff.audit(who, "update", (inquiry.receipt_no,), " ".join(changed))
            log.info("inbox: status/memo updated")
            st.session_state[_K + "saved"] = True
            st.rerun()
    if st.session_state.pop(_K + "saved", False):
        st.success(pick("保存しました。", "Saved.", lang))


def _filters_for_audit(query: InboxQuery) -> str:
    """The export's filters without the search text (it may be a person's name or e-mail)."""
    parts = [
        f"status={query.status or 'all'}",
        f"from={query.received_from or '-'}",
        f"to={query.received_to or '-'}",
        f"sort={query.sort}{' desc' if query.descending else ''}",
    ]
    if query.search:
        parts.append(f"search=({len(query.search)} chars)")
    return " ".join(parts)


def _export(store, query: InboxQuery, lang: str, who: StaffIdentity) -> None:
    st.header(pick("CSVで書き出す", "Export as CSV", lang))
    st.caption(
        pick(
            "いまの検索条件・並び順に合う全件を書き出します（ページ分けなし）。ファイルはボタンを押したときに作られ、"
            "サインアウトすると取り出せなくなります。",
            "Exports every inquiry matching the current filters and order (not just this page). "
            "The file is "
            "made when you click and cannot be fetched after you sign out.",
            lang,
        )
    )
    c1, c2 = st.columns([2, 3])
    encoding = c1.radio(
        pick("文字コード", "Encoding", lang),
        list(export.ENCODINGS),
        key=_K + "encoding",
        format_func=lambda e: pick(*export.ENCODINGS[e], lang),
    )

    def build() -> export.CsvExport:
        # Arrow when the backend offers it (DuckDB: 1M rows without a pandas detour), else pandas.
        fetch = getattr(store, "export_arrow", None)
        rows = fetch(query) if fetch is not None else store.export_frame(query)
        return export.csv_bytes(export_table(rows, lang), encoding=encoding)

    if c2.button(pick("CSVを作成する", "Prepare the CSV", lang), key=_K + "prepare"):
        # Checks what the file will hold (rows, characters Shift_JIS cannot write); the bytes are not
        # kept: the download builds them again when clicked, so no copy waits at a URL.
        result = build()
        prepared = (query, encoding, result.rows, result.ok, result.unencodable, result.mime)
        st.session_state[_K + "csv"] = prepared
        staff.revoke_downloads()  # a newer export replaces the previous file
    saved = st.session_state.get(_K + "csv")
    if saved is None:  # nothing prepared yet in this session
        return
    p_query, p_encoding, rows, ok, unencodable, mime = saved
    if (p_query, p_encoding) != (query, encoding):
        st.caption(
            pick(
                "検索条件か文字コードが変わりました。もう一度「CSVを作成する」を押してください。",
                "The filters or encoding changed: press Prepare again.",
                lang,
            )
        )
        return
    if not ok:
        # A stored bidi control is shown as <U+202E>, never applied (it would reverse the message).
        chars = "、".join(
            f"{visible_controls(p['char'])}（{p['codepoint']}）"
            for p in export.summarise_problems(unencodable)
        )
        st.warning(
            pick(
                f"Shift_JIS で表せない文字があるため作成できませんでした：{chars}。UTF-8 をお使いください。",
                f"Some characters cannot be written in Shift_JIS: {chars}. Please use UTF-8.",
                lang,
            )
        )
        return

    def on_built(payload: bytes) -> None:
        staff.audit(who, "export", (), f"{_filters_for_audit(query)} encoding={encoding} rows={rows}")
        log.info("inbox: export downloaded (%d rows, %s)", rows, encoding)

    staff.private_download(
        pick(f"ダウンロード（{rows:,}件）", f"Download ({rows:,} rows)", lang),
        lambda: build().data,
        file_name=export.export_filename("inquiries"),
        mime=mime,
        key=_K + "download",
        on_built=on_built,
    )


def _pending_erasures(store, lang: str, who: StaffIdentity) -> None:
    """Unfinished erasures (a rewrite failed): say so and offer 「もう一度消去する」, even with 0 rows
    left."""
    pending = store.pending_erasures()
    if pending.empty:
        return
    st.error(
        pick(
            f"完了していない消去の請求が{len(pending)}件あります（データベースの作り直しに失敗しました）。"
            "原因（空き容量不足など）を取り除いてから「もう一度消去する」を押してください。",
            f"{len(pending)} erasure request(s) did not finish (the database rewrite failed). "
            "Fix the cause (e.g. free disk space), then press Erase again.",
            lang,
        ),
        icon="⚠️",
    )
    when = pending["requested_at"].dt.tz_convert(JST).dt.strftime("%Y-%m-%d %H:%M")
    st.dataframe(
        pending.assign(requested_at=when).rename(
            columns={
                "requested_at": pick("請求日時（日本時間）", "Requested (JST)", lang),
                "attempts": pick("失敗回数", "Failed attempts", lang),
                "last_error": pick("最後のエラー", "Last error", lang),
            }
        ),
        hide_index=True,
    )
    if st.button(pick("もう一度消去する", "Erase again", lang), type="primary", key=_K + "erase_retry"):
        try:
            erased = store.retry_erasures()
        except StoreUnavailable as exc:
            staff.audit(who, "erase", (), "retry failed: still pending")
            st.session_state[_K + "erase_failed"] = str(exc)
        else:
            staff.audit(who, "erase", (), f"retry of pending requests rows={erased}")
            staff.revoke_downloads(everyone=True)
            log.info("inbox: pending erasures finished (%d more rows)", erased)
            st.session_state[_K + "erased"] = erased
            st.session_state.pop(_K + "csv", None)
        st.rerun()


def _erasure(store, lang: str, who: StaffIdentity) -> None:
    _pending_erasures(store, lang, who)
    failed = st.session_state.pop(_K + "erase_failed", None)
    if failed:
        st.error(failed, icon="⚠️")
    with st.expander(
        pick("ご本人の請求による削除（完全消去）", "Erase one person's inquiries (on request)", lang)
    ):
        st.caption(
            pick(
                "メールアドレスが一致する問い合わせをすべて削除し、データベースファイルを作り直して"
                "データを完全に消去します。元に戻せません。",
                "Deletes every inquiry with this e-mail address and rewrites the database file so the "
                "data is really gone. This cannot be undone.",
                lang,
            )
        )
        email = st.text_input(pick("メールアドレス", "E-mail address", lang), key=_K + "erase_email")
        if email.strip():
            key = email_key(email)
            matches = store.export_frame(InboxQuery(search=email))
            mine = matches[matches["email"].map(email_key) == key] if len(matches) else matches
            n = len(mine)
            st.text(pick(f"該当：{n}件", f"Matching: {n}", lang))
            if not n:
                st.caption(
                    pick(
                        "該当が0件でも、ファイルに残った消去済みデータを消すために実行できます。",
                        "With 0 matches it still rewrites the file, removing any leftover bytes.",
                        lang,
                    )
                )
            sure = st.checkbox(
                pick("元に戻せないことを確認しました", "I understand this cannot be undone", lang),
                key=_K + "erase_sure",
            )
            if st.button(
                pick("完全に削除する", "Erase permanently", lang),
                type="primary",
                disabled=not sure,
                key=_K + "erase_go",
            ):
                receipts = tuple(mine["receipt_no"]) if n else ()
                try:
                    erased = store.erase_person(email)
                except StoreUnavailable as exc:
                    # Nothing was half-done; the request is recorded as pending (listed above).
                    staff.audit(who, "erase", receipts, "failed: pending")
                    log.warning("inbox: erasure on request did not finish")
                    st.session_state[_K + "erase_failed"] = str(exc)
                else:
                    # The log keeps receipt numbers only: never the e-mail that was erased.
                    staff.audit(who, "erase", receipts, f"rows={erased}")
                    staff.revoke_downloads(everyone=True)  # no earlier export may still hand out the person
                    log.info("inbox: erased %d inquiries on request", erased)
                    st.session_state[_K + "erased"] = erased
                    st.session_state.pop(_K + "csv", None)
                    for k in ("erase_email", "erase_sure"):
                        st.session_state.pop(_K + k, None)
                st.rerun()
        if _K + "erased" in st.session_state:
            erased_n = st.session_state.pop(_K + "erased")
            # Wording kept as before (other checks read it); the file rewrite is in the caption above.
            st.success(pick(f"{erased_n}件を削除しました。", f"Erased {erased_n} inquiries.", lang))

    days = load_settings().retention_days
    with st.expander(
        pick(f"保存期間（{days}日）を過ぎた問い合わせの削除", f"Purge inquiries older than {days} days", lang)
    ):
        cutoff_ts = pd.Timestamp.now(tz=JST) - timedelta(days=days)
        cutoff = cutoff_ts.strftime("%Y-%m-%d %H:%M")
        st.caption(
            pick(
                f"{cutoff}（日本時間）より前に受け付けた問い合わせを完全に消去します。"
                "この削除は毎日自動でも行われます（下の記録）。",
                f"Erases inquiries received before {cutoff} JST. This also runs by itself daily "
                "(see the record below).",
                lang,
            )
        )
        sure = st.checkbox(
            pick("元に戻せないことを確認しました", "I understand this cannot be undone", lang),
            key=_K + "purge_sure",
        )
        if st.button(
            pick("保存期間を過ぎたものを削除する", "Purge now", lang), disabled=not sure, key=_K + "purge_go"
        ):
            from jichitai_metrics.inquiries.retention import run_purge

            old = store.export_frame(InboxQuery(received_to=cutoff_ts.date()))
            outcome = run_purge(store, days, trigger="staff")
            gone = (
                tuple(old.loc[old["received_at"] < cutoff_ts, "receipt_no"])
                if len(old) and not outcome.error
                else ()
            )
            staff.audit(
                who,
                "purge",
                gone,
                f"rows={outcome.erased} older_than_days={days}" + (" failed" if outcome.error else ""),
            )
            staff.revoke_downloads(everyone=True)
            log.info("inbox: retention purge removed %d inquiries", outcome.erased)
            st.session_state.pop(_K + "csv", None)
            if outcome.error:
                st.error(outcome.error, icon="⚠️")
            else:
                st.success(
                    pick(f"{outcome.erased}件を削除しました。", f"Purged {outcome.erased} inquiries.", lang)
                )
        runs = store.runs(limit=10)
        if len(runs):
            st.caption(pick("削除の実行記録（新しい順）", "Purge and erasure runs (newest first)", lang))
            shown = runs.assign(
                started_at=runs["started_at"].dt.tz_convert(JST).dt.strftime("%Y-%m-%d %H:%M")
            )
            st.dataframe(
                shown[["started_at", "kind", "trigger", "rows", "error"]].rename(
                    columns={
                        "started_at": pick("開始（日本時間）", "Started (JST)", lang),
                        "kind": pick("種類", "Kind", lang),
                        "trigger": pick("実行のきっかけ", "Trigger", lang),
                        "rows": pick("件数", "Rows", lang),
                        "error": pick("エラー", "Error", lang),
                    }
                ),
                hide_index=True,
            )


def _audit_section(store, lang: str, who: StaffIdentity) -> None:
    with st.expander(pick("操作記録（監査ログ）", "Audit log", lang)):
        st.caption(
            pick(
                "だれが・いつ（日本時間）・どこから・何をしたか。問い合わせた方の個人情報は記録しません（受付番号のみ）。"
                "記録はアプリから変更・削除できません。",
                "Who did what, when (JST) and from where. No inquirer's personal data "
                "(receipt numbers "
                "only). The log cannot be changed or deleted from the app.",
                lang,
            )
        )
        rows = store.audit_frame(limit=500)
        st.dataframe(staff.audit_table(rows, lang), hide_index=True)

        def build() -> bytes:
            return export.csv_bytes(staff.audit_table(store.audit_frame(limit=None), lang)).data

        staff.private_download(
            pick("操作記録をCSVでダウンロード", "Download the audit log (CSV)", lang),
            build,
            file_name=export.export_filename("audit-log"),
            mime="text/csv",
            key=_K + "audit_download",
            on_built=lambda _payload: staff.audit(who, "audit_export"),
        )


def render_inbox_page() -> None:
    """The whole 受付箱 page (called by pages/inbox.py); it checks who is signed in itself."""
    lang = _lang()
    st.title(pick("受付箱（職員用）", "Inbox (staff)", lang))
    who = staff.require_staff(lang)
    if who is None:
        return
    log.info("inbox: page viewed")
    staff.sign_out_button(who, lang)
    staff.show_sign_in_notice()
    try:
        store = get_store()
        failed = store.failed_outbox()
        if len(failed):
            st.warning(
                pick(
                    f"通知の送信に失敗しています（{len(failed)}件）。",
                    f"{len(failed)} notifications failed.",
                    lang,
                )
            )
            st.dataframe(failed, hide_index=True)
        _filters(lang)
        page = store.list_page(_query_from_widgets(int(st.session_state.get(_K + "page", 1))))
        st.caption(
            pick(
                f"{page.total:,}件中 {page.page}/{page.page_count}ページ",
                f"{page.total:,} inquiries, page {page.page} of {page.page_count}",
                lang,
            )
        )
        st.dataframe(display_frame(page.rows, lang), hide_index=True)
        _detail(store, page.rows, lang, who)
        _export(store, _query_from_widgets(1), lang, who)
        _erasure(store, lang, who)
        _audit_section(store, lang, who)
    except StoreUnavailable as exc:
        st.error(str(exc), icon="⚠️")
