"""The follow-up inquiry form: input -> 確認画面 -> 送信 -> 受付番号, sent exactly once."""

from __future__ import annotations

import contextlib
import json
import logging
import secrets
import time
import uuid
from urllib.parse import urlencode

import streamlit as st

from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import StoreUnavailable
from jichitai_metrics.i18n import pick
from jichitai_metrics.inquiries import PRIVACY_NOTICE_VERSION, InquiryStore, NewInquiry, notify, open_store
from jichitai_metrics.inquiries.model import TEXT_FIELDS
from jichitai_metrics.inquiries.store import InvalidInquiry, RateLimited, SubmitLimits
from jichitai_metrics.inquiries.validation import LABELS, MAX_LENGTHS, validate
from jichitai_metrics.ui import inquiry_form, prose
from jichitai_metrics.ui.client import client_address

log = logging.getLogger(__name__)

_K = "inq_"  # session-state prefix
# The URL parameter that carries the server-side draft's token (restart-safe sending).
DRAFT_PARAM = "draft"


def _lang() -> str:
    from jichitai_metrics.ui import common

    return common.lang()


# -- links and context ---------------------------------------------------------------------------


def inquiry_params(program: int | None = None, chart_id: str | None = None) -> dict[str, str]:
    """The form's context parameters (programme, chart) that a link from a page or chart carries."""
    params: dict[str, str] = {}
    if program is not None:
        params["program"] = str(int(program))
    if chart_id:
        params["chart"] = str(chart_id)
    return params


def inquiry_link(program: int | None = None, chart_id: str | None = None) -> str:
    """Relative URL of the form with its context, e.g. 'inquiry?program=2&chart=p2-x'."""
    params = inquiry_params(program, chart_id)
    return "inquiry" + (f"?{urlencode(params)}" if params else "")


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except (TypeError, ValueError):
        return None


def article_title(params: dict[str, str]) -> str:
    """The 記事タイトル to pre-fill: ?article=, else the report title plus programme / chart context."""
    explicit = (params.get("article") or "").strip()
    if explicit:
        return explicit[: MAX_LENGTHS["article_title"]]
    title = ""
    try:
        from jichitai_metrics.ui import common

        seminar_id = params.get("seminar") or common.default_seminar_id()
        title = str(common.seminar(seminar_id)["report_title"])
        number = _int_or_none(params.get("program"))
        if number is not None:
            prog = common.program(seminar_id, number)
            title += f" ／ プログラム{number}「{prog['title_ja']}」"
        chart_id = params.get("chart")
        if chart_id:
            charts = common.charts(seminar_id)
            match = charts[charts["chart_id"] == chart_id]
            if len(match):
                title += f" ／ 図「{match.iloc[0]['title_ja']}」"
    except Exception:  # noqa: BLE001 - an unknown programme or a catalogue problem must not block the form
        log.info("inquiry form: context from the URL not found in the catalogue")
    return title[: MAX_LENGTHS["article_title"]]


# -- the store -------------------------------------------------------------------------------------


@st.cache_resource(show_spinner=False)
def _cached_store(db_path: str, database_url: str | None) -> InquiryStore:
    # One store (one DuckDB connection) per process; an exception is not cached, so a database
    # that was locked is retried on the next run. The mail sender starts with it, so notices still
    # queued from before a restart go out without waiting for the next inquiry.
    from jichitai_metrics.inquiries import retention

    settings = load_settings()
    store = open_store(settings)
    notify.kick(settings, store)
    retention.start_daily_purge(store, settings.retention_days)
    return store


def get_store() -> InquiryStore:
    """The process-wide inquiry store; raises StoreUnavailable with a plain Japanese message."""
    settings = load_settings()
    return _cached_store(str(settings.db_path), settings.database_url)


# -- session state ---------------------------------------------------------------------------------


def _state() -> st.runtime.state.SessionStateProxy:
    return st.session_state


def _init(params: dict[str, str]) -> None:
    ss = _state()
    ss.setdefault(_K + "stage", "form")
    ss.setdefault(_K + "submission_id", uuid.uuid4().hex)
    ss.setdefault(_K + "draft", inquiry_form.empty_draft())
    ss.setdefault(_K + "errors", {})
    _restore_from_url()
    context = tuple(sorted((k, params.get(k, "")) for k in ("article", "program", "chart", "seminar")))
    if ss.get(_K + "context") != context and ss[_K + "stage"] == "form":
        prefill = article_title(params)
        draft = ss[_K + "draft"]
        # Replace the title only if the person has not typed their own.
        if not draft["article_title"] or draft["article_title"] == ss.get(_K + "prefill"):
            draft["article_title"] = prefill
        ss[_K + "prefill"] = prefill
        ss[_K + "context"] = context


