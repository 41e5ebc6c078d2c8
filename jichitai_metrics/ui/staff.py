"""The staff sign-in gate (`require_staff`) and session-bound downloads, for every staff-only page.

Two ways in:
- the organisation's OpenID Connect provider through Streamlit's `st.login` / `st.user` (configured
  in `.streamlit/secrets.toml` `[auth]`, see deploy/README.md), limited to `JICHITAI_STAFF_EMAILS`;
- the shared password (`JICHITAI_ADMIN_PASSWORD_HASH`, or a plain one of 12+ characters), checked
  under a throttle that lives in the inquiry store, so new sessions, processes and replicas all
  see the same count (jichitai_metrics.staffauth holds the rules).

Staff files are never parked at a reusable URL: `private_download` builds the file when the button
is clicked, and `revoke_downloads` deletes the served copy on sign-out, erasure or a newer export
(each copy also expires after EXPORT_URL_LIFETIME_S). Every sign-in, refusal and export is audited.
"""

from __future__ import annotations

import hashlib
import hmac
import logging
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

import pandas as pd
import streamlit as st

from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import StoreUnavailable
from jichitai_metrics.i18n import pick
from jichitai_metrics.inquiries.audit import AUDIT_ACTIONS, SHARED_PASSWORD_ACTOR, AuditEntry
from jichitai_metrics.inquiries.model import JST, utc_now
from jichitai_metrics.staffauth import (
    COUNT_WINDOW,
    GLOBAL_LIMIT,
    GLOBAL_WINDOW,
    PasswordRule,
    email_allowed,
    password_rule,
    throttle_state,
    verify_password,
)
from jichitai_metrics.ui.client import client_address
from jichitai_metrics.ui.common import md_escape
from jichitai_metrics.ui.inquiry import get_store

log = logging.getLogger(__name__)

_K = "staff_"
# A served export answers 404 after this many seconds even if nobody signs out (the browser fetches
# it at once; other replicas' copies cannot be reached by a sign-out here, so they expire).
EXPORT_URL_LIFETIME_S = 60.0


@dataclass(frozen=True)
class StaffIdentity:
    """Who is signed in on this session: for the audit log and the page header."""

    actor: str  # the provider's e-mail address, or 共有パスワード
    method: str  # "oidc" or "password"
    address: str  # client address (trusted-proxy rule in jichitai_metrics.netaddr)


# -- configuration ---------------------------------------------------------------------------------


@st.cache_resource(ttl=60, show_spinner=False)
def _secrets_snapshot() -> tuple[bool, str | None, str | None]:
    """([auth] present, admin_password_hash, admin_password) from secrets.toml, re-read every minute.

    Cached because st.secrets looks for its files on every access while none exists, and the
    inbox's warm reruns must not touch the disk (tests/test_performance.py).
    """
    try:
        auth = bool(st.secrets.get("auth"))
        pw_hash, plain = st.secrets.get("admin_password_hash"), st.secrets.get("admin_password")
    except Exception:  # noqa: BLE001 - no or unreadable secrets.toml means "not configured"
        return False, None, None
    return auth, str(pw_hash) if pw_hash else None, str(plain) if plain else None


def oidc_configured() -> bool:
    """True when secrets.toml has an `[auth]` section (st.login needs it)."""
    return _secrets_snapshot()[0]


def current_password_rule() -> PasswordRule:
    """Env first, then secrets (admin_password_hash / admin_password)."""
    settings = load_settings()
    _auth, secret_hash, secret_plain = _secrets_snapshot()
    return password_rule(settings.admin_password_hash or secret_hash, settings.admin_password or secret_plain)


def _fingerprint(encoded: str) -> str:
    # Kept in the session instead of True, so changing the password signs every session out.
    return hashlib.sha256(b"jichitai-inbox\0" + encoded.encode()).hexdigest()


# -- audit -----------------------------------------------------------------------------------------


def audit(
    identity: StaffIdentity | None, action: str, receipts: tuple[str, ...] = (), detail: str = ""
) -> None:
    """Append one audit row; a store failure is logged, never shown as a traceback."""
    actor = identity.actor if identity else SHARED_PASSWORD_ACTOR
    address = identity.address if identity else client_address()
    try:
        get_store().append_audit(AuditEntry(actor, action, address, receipts, detail))
    except StoreUnavailable:
        log.error("audit: could not record %s", action)


