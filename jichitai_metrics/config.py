"""Settings from environment variables: the configuration contract in docs/ARCHITECTURE.md."""

from __future__ import annotations

import logging
import os
from dataclasses import dataclass, field
from pathlib import Path

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


def _flag(value: str | None) -> bool:
    return (value or "").strip().lower() in {"1", "true", "yes", "on"}


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
    data_dir = Path(env.get("JICHITAI_DATA_DIR") or REPO_ROOT / "data")
    db_path = Path(env.get("JICHITAI_DB_PATH") or REPO_ROOT / "var" / "jichitai.duckdb")
    retention_raw = env.get("JICHITAI_RETENTION_DAYS") or "365"
    try:
        retention_days = int(retention_raw)
    except ValueError:
        retention_days = 365
    smtp = SmtpSettings(
        host=env.get("JICHITAI_SMTP_HOST") or None,
        port=int(env.get("JICHITAI_SMTP_PORT") or 25),
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
        admin_password_hash=env.get("JICHITAI_ADMIN_PASSWORD_HASH") or None,
        staff_emails=parse_allow_list(env.get("JICHITAI_STAFF_EMAILS")),
    )