def _inquiry(draft: dict) -> NewInquiry:
    return NewInquiry(
        **{f: draft[f] for f in TEXT_FIELDS},
        consent=draft["consent"],
        privacy_notice_version=PRIVACY_NOTICE_VERSION,
    )


def _client() -> str:
    """The client address limits are keyed on (trusted-proxy rule in ui/client.py).

    Outside a real server (AppTest) st.context hands back a mock object, not text: count that as
    loopback so tests see one stable client, as a browser on this machine would be.
    """
    address = client_address()
    return address if isinstance(address, str) else "127.0.0.1"


def _limits() -> SubmitLimits:
    settings = load_settings()
    return SubmitLimits(
        per_client_hour=settings.inquiry_limit_per_hour, notice_ceiling_hour=settings.notice_ceiling_per_hour
    )


# -- the server-side draft: survives a restart of the server (the session does not) ---------------
# Kept in the inquiry store under a random token that travels in the URL (?draft=…), with the
# submission id, so a resend after a lost receipt returns the original 受付番号. Not encrypted:
# it sits next to the inquiries themselves, which hold the same fields in the clear, and a key kept
# on the same server would protect nothing. Deleted (what was typed) on send; expired after 1 hour.


def _save_draft() -> None:
    ss = _state()
    token = ss.get(_K + "token") or secrets.token_urlsafe(18)
    if _store_ok() is not None:
        return  # the store is down (the page says so): the session keeps the draft meanwhile
    try:
        get_store().save_draft(
            token, ss[_K + "submission_id"], json.dumps(ss[_K + "draft"]), ss[_K + "draft"]["email"]
        )
    except StoreUnavailable:
        log.warning("inquiry draft not saved server-side (store unavailable); kept in the session only")
        return
    ss[_K + "token"] = token
    st.query_params[DRAFT_PARAM] = token


def _restore_from_url() -> None:
    """A new session (reload, server restart) with ?draft=…: back to where the person was."""
    ss = _state()
    token = st.query_params.get(DRAFT_PARAM)
    if not token or ss.get(_K + "token") == token or ss.get(_K + "stage") != "form":
        return
    ss[_K + "token"] = token
    try:
        found = get_store().load_draft(token)
    except StoreUnavailable:
        ss[_K + "token"] = None  # try again on the next run
        return
    if found is None:
        ss[_K + "notice"] = "expired"
        del st.query_params[DRAFT_PARAM]
        return
    submission_id, payload = found
    if not payload:  # sent already: show the original receipt, never a second row
        receipt = get_store().receipt_for(submission_id)
        if receipt:
            ss[_K + "receipt"] = receipt
            ss[_K + "stage"] = "done"
            ss[_K + "notice"] = "resent"
        return
    draft = json.loads(payload)
    ss[_K + "draft"] = {f: str(draft.get(f, "")) for f in TEXT_FIELDS} | {
        "consent": bool(draft.get("consent"))
    }
    ss[_K + "submission_id"] = submission_id
    ss[_K + "stage"] = "confirm"
    ss[_K + "notice"] = "restored"


def _forget_draft() -> None:
    ss = _state()
    token = ss.get(_K + "token")
    if token:
        with contextlib.suppress(StoreUnavailable):
            get_store().finish_draft(token)
    if DRAFT_PARAM in st.query_params:
        del st.query_params[DRAFT_PARAM]


# -- callbacks (run before the script, so their effects show in the same rerun) -------------------


def _on_confirm() -> None:
    ss = _state()
    if ss.get(_K + "stage", "form") != "form":
        return  # a second press that arrived after the first moved on (double click)
    draft = inquiry_form.submitted_draft(inquiry_form.submitted_value())
    ss[_K + "draft"] = draft
    ss[_K + "errors"] = validate(_inquiry(draft))
    ss[_K + "notice"] = None
    if not ss[_K + "errors"]:
        ss[_K + "stage"] = "confirm"
        _save_draft()


def _on_back() -> None:
    ss = _state()
    ss[_K + "stage"] = "form"
    ss[_K + "notice"] = None


