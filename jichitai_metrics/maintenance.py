"""Operator commands of issue 10: `check-config` and `purge` (python -m jichitai_metrics ...).

Kept out of __main__.py so that file only registers them. No streamlit here: both run from
systemd (ExecStartPre, a timer) where the dashboard is not running.
"""

from __future__ import annotations

import argparse
import sys

from jichitai_metrics.config import config_problems, load_settings, unknown_variables
from jichitai_metrics.errors import ConfigError, StoreUnavailable

EXIT_CONFIG = 2
EXIT_STORE = 4


def add_commands(sub: argparse._SubParsersAction) -> None:
    """Register check-config and purge on the CLI's sub-parser set."""
    sub.add_parser(
        "check-config",
        help="環境変数 JICHITAI_* を検査する / check every JICHITAI_* setting (exit 2 if one is bad)",
        description="起動前に設定を検査します。誤りがあれば変数名・問題・使える値を表示して終了コード2で終わります。"
        " Checks every JICHITAI_* value; prints each problem and exits 2 if any is bad.",
    )
    sub.add_parser(
        "purge",
        help="保存期間を過ぎた問い合わせを完全に消去する / erase inquiries past JICHITAI_RETENTION_DAYS",
        description="JICHITAI_RETENTION_DAYS より古い問い合わせを消去し（ファイルを作り直します）、"
        "実行を記録します。 For the daily systemd timer (deploy/systemd/jichitai-purge.timer).",
    )


def run(args: argparse.Namespace) -> int | None:
    """Run one of this module's commands; None if the command is not ours."""
    if args.command == "check-config":
        return check_config()
    if args.command == "purge":
        return purge()
    return None


def check_config() -> int:
    """Print every problem (exit 2) or a one-line all-clear (exit 0)."""
    for name in unknown_variables():
        print(
            f"注意 / note: {name} はこのアプリでは使われません（綴りの誤り？）"
            " / is not read by the app (typo?)",
            file=sys.stderr,
        )
    problems = config_problems()
    if problems:
        print("設定に誤りがあります / invalid settings:", file=sys.stderr)
        for line in problems:
            print(f"  {line}", file=sys.stderr)
        return EXIT_CONFIG
    print("設定に問題はありません / settings OK")
    return 0


def purge() -> int:
    """One retention purge, recorded in the store (same code path as the in-app daily run)."""
    from jichitai_metrics.inquiries import open_store
    from jichitai_metrics.inquiries.retention import run_purge

    try:
        settings = load_settings()
    except ConfigError as exc:
        print(exc, file=sys.stderr)
        return EXIT_CONFIG
    try:
        store = open_store(settings)
    except StoreUnavailable as exc:
        print(f"エラー / error: {exc}", file=sys.stderr)
        return EXIT_STORE
    try:
        outcome = run_purge(store, settings.retention_days, trigger="cli")
    finally:
        store.close()
    if outcome.error:
        print(f"消去に失敗しました / purge failed: {outcome.error}", file=sys.stderr)
        return EXIT_STORE
    print(
        f"{outcome.erased}件を消去しました（保存期間 {settings.retention_days}日）/ "
        f"erased {outcome.erased} inquiries older than {settings.retention_days} days"
    )
    return 0