def audit_table(df: pd.DataFrame, lang: str) -> pd.DataFrame:
    """Audit rows for screen and CSV: JST time text, action labels, localized headers."""
    out = pd.DataFrame(
        {
            pick("日時（日本時間）", "Time (JST)", lang): df["at"]
            .dt.tz_convert(JST)
            .dt.strftime("%Y-%m-%d %H:%M:%S"),
            pick("だれが", "Who", lang): df["actor"],
            pick("操作", "Action", lang): df["action"].map(
                lambda a: pick(*AUDIT_ACTIONS.get(a, (a, a)), lang)
            ),
            pick("接続元", "Address", lang): df["address"],
            pick("受付番号", "Receipt numbers", lang): df["receipts"],
            pick("内容", "Details", lang): df["detail"],
        }
    )
    return out


def _pause_notice(lang: str) -> None:
    """Tell staff, once at sign-in, if password sign-in was paused since the previous sign-in."""
    try:
        log_rows = get_store().audit_frame(limit=5000)
    except StoreUnavailable:
        return
    earlier_sign_ins = log_rows.index[log_rows["action"] == "sign_in"]
    # Rows are newest first: [0] is this sign-in (just written), [1] the previous one.
    cutoff = earlier_sign_ins[1] if len(earlier_sign_ins) > 1 else len(log_rows)
    paused = log_rows.iloc[:cutoff]
    paused = paused[paused["action"] == "password_paused"]
    if len(paused):
        last = paused["at"].iloc[0].tz_convert(JST).strftime("%Y-%m-%d %H:%M")
        st.session_state[_K + "notice"] = pick(
            f"前回のサインイン以降、パスワードの誤りが1時間に{GLOBAL_LIMIT}回を超えたため、パスワードでのサインインを"
            f"{len(paused)}回一時停止しました（最後は {last}、日本時間）。操作記録で接続元をご確認ください。",
            f"Since the previous sign-in, password sign-in was paused {len(paused)} time(s) after more than "
            f"{GLOBAL_LIMIT} wrong passwords in an hour (last at {last} JST). "
            "See the audit log for addresses.",
            lang,
        )


def _signed_in(identity: StaffIdentity, lang: str) -> None:
    """First run of a signed-in session: audit it once and prepare the pause notice."""
    if st.session_state.get(_K + "audited") == identity.actor:
        return
    st.session_state[_K + "audited"] = identity.actor
    audit(identity, "sign_in", detail=identity.method)
    _pause_notice(lang)


# -- password sign-in ------------------------------------------------------------------------------

_CHECK_LOCK = threading.Lock()


def _on_password(lang: str) -> None:
    ss = st.session_state
    given = ss.get(_K + "password_input", "") or ""
    ss[_K + "password_input"] = ""  # never keep the typed password around
    rule = current_password_rule()
    if not rule.usable:
        return
    address = client_address()
    # One check at a time per process: twenty sessions firing at once would otherwise all read
    # "no failures yet" before any was recorded (measured: 20 of 20 checked; with the lock, 5).
    with _CHECK_LOCK:
        _check_password(ss, given, rule, address)


class _SessionWrites(Protocol):
    """All _check_password does with the session state: set values under str keys.

    st.session_state (a SessionStateProxy, i.e. MutableMapping[str | int, Any]) and a plain dict fit.
    """

    def __setitem__(self, key: str, value: Any, /) -> None: ...


def _check_password(ss: _SessionWrites, given: str, rule: PasswordRule, address: str) -> None:
    now = utc_now()
    try:
        store = get_store()
        state = throttle_state(
            store.sign_in_failures(address, now=now, window=COUNT_WINDOW, global_window=GLOBAL_WINDOW), now
        )
        if state.blocked_until is not None:
            # Refused without looking at the password: during a wait even the right one does not get in.
            ss[_K + "msg"] = ("global" if state.global_until else "wait", state.blocked_until)
            log.warning("inbox: password attempt refused during a wait")
            return
        if given and verify_password(given, rule.encoded or ""):
            store.clear_sign_in_failures(address)
            ss[_K + "password"] = _fingerprint(rule.encoded or "")
            ss[_K + "msg"] = None
            log.info("inbox: password sign-in succeeded")
            return
        store.record_sign_in_failure(address, now=now, keep=COUNT_WINDOW)
        audit(StaffIdentity(SHARED_PASSWORD_ACTOR, "password", address), "sign_in_failed", detail="password")
        after = store.sign_in_failures(address, now=now, window=COUNT_WINDOW, global_window=GLOBAL_WINDOW)
        if after.global_last_hour == GLOBAL_LIMIT:
            audit(
                StaffIdentity(SHARED_PASSWORD_ACTOR, "password", address),
                "password_paused",
                detail=f"{GLOBAL_LIMIT} failures in 1 hour",
            )
    except StoreUnavailable as exc:
        # No throttle, no sign-in: fail closed.
        ss[_K + "msg"] = ("store", str(exc))
        return
    ss[_K + "msg"] = ("wrong", throttle_state(after, now).blocked_until)
    log.warning("inbox: password sign-in failed")