def _on_send() -> None:
    ss = _state()
    # A second click (double click, rerun) finds the stage already moved on and does nothing;
    # if the first run was cut short after the insert, the same submission_id returns its receipt.
    if ss.get(_K + "stage") != "confirm":
        # A click that arrives in a fresh session (the server restarted under the page): the
        # callback runs before the script, so bring the draft back first.
        ss.setdefault(_K + "stage", "form")
        ss.setdefault(_K + "submission_id", uuid.uuid4().hex)
        _restore_from_url()
        if ss.get(_K + "stage") != "confirm":
            return
    try:
        result = get_store().submit(
            _inquiry(ss[_K + "draft"]),
            ss[_K + "submission_id"],
            notify_kinds=notify.notify_kinds(load_settings().smtp),
            client=_client(),
            limits=_limits(),
        )
    except RateLimited:
        ss[_K + "notice"] = "rate"
        return
    except StoreUnavailable as exc:
        ss[_K + "notice"] = ("store", str(exc))
        return
    except InvalidInquiry as exc:
        ss[_K + "errors"] = exc.errors
        ss[_K + "stage"] = "form"
        return
    log.info("inquiry accepted (new row: %s)", result.created)  # no personal data in logs
    notify.kick(load_settings(), get_store())  # returns at once; the sender runs on its own thread
    _forget_draft()
    ss[_K + "receipt"] = result.receipt_no
    ss[_K + "submission_id"] = uuid.uuid4().hex  # a new id only after success
    ss[_K + "stage"] = "done"
    ss[_K + "notice"] = None


def _on_new() -> None:
    ss = _state()
    ss[_K + "token"] = None
    if DRAFT_PARAM in st.query_params:
        del st.query_params[DRAFT_PARAM]
    prefill = ss.get(_K + "prefill", "")
    ss[_K + "draft"] = inquiry_form.empty_draft() | {"article_title": prefill}
    ss[_K + "errors"] = {}
    ss[_K + "stage"] = "form"


# -- rendering -------------------------------------------------------------------------------------


def privacy_notice(lang: str) -> str:
    """The purpose-of-use statement shown above the consent box (our wording of the report's notice),
    as HTML: one block with the consent box's container, no Markdown to parse on each load."""
    days = load_settings().retention_days
    title = pick("個人情報の取り扱いについて", "How we handle your personal data", lang)
    body = pick(
        "ご入力いただいた個人情報（お名前・電話番号・メールアドレスなど）は、ジチタイワークス事務局が"
        "お預かりし、このお問い合わせへの回答のために利用します。ご相談内容に応じて、"
        "セミナーでサービスを紹介した提供元企業へ共有します。"
        "ジチタイワークス事務局のプライバシー・ポリシーに則って取り扱い、"
        f"受付から{days}日を過ぎたものは削除します。"
        f"（表示版：{PRIVACY_NOTICE_VERSION}）",
        "The personal data you enter (name, phone number, e-mail address, etc.) is held by the "
        "Jichitai Works secretariat and used to answer this inquiry. Depending on your question it is "
        "shared with the companies whose services were presented at the seminar. It is handled under "
        f"the secretariat's privacy policy and deleted {days} days after receipt. "
        f"(Notice version {PRIVACY_NOTICE_VERSION})",
        lang,
    )
    paragraphs = prose.para(prose.strong(title)) + prose.para(prose.esc(body))
    return f'<div class="jm-prose jm-privacy">{paragraphs}</div>'


# A store health result is reused for this long within a session, so a hung database costs the
# person one wait (the ping's deadline), not one per rerun.
_PING_REUSE_S = 10.0


def _store_ok() -> StoreUnavailable | None:
    """None if the store can accept an inquiry now, else the reason (cached briefly per session)."""
    ss = _state()
    cached = ss.get(_K + "store_check")
    if cached is not None and time.monotonic() - cached[0] < _PING_REUSE_S:
        return cached[1]
    try:
        get_store().ping()  # connection alive, database answering, disk not full
        problem = None
    except StoreUnavailable as exc:
        problem = exc
    ss[_K + "store_check"] = (time.monotonic(), problem)
    return problem


def _store_status(lang: str) -> bool:
    """Warn up front when the store cannot accept inquiries; the form stays usable and keeps input."""
    if isinstance(_state().get(_K + "notice"), tuple):
        return False  # the failed send already says why
    exc = _store_ok()
    if exc is None:
        return True
    st.warning(
        pick(
            f"現在、お問い合わせを保存できません。{exc}\n\n入力した内容は、この画面を開いている間は保持されます。",
            "Inquiries cannot be saved right now (the database is unavailable). "
            "What you typed is kept while this page stays open.",
            lang,
        ),
        icon="⏳",
    )
    return False


