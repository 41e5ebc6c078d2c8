"""Value types for the staff audit log and the sign-in throttle, shared by both store backends.

Audit rows hold who, when, from where, what and which receipt numbers: never an inquirer's name,
phone, e-mail or text, so erasing a person leaves the log intact and lawful.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

# What staff did. The Japanese label is what the inbox shows.
AUDIT_ACTIONS: dict[str, tuple[str, str]] = {
    "sign_in": ("サインイン", "Signed in"),
    "sign_in_failed": ("サインイン失敗", "Sign-in failed"),
    "sign_in_refused": ("サインイン拒否（許可リスト外）", "Sign-in refused (not on the list)"),
    "password_paused": ("パスワードでのサインインを一時停止", "Password sign-in paused"),
    "sign_out": ("サインアウト", "Signed out"),
    "view": ("詳細を表示", "Opened details"),
    "update": ("状態・メモを変更", "Changed status/memo"),
    "export": ("CSVを書き出し", "Exported CSV"),
    "audit_export": ("操作記録を書き出し", "Exported the audit log"),
    "erase": ("本人の請求で削除", "Erased on request"),
    "purge": ("保存期間切れを削除", "Purged (retention)"),
    "catalogue_publish": ("レポートを公開（編集者）", "Published a report (editor)"),
}
AUDIT_COLUMNS = ("id", "at", "actor", "action", "address", "receipts", "detail")
# The time column is `occurred_at` in SQL ("at" is a keyword in DuckDB); frames call it "at".
AUDIT_SELECT = "id, occurred_at AS at_utc, actor, action, address, receipts, detail"
SHARED_PASSWORD_ACTOR = "共有パスワード"


@dataclass(frozen=True)
class AuditEntry:
    """One thing a member of staff did (or tried). `at` None = now."""

    actor: str
    action: str
    address: str
    receipts: tuple[str, ...] = ()
    detail: str = ""
    at: datetime | None = field(default=None)

    def __post_init__(self) -> None:
        if self.action not in AUDIT_ACTIONS:
            raise ValueError(f"unknown audit action {self.action!r}")


@dataclass(frozen=True)
class SignInFailures:
    """What the store knows about recent wrong passwords (the policy is in staffauth)."""

    address_count: int  # from this address since its last success, within the counting window
    address_last: datetime | None  # UTC, the latest of those
    global_last_hour: int  # from every address in the last hour
    global_oldest_in_hour: datetime | None  # UTC, the oldest failure of that hour
