"""Value types of the inquiry store, shared by every backend and the UI (no streamlit, no SQL)."""

from __future__ import annotations

import re
import secrets
import unicodedata
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, timezone

import pandas as pd

# Bump when the purpose-of-use text shown above the consent box changes: each row records the
# version the person agreed to (APPI Art. 21(2) / 62: purpose shown before collection).
PRIVACY_NOTICE_VERSION = "2025-01"

JST = timezone(timedelta(hours=9), "JST")

STATUSES = ("new", "in_progress", "answered")
STATUS_LABELS = {
    "new": ("新規", "New"),
    "in_progress": ("対応中", "In progress"),
    "answered": ("回答済", "Answered"),
}

# The inquiry fields a person types, in form order (also the NewInquiry text attributes).
TEXT_FIELDS = ("article_title", "municipality", "department", "name", "phone", "email", "message")

# Columns of InboxPage.rows and export_frame(), in this order. Datetimes are tz-aware UTC.
LIST_COLUMNS = (
    "id",
    "receipt_no",
    "received_at",
    "status",
    "article_title",
    "municipality",
    "department",
    "name",
    "phone",
    "email",
    "message",
    "memo",
    "updated_at",
)

# The only columns list_page() may sort by (never interpolate a user-chosen name into SQL).
SORT_COLUMNS = ("received_at", "receipt_no", "status", "municipality", "name", "updated_at")

OUTBOX_KINDS = ("staff_notice", "ack")

# Dash look-alikes people type in phone numbers and names; NFKC leaves most of them alone.
DASHES = "ー－‐‑‒–—―−﹣ｰ"
_DASH_TABLE = str.maketrans({d: "-" for d in DASHES})
_LIKE_SPECIALS = re.compile(r"([\\%_])")
# No 0/O/1/I/L: receipt numbers are read out over the phone.
_RECEIPT_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"


@dataclass(frozen=True)
class NewInquiry:
    """What the form collected, exactly as typed."""

    article_title: str
    municipality: str
    department: str
    name: str
    phone: str
    email: str
    message: str
    consent: bool
    privacy_notice_version: str = PRIVACY_NOTICE_VERSION


@dataclass(frozen=True)
class Inquiry:
    """One stored inquiry."""

    id: int
    receipt_no: str
    received_at: datetime  # UTC, tz-aware
    submission_id: str
    article_title: str
    municipality: str
    department: str
    name: str
    phone: str
    email: str
    message: str
    consent_at: datetime  # UTC, tz-aware
    privacy_notice_version: str
    status: str
    memo: str
    updated_at: datetime  # UTC, tz-aware


@dataclass(frozen=True)
class SubmitResult:
    """Outcome of submit(); created=False means this submission_id was already stored."""

    inquiry_id: int
    receipt_no: str
    created: bool


@dataclass(frozen=True)
class InboxQuery:
    """Filter, sort and page of the staff inbox. Dates are JST calendar days, both inclusive."""

    search: str = ""
    status: str | None = None
    sort: str = "received_at"
    descending: bool = True
    page: int = 1
    page_size: int = 50
    received_from: date | None = None
    received_to: date | None = None


