"""Settings from environment variables: the configuration contract in docs/ARCHITECTURE.md."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

from jichitai_metrics.errors import ConfigError
from jichitai_metrics.netaddr import IPNetwork, parse_trusted_proxies
from jichitai_metrics.staffauth import parse_allow_list

REPO_ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class SmtpSettings:
    host: str | None = None
    port: int = 25
    user: str | None = None
    password: str | None = None
    sender: str | None = None
    to: str | None = None
    starttls: bool = False
    acknowledge_sender: bool = False

    @property
    def enabled(self) -> bool:
        return bool(self.host and self.to and self.sender)


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    db_path: Path
    database_url: str | None
    admin_password: str | None
    base_url: str
    retention_days: int
    smtp: SmtpSettings = field(default_factory=SmtpSettings)
    # Proxies whose X-Forwarded-For / X-Real-IP we believe (JICHITAI_TRUSTED_PROXIES, IPs/CIDRs).
    trusted_proxies: tuple[IPNetwork, ...] = ()
    # scrypt hash of the shared inbox password (JICHITAI_ADMIN_PASSWORD_HASH); wins over the plain one.
    admin_password_hash: str | None = None
    # OIDC sign-in allow list (JICHITAI_STAFF_EMAILS): exact addresses and "@domain" entries.
    staff_emails: tuple[str, ...] = ()
    # Store-backed limits of the public form (issue 10): per client address, and the notice ceiling.
    inquiry_limit_per_hour: int = 5
    notice_ceiling_per_hour: int = 60


_TRUE = {"1", "true", "yes", "on"}
_FALSE = {"", "0", "false", "no", "off"}


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in _TRUE


def _value(env: dict[str, str], name: str) -> str:
    return (env.get(name) or "").strip()


def _trusted_proxies(raw: str | None) -> tuple[IPNetwork, ...]:
    # A typo must not stop every page: trust no proxy (fail closed) and say so in the log.
    try:
        return parse_trusted_proxies(raw)
    except ValueError as exc:
        log.error("%s; trusting no proxy", exc)
        return ()


def load_settings(env: dict[str, str] | None = None) -> Settings:
    """Read settings now; cheap, so callers never hold stale values after an env change."""
    env = dict(os.environ) if env is None else env
    require_valid(env)  # a bad value stops here with a message naming it, never deep in a page
    data_dir = Path(env.get("JICHITAI_DATA_DIR") or REPO_ROOT / "data")
    db_path = Path(env.get("JICHITAI_DB_PATH") or REPO_ROOT / "var" / "jichitai.duckdb")
    retention_days = int(_value(env, "JICHITAI_RETENTION_DAYS") or DEFAULT_RETENTION_DAYS)
    smtp = SmtpSettings(
        host=env.get("JICHITAI_SMTP_HOST") or None,
        port=int(_value(env, "JICHITAI_SMTP_PORT") or 25),
        user=env.get("JICHITAI_SMTP_USER") or None,
        password=env.get("JICHITAI_SMTP_PASSWORD") or None,
        sender=env.get("JICHITAI_SMTP_FROM") or None,
        to=env.get("JICHITAI_SMTP_TO") or None,
        starttls=_flag(env.get("JICHITAI_SMTP_STARTTLS")),
        acknowledge_sender=_flag(env.get("JICHITAI_SMTP_ACK")),
    )
    return Settings(
        data_dir=data_dir,
        db_path=db_path,
        database_url=env.get("JICHITAI_DATABASE_URL") or None,
        admin_password=env.get("JICHITAI_ADMIN_PASSWORD") or None,
        base_url=(env.get("JICHITAI_BASE_URL") or "http://localhost:8501").rstrip("/"),
        retention_days=retention_days,
        smtp=smtp,
        trusted_proxies=_trusted_proxies(env.get("JICHITAI_TRUSTED_PROXIES")),
        inquiry_limit_per_hour=int(_value(env, "JICHITAI_INQUIRY_LIMIT_PER_HOUR") or 5),
        notice_ceiling_per_hour=int(_value(env, "JICHITAI_NOTICE_CEILING_PER_HOUR") or 60),
        admin_password_hash=env.get("JICHITAI_ADMIN_PASSWORD_HASH") or None,
        staff_emails=parse_allow_list(env.get("JICHITAI_STAFF_EMAILS")),
    )


# -- validation: every JICHITAI_* value is checked once, at start (issue 10) ------------------------

DEFAULT_RETENTION_DAYS = 365
# Retention: at least a day (0 would erase an inquiry before anyone reads it); at most ten years
# (a longer period is a typo, and a date that far back is outside what Python can represent).
RETENTION_RANGE = (1, 3650)
# Store-backed limits on the public form (JICHITAI_INQUIRY_LIMIT_PER_HOUR etc.), see inquiries/limits.py.
INQUIRY_LIMIT_RANGE = (1, 10000)
NOTICE_CEILING_RANGE = (1, 10000)


def _int_rule(low: int, high: int):
    def check(raw: str) -> str | None:
        try:
            value = int(raw)
        except ValueError:
            return f"整数ではありません / not a whole number (allowed: {low}–{high})"
        if not low <= value <= high:
            return f"範囲外です / out of range (allowed: {low}–{high})"
        return None
    return check


def _flag_rule(raw: str) -> str | None:
    if raw.lower() in _TRUE | _FALSE:
        return None
    return "オン/オフの値ではありません / not an on/off value (allowed: 1, 0, true, false, yes, no, on, off)"


def _url_rule(raw: str) -> str | None:
    from urllib.parse import urlsplit

    parts = urlsplit(raw)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        return "URLではありません / not a URL (allowed: http://host[:port][/path] or https://…)"
    return None


def _database_url_rule(raw: str) -> str | None:
    if not raw.startswith(("postgresql://", "postgres://")):
        return "PostgreSQL の URL ではありません / not a PostgreSQL URL (allowed: postgresql://user@host:port/db)"
    return None


def _dir_rule(raw: str) -> str | None:
    if Path(raw).is_dir():
        return None
    return "フォルダがありません / no such folder (allowed: an existing folder)"


def _db_path_rule(raw: str) -> str | None:
    if Path(raw).is_dir():
        return "フォルダです / is a folder (allowed: a file path such as /var/lib/jichitai/inquiries.duckdb)"
    return None


def _host_rule(raw: str) -> str | None:
    if any(ch.isspace() for ch in raw) or "/" in raw:
        return "ホスト名ではありません / not a host name (allowed: a host name or IP address)"
    return None


def _emails_rule(allow_domains: bool):
    def check(raw: str) -> str | None:
        from jichitai_metrics.inquiries.validation import email_ok

        entries = [e for e in raw.replace(",", " ").split() if e]
        for entry in entries:
            if allow_domains and entry.startswith("@"):
                domain = entry[1:]
                if "." in domain and "@" not in domain and email_ok("x" + entry):
                    continue
            elif email_ok(entry) and entry.isascii():
                continue
            allowed = "e-mail address(es)"
            if allow_domains:
                allowed = "addresses or @domain entries, comma-separated"
            return f"{entry!r} はメールアドレスではありません / is not valid (allowed: {allowed})"
        return None
    return check


def _proxies_rule(raw: str) -> str | None:
    try:
        parse_trusted_proxies(raw)
    except ValueError as exc:
        return f"{str(exc).split(': ', 1)[-1]} (allowed: IP addresses or CIDRs, comma-separated)"
    return None


def _password_hash_rule(raw: str) -> str | None:
    # The same parser the sign-in uses (issue 9's staffauth), so "valid here" means "usable there".
    from jichitai_metrics.staffauth import _parse_hash

    try:
        _parse_hash(raw)
    except (ValueError, TypeError):
        return ("パスワードのハッシュではありません / not a usable password hash "
                "(allowed: scrypt$… as printed by python -m jichitai_metrics hash-password)")
    return None


def _anything(raw: str) -> str | None:
    return None


# Every variable the app reads, with its rule. Adding a setting means adding it here too:
# tests/test_config.py fails for a JICHITAI_ name used in the package but missing from this table.
RULES = {
    "JICHITAI_DATA_DIR": _dir_rule,
    "JICHITAI_DB_PATH": _db_path_rule,
    "JICHITAI_DATABASE_URL": _database_url_rule,
    "JICHITAI_ADMIN_PASSWORD": _anything,  # strength is judged by the inbox (issue 9), which says why
    "JICHITAI_ADMIN_PASSWORD_HASH": _password_hash_rule,
    "JICHITAI_STAFF_EMAILS": _emails_rule(allow_domains=True),
    "JICHITAI_TRUSTED_PROXIES": _proxies_rule,
    "JICHITAI_BASE_URL": _url_rule,
    "JICHITAI_RETENTION_DAYS": _int_rule(*RETENTION_RANGE),
    "JICHITAI_INQUIRY_LIMIT_PER_HOUR": _int_rule(*INQUIRY_LIMIT_RANGE),
    "JICHITAI_NOTICE_CEILING_PER_HOUR": _int_rule(*NOTICE_CEILING_RANGE),
    "JICHITAI_SMTP_HOST": _host_rule,
    "JICHITAI_SMTP_PORT": _int_rule(1, 65535),
    "JICHITAI_SMTP_USER": _anything,
    "JICHITAI_SMTP_PASSWORD": _anything,
    "JICHITAI_SMTP_FROM": _emails_rule(allow_domains=False),
    "JICHITAI_SMTP_TO": _emails_rule(allow_domains=False),
    "JICHITAI_SMTP_STARTTLS": _flag_rule,
    "JICHITAI_SMTP_ACK": _flag_rule,
}
# Read by the test harness only (tests/servers.py), never by the app.
NOT_APP_SETTINGS = {"JICHITAI_PG_BIN"}


def config_problems(env: dict[str, str] | None = None) -> list[str]:
    """One line per bad value: the variable, its problem and the allowed range (empty = all good)."""
    env = dict(os.environ) if env is None else env
    problems = []
    for name, rule in RULES.items():
        raw = _value(env, name)
        if not raw:
            continue  # unset or blank means "use the default"
        problem = rule(raw)
        if problem:
            shown = "（非表示）/ (hidden)" if "PASSWORD" in name else repr(raw[:80])
            problems.append(f"{name}={shown}: {problem}")
    if _value(env, "JICHITAI_SMTP_HOST") and not (_value(env, "JICHITAI_SMTP_FROM")
                                                  and _value(env, "JICHITAI_SMTP_TO")):
        problems.append("JICHITAI_SMTP_HOST: JICHITAI_SMTP_FROM と JICHITAI_SMTP_TO も設定してください / "
                        "is set but JICHITAI_SMTP_FROM and JICHITAI_SMTP_TO are not (no mail would be sent)")
    return problems


def unknown_variables(env: dict[str, str] | None = None) -> list[str]:
    """JICHITAI_* names the app does not read (usually a typo); reported, not fatal."""
    env = dict(os.environ) if env is None else env
    known = RULES.keys() | NOT_APP_SETTINGS
    return sorted(k for k in env if k.startswith("JICHITAI_") and k not in known)


_checked: dict[tuple, tuple[str, ...]] = {}


def require_valid(env: dict[str, str]) -> None:
    """Raise ConfigError listing every bad JICHITAI_* value (checked once per distinct setting)."""
    key = tuple(sorted((k, v) for k, v in env.items() if k.startswith("JICHITAI_")))
    problems = _checked.get(key)
    if problems is None:
        problems = tuple(config_problems(env))
        if len(_checked) > 64:  # tests build many environments; a server has one
            _checked.clear()
        _checked[key] = problems
    if problems:
        raise ConfigError(list(problems))
