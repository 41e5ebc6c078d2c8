"""Who may open the staff inbox: password hashing and rules, the sign-in throttle, the e-mail allow list.

No streamlit here (jichitai_metrics/ui/staff.py is the screen); every rule is a plain function so
it can be tested without a server.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from jichitai_metrics.inquiries.audit import SignInFailures

# -- passwords --------------------------------------------------------------------------------------

MIN_PASSWORD_LENGTH = 12
# Values from examples and templates that someone may forget to change (compared case-insensitively,
# ignoring "-", "_" and spaces).
PLACEHOLDERS = frozenset(
    {
        "changeme",
        "changemenow",
        "password",
        "passw0rd",
        "admin",
        "adminpassword",
        "secret",
        "example",
        "yourpassword",
        "xxxxxxxxxxxx",
        "123456789012",
        "jichitai",
        "jichitaimetrics",
        "todo",
        "replaceme",
    }
)
# scrypt cost: ~16 MiB and ~50 ms per check on this machine: slow for a guesser, fine for one sign-in.
_SCRYPT_N, _SCRYPT_R, _SCRYPT_P, _SCRYPT_LEN = 2**14, 8, 1, 32


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """`scrypt$N$r$p$salt$hash` (base64) for JICHITAI_ADMIN_PASSWORD_HASH."""
    salt = salt or secrets.token_bytes(16)
    digest = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=_SCRYPT_N, r=_SCRYPT_R, p=_SCRYPT_P, dklen=_SCRYPT_LEN
    )
    b64 = base64.b64encode
    return f"scrypt${_SCRYPT_N}${_SCRYPT_R}${_SCRYPT_P}${b64(salt).decode()}${b64(digest).decode()}"


def _parse_hash(encoded: str) -> tuple[int, int, int, bytes, bytes]:
    scheme, n, r, p, salt, digest = encoded.strip().split("$")
    if scheme != "scrypt":
        raise ValueError("not an scrypt hash")
    values = (
        int(n),
        int(r),
        int(p),
        base64.b64decode(salt, validate=True),
        base64.b64decode(digest, validate=True),
    )
    if values[0] < 2**14 or values[0] & (values[0] - 1) or not values[3] or len(values[4]) < 16:
        raise ValueError("scrypt parameters too weak")
    return values


def verify_password(password: str, encoded: str) -> bool:
    """True when `password` matches the scrypt hash (constant-time comparison)."""
    try:
        n, r, p, salt, digest = _parse_hash(encoded)
    except ValueError:
        return False
    given = hashlib.scrypt(
        password.encode("utf-8"), salt=salt, n=n, r=r, p=p, dklen=len(digest), maxmem=256 * 1024 * 1024
    )
    return hmac.compare_digest(given, digest)


def is_placeholder(password: str) -> bool:
    """A template value such as CHANGE-ME (any case, with or without separators)."""
    squashed = "".join(ch for ch in password.lower() if ch not in "-_ .")
    return squashed in PLACEHOLDERS or "changeme" in squashed


@dataclass(frozen=True)
class PasswordRule:
    """How the shared password is configured: usable (with a hash to check against) or why not."""

    encoded: str | None  # scrypt hash to verify against; None = password sign-in is off
    problem_ja: str = ""
    problem_en: str = ""

    @property
    def usable(self) -> bool:
        return self.encoded is not None

    @property
    def configured(self) -> bool:
        """Something was set (even if it is refused): the inbox should say why it is off."""
        return self.usable or bool(self.problem_ja)


def password_rule(password_hash: str | None, plain: str | None) -> PasswordRule:
    """The hash wins; a plain password must be long and not a template value, else the inbox stays off."""
    if password_hash:
        try:
            _parse_hash(password_hash)
        except ValueError:
            return PasswordRule(
                None,
                "JICHITAI_ADMIN_PASSWORD_HASH の形式が正しくありません。"
                "`python -m jichitai_metrics hash-password` で作り直してください。",
                "JICHITAI_ADMIN_PASSWORD_HASH is malformed: make a new one with "
                "`python -m jichitai_metrics hash-password`.",
            )
        return PasswordRule(password_hash.strip())
    if not plain:
        return PasswordRule(None)
    if is_placeholder(plain):
        return PasswordRule(
            None,
            "管理者パスワードが例の値（CHANGE-ME など）のままです。受付箱は無効です。",
            "The admin password is still a template value (such as CHANGE-ME): the inbox is off.",
        )
    if len(plain) < MIN_PASSWORD_LENGTH:
        return PasswordRule(
            None,
            f"管理者パスワードが短すぎます（{MIN_PASSWORD_LENGTH}文字以上にしてください）。"
            "受付箱は無効です。",
            f"The admin password is too short (use at least {MIN_PASSWORD_LENGTH} characters): "
            "the inbox is off.",
        )
    # A fixed salt derived from nothing secret is fine here: the plain value is in memory anyway;
    # hashing it once per process keeps one code path for checking.
    return PasswordRule(_hash_plain_cached(plain))


_PLAIN_CACHE: dict[str, str] = {}


def _hash_plain_cached(plain: str) -> str:
    key = hashlib.sha256(plain.encode("utf-8")).hexdigest()
    if key not in _PLAIN_CACHE:
        _PLAIN_CACHE.clear()  # only the current password is ever needed
        _PLAIN_CACHE[key] = hash_password(plain)
    return _PLAIN_CACHE[key]


# -- throttle ---------------------------------------------------------------------------------------

FREE_FAILURES = 5  # per address; the 5th wrong password starts the wait
FIRST_WAIT = timedelta(minutes=1)  # then 2, 4, 8, 16 (>= 15 min from the 9th failure), ...
MAX_WAIT = timedelta(hours=1)
COUNT_WINDOW = timedelta(hours=24)  # failures older than this no longer count against an address
GLOBAL_LIMIT = 50  # wrong passwords per hour from all addresses together: password sign-in pauses
GLOBAL_WINDOW = timedelta(hours=1)


def address_wait(failures: int) -> timedelta:
    """How long an address waits after its `failures`-th wrong password (0 before the 5th)."""
    if failures < FREE_FAILURES:
        return timedelta(0)
    return min(MAX_WAIT, FIRST_WAIT * 2 ** (failures - FREE_FAILURES))


@dataclass(frozen=True)
class ThrottleState:
    address_until: datetime | None  # this address may try again from then
    global_until: datetime | None  # password sign-in is paused for everyone until then

    @property
    def blocked_until(self) -> datetime | None:
        times = [t for t in (self.address_until, self.global_until) if t is not None]
        return max(times) if times else None


def throttle_state(f: SignInFailures, now: datetime) -> ThrottleState:
    """Whether a password attempt from this address may be checked now."""
    address_until = None
    if f.address_last is not None and f.address_count >= FREE_FAILURES:
        until = f.address_last + address_wait(f.address_count)
        address_until = until if until > now else None
    global_until = None
    if f.global_last_hour >= GLOBAL_LIMIT and f.global_oldest_in_hour is not None:
        global_until = max(f.global_oldest_in_hour + GLOBAL_WINDOW, now + timedelta(seconds=1))
    return ThrottleState(address_until, global_until)


# -- OIDC allow list --------------------------------------------------------------------------------


def parse_allow_list(raw: str | None) -> tuple[str, ...]:
    """JICHITAI_STAFF_EMAILS: comma/space-separated addresses and `@domain` entries, lower-cased."""
    return tuple(e.strip().lower() for e in (raw or "").replace(",", " ").split() if e.strip())


def email_allowed(email: str | None, allow: tuple[str, ...], *, verified: object = None) -> bool:
    """Exact address, or an `@domain` entry matching the whole domain (not a suffix of another one).

    `verified` is the provider's email_verified claim: an explicit False refuses (anyone can type an
    unverified address into some providers' profiles).
    """
    if not email or not allow or verified is False or str(verified).lower() == "false":
        return False
    email = email.strip().lower()
    if email.count("@") != 1:
        return False
    domain = "@" + email.split("@", 1)[1]
    return any(entry == email or (entry.startswith("@") and entry == domain) for entry in allow)