def _password_form(lang: str) -> None:
    msg = st.session_state.get(_K + "msg")
    kind, detail = msg if msg else (None, None)
    if kind == "wrong":
        st.error(pick("パスワードが違います。", "Wrong password.", lang), icon="🔒")
    if kind in ("wrong", "wait", "global") and detail is not None:
        until = detail.astimezone(JST).strftime("%H:%M")
        if kind == "global":
            st.warning(
                pick(
                    f"パスワードの誤りが続いたため、パスワードでのサインインを一時停止しています（{until}ごろまで、"
                    "日本時間）。組織のアカウントでのサインインは使えます。",
                    f"Password sign-in is paused after many wrong passwords (until about {until} JST). "
                    "Signing in with your organisation account still works.",
                    lang,
                ),
                icon="⏳",
            )
        else:
            st.warning(
                pick(
                    f"入力の誤りが続いたため、{until}（日本時間）ごろまで待ってからお試しください。",
                    f"Too many wrong attempts: please wait until about {until} JST.",
                    lang,
                ),
                icon="⏳",
            )
    if kind == "store":
        st.error(str(detail), icon="⚠️")
    with st.form("staff_login"):
        st.text_input(pick("パスワード", "Password", lang), type="password", key=_K + "password_input")
        st.form_submit_button(
            pick("ログイン", "Log in", lang), type="primary", on_click=_on_password, args=(lang,)
        )


# -- the gate --------------------------------------------------------------------------------------


def _oidc_user() -> dict | None:
    if not oidc_configured():
        return None
    try:
        return dict(st.user.to_dict()) if st.user.is_logged_in else None
    except Exception:  # noqa: BLE001 - a broken [auth] section must not show a traceback
        log.exception("st.user unavailable")
        return None


def require_staff(lang: str) -> StaffIdentity | None:
    """Who is signed in, or None after drawing the sign-in (or refusal) screen. Call at the page top."""
    address = client_address()
    user = _oidc_user()
    if user is not None:
        email = str(user.get("email") or "")
        if email_allowed(email, load_settings().staff_emails, verified=user.get("email_verified")):
            identity = StaffIdentity(email.strip().lower(), "oidc", address)
            _signed_in(identity, lang)
            return identity
        shown = md_escape(email) if email else ""  # the provider's value, shown as text
        if st.session_state.get(_K + "refused") != email:
            st.session_state[_K + "refused"] = email
            audit(StaffIdentity(email or "(no e-mail)", "oidc", address), "sign_in_refused")
        st.info(
            pick(
                f"{shown or 'このアカウント'} でサインインしています。"
                "申し訳ありませんが、このアカウントには受付箱を見る権限が"
                "ありません。必要な場合は担当部署にお問い合わせください。",
                f"You are signed in as {shown or 'this account'}. "
                "Sorry: this account may not open the inbox. "
                "Please ask the team in charge if you need access.",
                lang,
            ),
            icon="🙏",
        )
        if st.button(pick("サインアウト", "Sign out", lang), key=_K + "refused_sign_out"):
            _end_session()
            st.logout()
        return None

    rule = current_password_rule()
    token = st.session_state.get(_K + "password")
    if rule.usable and token and hmac.compare_digest(token, _fingerprint(rule.encoded or "")):
        identity = StaffIdentity(SHARED_PASSWORD_ACTOR, "password", address)
        _signed_in(identity, lang)
        return identity

    if oidc_configured():
        st.write(
            pick(
                "職員の方は、組織のアカウントでサインインしてください。",
                "Staff: sign in with your organisation account.",
                lang,
            )
        )
        if st.button(
            pick("組織のアカウントでサインイン", "Sign in with your organisation account", lang),
            type="primary",
            key=_K + "oidc_sign_in",
        ):
            st.login()
    if rule.problem_ja:
        st.warning(pick(rule.problem_ja, rule.problem_en, lang), icon="🔒")
    if rule.usable:
        _password_form(lang)
    elif not oidc_configured() and not rule.problem_ja:
        st.info(
            pick(
                "受付箱は無効です。組織のアカウントでのサインイン（secrets の [auth]）も、管理者パスワード"
                "（JICHITAI_ADMIN_PASSWORD_HASH など）も設定されていません。",
                "The inbox is disabled: neither organisation sign-in ([auth] in secrets) "
                "nor an admin password "
                "(JICHITAI_ADMIN_PASSWORD_HASH, ...) is configured.",
                lang,
            ),
            icon="🔒",
        )
    return None