def _render_form(lang: str) -> None:
    if _state().get(_K + "notice") == "expired":
        st.warning(
            pick(
                "保存していた入力内容は、有効期限（1時間）を過ぎたため削除されました。"
                "お手数ですが、もう一度ご入力ください。",
                "Your saved entries expired (after 1 hour) and were deleted. Please fill in the form again.",
                lang,
            ),
            icon="⏳",
        )
    if _state()[_K + "errors"]:
        st.error(
            pick(
                "入力内容に誤りがあります。各項目のメッセージをご確認ください。",
                "Some entries need correcting; see the messages below each field.",
                lang,
            )
        )
    ss = _state()
    inquiry_form.render(
        ss[_K + "draft"], ss[_K + "errors"], privacy_notice(lang), lang, on_submit=_on_confirm
    )


def _render_confirm(lang: str) -> None:
    st.subheader(pick("入力内容の確認", "Please check your entries", lang))
    draft = _state()[_K + "draft"]
    for field in TEXT_FIELDS:
        st.caption(pick(*LABELS[field], lang))
        st.text(draft[field])  # plain text: never Markdown/HTML for what a person typed
    st.caption(pick("個人情報の取り扱い", "Personal data", lang))
    st.text(pick("上記に同意しました", "Agreed", lang))
    notice = _state().get(_K + "notice")
    if notice == "restored":
        st.info(
            pick(
                "画面が読み込み直されたため（サーバーの再起動など）、確認画面の入力内容を復元しました。"
                "内容をご確認のうえ「送信」を押してください。",
                "The page was reloaded (for example the server restarted); your entries have been "
                "restored. Please check them and press Send.",
                lang,
            ),
            icon="↩️",
        )
    if notice == "rate":
        st.warning(
            pick(
                "短い時間に多くのお問い合わせをいただいたため、いったん受付を控えています。"
                "恐れ入りますが、しばらく時間をおいてから送信してください。入力内容は保持しています。",
                "You have sent several inquiries in a short time. Please wait a while before sending "
                "again; your entries are kept.",
                lang,
            ),
            icon="⏳",
        )
    elif isinstance(notice, tuple):
        st.error(
            pick(
                f"送信できませんでした。{notice[1]}\n\n入力内容は保持しています。もう一度「送信」を押してください。",
                "Your inquiry could not be sent (the database is unavailable). Your entries are "
                "kept; please press Send again later.",
                lang,
            ),
            icon="⚠️",
        )
    back, send = st.columns(2)
    back.button(pick("戻る", "Back", lang), on_click=_on_back, width="stretch")
    send.button(pick("送信", "Send", lang), type="primary", on_click=_on_send, width="stretch")


def _render_done(lang: str) -> None:
    receipt = _state()[_K + "receipt"]
    st.success(
        pick("お問い合わせを受け付けました。", "Thank you: your inquiry has been received.", lang), icon="✅"
    )
    if _state().get(_K + "notice") == "resent":
        st.info(
            pick(
                "このお問い合わせは、すでに受け付けています。受付番号は最初に発行したものです。",
                "This inquiry had already been received; this is its original receipt number.",
                lang,
            )
        )
    st.markdown(pick("受付番号", "Receipt number", lang))
    st.code(receipt, language=None)
    st.caption(
        pick(
            "お問い合わせの際は、この受付番号をお伝えください。担当者よりご連絡いたします。",
            "Please quote this number if you contact us. We will get back to you.",
            lang,
        )
    )
    st.button(pick("別のお問い合わせを書く", "Write another inquiry", lang), on_click=_on_new)


def render_inquiry_page() -> None:
    """The whole お問い合わせ page (called by pages/inquiry.py)."""
    lang = _lang()
    params = {k: str(v) for k, v in st.query_params.to_dict().items()}
    _init(params)
    stage = _state()[_K + "stage"]
    # The heading and the lead as one HTML block (each Streamlit element costs every page load).
    lead = [
        prose.heading(1, pick("お問い合わせ", "Inquiry", lang)),
        prose.para(
            prose.esc(
                pick(
                    "セミナーの内容や数値について、ご質問・ご相談をお送りください。",
                    "Send us a question about the seminar or its figures.",
                    lang,
                )
            )
        ),
    ]
    if stage == "form":
        lead.append(
            prose.caption(
                pick(
                    "＊はすべて必須です。入力後、確認画面で内容をご確認ください。",
                    "All fields are required. You can check your entries on the next screen.",
                    lang,
                )
            )
        )
    prose.draw(*lead)
    if stage != "done":
        _store_status(lang)
    {"form": _render_form, "confirm": _render_confirm, "done": _render_done}[stage](lang)