@dataclass(frozen=True)
class InboxPage:
    """One page of the inbox; `page` is the page actually returned (clamped to the last page)."""

    rows: pd.DataFrame
    total: int
    page: int
    page_size: int

    @property
    def page_count(self) -> int:
        """Number of pages (at least 1, so an empty inbox still has page 1)."""
        return max(1, -(-self.total // self.page_size))


@dataclass(frozen=True)
class OutboxItem:
    """A notification waiting to be sent (written in the same transaction as its inquiry)."""

    id: int
    inquiry_id: int
    receipt_no: str
    kind: str  # "staff_notice" | "ack"
    recipient: str | None  # None = the configured staff address; "ack": the sender's e-mail (NFKC copy)
    attempts: int
    next_attempt_at: datetime  # UTC, tz-aware
    last_error: str | None


# Kept although a format character (Cf): joins emoji sequences such as 👨‍💻 and shows nothing odd.
_ALLOWED_FORMAT = {"\u200d"}


def _is_hidden_control(ch: str) -> bool:
    # Cf: bidi embeddings/overrides/isolates (U+202A–202E, U+2066–2069), marks (U+200E/F, U+061C),
    # zero-width and invisible characters (U+200B, U+2060–2064, U+FEFF, U+00AD …);
    # Zl/Zp: line/paragraph separators that some viewers break on and others ignore.
    return unicodedata.category(ch) in ("Cf", "Zl", "Zp") and ch not in _ALLOWED_FORMAT


def hidden_controls(text: str) -> list[str]:
    """The distinct invisible / text-direction control characters in `text`, in order of appearance."""
    return list(dict.fromkeys(ch for ch in text if _is_hidden_control(ch)))


def visible_controls(text: str) -> str:
    """`text` with every invisible / direction control (and C0/C1 control but newline and tab) shown
    as <U+XXXX>: stored text is displayed, never applied (an RLO in a stored name must not reverse it)."""
    if not isinstance(text, str):
        return text
    out = []
    for ch in text:
        if _is_hidden_control(ch) or (unicodedata.category(ch) == "Cc" and ch not in "\n\r\t"):
            out.append(f"<U+{ord(ch):04X}>")
        else:
            out.append(ch)
    return "".join(out)


def normalise(text: str) -> str:
    """NFKC + every dash variant as '-': the copy used for checks (the typed text is stored)."""
    return unicodedata.normalize("NFKC", text).translate(_DASH_TABLE)


def search_key(text: str) -> str:
    """Width-, dash- and case-insensitive form of `text`, as stored in the search column."""
    return normalise(text).casefold()


def search_text(inquiry: NewInquiry, receipt_no: str) -> str:
    """The normalised text a search matches against (every typed field plus the receipt number)."""
    parts = [receipt_no, *(getattr(inquiry, f) for f in TEXT_FIELDS)]
    return "\n".join(search_key(p) for p in parts)


def email_key(email: str) -> str:
    """The normalised e-mail used to find one person's inquiries for erasure."""
    return search_key(email).strip()


def search_patterns(search: str) -> list[str]:
    """LIKE patterns (ESCAPE '\\') for each whitespace-separated term; all must match."""
    return ["%" + _LIKE_SPECIALS.sub(r"\\\1", t) + "%" for t in search_key(search).split()]


def new_receipt_no(now: datetime) -> str:
    """A receipt number such as 20250612-7KDM3P: JST date + 6 random characters."""
    suffix = "".join(secrets.choice(_RECEIPT_ALPHABET) for _ in range(6))
    return f"{now.astimezone(JST):%Y%m%d}-{suffix}"


def utc_now() -> datetime:
    """The current time, tz-aware UTC."""
    return datetime.now(UTC)


def as_utc(value: datetime) -> datetime:
    """A datetime as tz-aware UTC (naive values are taken to be UTC already)."""
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


def jst_day_bounds(query: InboxQuery) -> tuple[datetime | None, datetime | None]:
    """The query's JST date range as UTC [start, end) datetimes (None = unbounded)."""
    start = end = None
    if query.received_from is not None:
        start = datetime.combine(query.received_from, time(0), JST).astimezone(UTC)
    if query.received_to is not None:
        end = datetime.combine(query.received_to + timedelta(days=1), time(0), JST).astimezone(UTC)
    return start, end


def check_query(query: InboxQuery) -> None:
    """Raise ValueError for a sort column, status or paging a backend must not accept."""
    if query.sort not in SORT_COLUMNS:
        raise ValueError(f"unknown sort column: {query.sort!r}")
    if query.status is not None and query.status not in STATUSES:
        raise ValueError(f"unknown status: {query.status!r}")
    if query.page < 1 or not 1 <= query.page_size <= 1000:
        raise ValueError("page must be >= 1 and page_size 1..1000")