def show_sign_in_notice() -> None:
    """The once-only notice prepared at sign-in (password sign-in was paused meanwhile)."""
    notice = st.session_state.pop(_K + "notice", None)
    if notice:
        st.warning(notice, icon="⚠️")


def _end_session() -> None:
    """Forget everything staff-related in this session and kill its download URLs."""
    _downloads().closed = True  # a stale button's callable refuses to build from now on
    revoke_downloads()
    for key in [k for k in st.session_state if str(k).startswith(("inbox_", _K))]:
        del st.session_state[key]


def sign_out_button(identity: StaffIdentity, lang: str) -> None:
    """サインアウト: ends access in this tab at once (and the provider's cookie for OIDC)."""
    label = pick(f"サインアウト（{identity.actor}）", f"Sign out ({identity.actor})", lang)
    if identity.method == "password":
        label = pick("ログアウト", "Log out", lang)
    if st.button(label, key=_K + "sign_out"):
        audit(identity, "sign_out")
        _end_session()
        if identity.method == "oidc":
            st.logout()  # clears st.user now and sends the browser to the provider's sign-out
            st.stop()  # (a rerun here would drop that redirect); nothing below this button is drawn
        st.rerun()


# -- downloads that stay inside the session --------------------------------------------------------


@dataclass
class _Downloads:
    """The media-file ids this session's staff downloads were served under."""

    lock: threading.Lock = field(default_factory=threading.Lock)
    file_ids: set[str] = field(default_factory=set)
    closed: bool = False


_ALL: set[str] = set()  # every live staff download in this process (erasure revokes them all)
_ALL_LOCK = threading.Lock()


def _downloads() -> _Downloads:
    got = st.session_state.get(_K + "downloads")
    if not isinstance(got, _Downloads):
        got = _Downloads()
        st.session_state[_K + "downloads"] = got
    return got


def _media_file_id(data: bytes, mime: str, file_name: str) -> str | None:
    # The id Streamlit's in-memory media storage gives these bytes (its URL is /media/<id>.<ext>).
    try:
        from streamlit.runtime.memory_media_file_storage import _calculate_file_id
    except ImportError:  # a future Streamlit: fall back to the lifetime sweep in _delete_media
        return None
    return str(_calculate_file_id(data, mime, file_name))


def _delete_media(file_ids: set[str]) -> None:
    """Remove served files so their /media URLs answer 404 (Streamlit has no public call for this)."""
    if not file_ids:
        return
    from streamlit.runtime import Runtime

    if not Runtime.exists():
        return
    mgr = Runtime.instance().media_file_mgr
    with mgr._lock:  # noqa: SLF001 - see docstring; checked by tests/test_staff_access.py
        for file_id in file_ids:
            mgr._storage.delete_file(file_id)  # noqa: SLF001
            mgr._file_metadata.pop(file_id, None)  # noqa: SLF001
    with _ALL_LOCK:
        _ALL.difference_update(file_ids)


def revoke_downloads(everyone: bool = False) -> None:
    """Kill this session's served staff files (everyone=True: every session's, e.g. after an erasure)."""
    mine = _downloads()
    with mine.lock:
        ids, mine.file_ids = set(mine.file_ids), set()
    if everyone:
        with _ALL_LOCK:
            ids |= _ALL
    _delete_media(ids)


def private_download(
    label: str,
    build: Callable[[], bytes],
    *,
    file_name: str,
    mime: str,
    key: str,
    on_built: Callable[[bytes], None] | None = None,
) -> None:
    """A download button whose file is built on click and served once under a short-lived URL.

    A newer download from this session replaces (kills) the previous URL; sign-out and erasure kill
    them through revoke_downloads; each URL also dies after EXPORT_URL_LIFETIME_S.
    """
    mine = _downloads()

    def data() -> bytes:
        if mine.closed:
            raise PermissionError("signed out")
        payload = build()
        file_id = _media_file_id(payload, mime, file_name)
        with mine.lock:
            previous, mine.file_ids = set(mine.file_ids), set()
            if file_id:
                mine.file_ids.add(file_id)
        _delete_media(previous - ({file_id} if file_id else set()))
        if file_id:
            with _ALL_LOCK:
                _ALL.add(file_id)
            timer = threading.Timer(EXPORT_URL_LIFETIME_S, _delete_media, args=({file_id},))
            timer.daemon = True
            timer.start()
        if on_built is not None:
            on_built(payload)
        return payload

    st.download_button(label, data=data, file_name=file_name, mime=mime, on_click="ignore", key=key)
