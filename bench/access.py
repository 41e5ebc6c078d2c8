"""Attack the staff inbox the way a bot would (bare WebSocket sessions, no browser) and report figures.

    .venv/bin/python bench/access.py --root /work/base   # BEFORE (the starting commit)
    .venv/bin/python bench/access.py                      # AFTER (this checkout)

Each part starts the app of `--root` with that checkout's own .venv on a free loopback port and a
throw-away database, and measures:
- guesses: wrong passwords the server really checked per minute, each guess on whatever session
  still lets it guess, opening a new session (new WebSocket) when one is told to wait; then
  whether the right password gets in at the end (it must not, during a lockout);
- placeholder: whether `CHANGE-ME` (deploy/env.example) is accepted as the password;
- export: the HTTP status of the inbox's CSV URL fetched without cookies, after sign-out, and
  after a newer export replaced it.
Bounded: loopback only, `--seconds` of guessing (default 30).
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

HERE = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(HERE))

from tests.botclient import BotError, BotSession  # noqa: E402
from tests.support import free_port, wait_healthy  # noqa: E402

RIGHT = "bench-correct-horse-42"
WRONG_MSG = "パスワードが違います"


@contextmanager
def app(root: Path, env: dict[str, str]) -> Iterator[str]:
    port = free_port()
    with tempfile.TemporaryDirectory() as tmp:
        full = {**os.environ, "JICHITAI_DB_PATH": f"{tmp}/s.duckdb", "JICHITAI_DATABASE_URL": "", **env}
        if "JICHITAI_ADMIN_PASSWORD_HASH" not in env:
            full.pop("JICHITAI_ADMIN_PASSWORD_HASH", None)
        proc = subprocess.Popen(
            [
                str(root / ".venv/bin/python"),
                "-m",
                "streamlit",
                "run",
                "dashboard.py",
                "--server.port",
                str(port),
                "--server.address",
                "127.0.0.1",
                "--server.headless",
                "true",
                "--browser.gatherUsageStats",
                "false",
                "--server.fileWatcherType",
                "none",
            ],
            cwd=root,
            env=full,
            stdout=open(f"{tmp}/log", "w"),
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        url = f"http://127.0.0.1:{port}"
        try:
            wait_healthy(url, proc)
            yield url
        finally:
            proc.terminate()
            proc.wait(timeout=15)


def seed(root: Path, db: str) -> None:
    code = (
        "from jichitai_metrics.config import load_settings\n"
        "from jichitai_metrics.inquiries import NewInquiry, open_store\n"
        "s = open_store(load_settings())\n"
        "s.submit(NewInquiry('記事', '架空市', '企画課', '試験 花子', '03-1234-5678', 'hanako@example.jp',"
        " '質問', True), 'bench-seed-1')\n"
        "s.close()\n"
    )
    env = {**os.environ, "JICHITAI_DB_PATH": db, "JICHITAI_DATABASE_URL": ""}
    subprocess.run([str(root / ".venv/bin/python"), "-c", code], cwd=root, env=env, check=True)


def guess_rate(url: str, seconds: float) -> dict:
    checked = sessions = throttled = 0
    start = time.time()
    while time.time() - start < seconds:
        sessions += 1
        with BotSession(url, page="inbox") as bot:
            while time.time() - start < seconds:
                if not bot.has_widget("パスワード"):
                    throttled += 1  # the form is gone: this session (or address) may not guess now
                    break
                bot.set("パスワード", f"wrong-guess-{checked:05d}").click("ログイン")
                if any(WRONG_MSG in a for a in bot.alerts("error")):
                    checked += 1
                else:
                    throttled += 1
                    break
    elapsed = time.time() - start
    with BotSession(url, page="inbox") as bot:
        right_accepted = False
        if bot.has_widget("パスワード"):
            bot.set("パスワード", RIGHT).click("ログイン")
            right_accepted = bot.has_widget("ログアウト")
    return {
        "checked_guesses": checked,
        "seconds": round(elapsed, 1),
        "per_minute": round(checked / elapsed * 60),
        "sessions": sessions,
        "told_to_wait": throttled,
        "right_password_after_accepted": right_accepted,
    }


def placeholder(root: Path) -> dict:
    with app(root, {"JICHITAI_ADMIN_PASSWORD": "CHANGE-ME"}) as url, BotSession(url, page="inbox") as bot:
        shown = bot.texts()
        if not bot.has_widget("パスワード"):
            return {"CHANGE-ME_accepted": False, "inbox_says": shown.splitlines()[-1][:160]}
        bot.set("パスワード", "CHANGE-ME").click("ログイン")
        return {"CHANGE-ME_accepted": bot.has_widget("ログアウト")}


def sign_in(bot: BotSession) -> None:
    bot.set("パスワード", RIGHT).click("ログイン")
    if not bot.has_widget("ログアウト"):
        raise BotError("could not sign in: " + bot.texts()[-300:])


def export_url(bot: BotSession) -> str:
    if bot.has_widget("CSVを作成する"):
        bot.click("CSVを作成する")
    return bot.download("ダウンロード（")


def exports(root: Path, lifetime: float) -> dict:
    out: dict = {}
    with tempfile.TemporaryDirectory() as tmp:
        db = f"{tmp}/e.duckdb"
        seed(root, db)
        with app(root, {"JICHITAI_ADMIN_PASSWORD": RIGHT, "JICHITAI_DB_PATH": db}) as url:
            with BotSession(url, page="inbox") as bot:
                sign_in(bot)
                first = export_url(bot)
                status, body = bot.fetch(first)
                out["no_cookie"] = status
                out["no_cookie_has_personal_data"] = "hanako@example.jp" in body.decode(
                    "utf-8-sig", "replace"
                )
                # A newer export (other encoding, so other bytes) from the same session.
                bot.set("文字コード", "Shift_JIS（CP932）", "radio").rerun()
                second = export_url(bot)
                out["older_after_newer_export"] = bot.fetch(first)[0] if second != first else "same URL"
                if lifetime:
                    time.sleep(lifetime)
                    out[f"newer_export_after_{lifetime:.0f}s_signed_in"] = bot.fetch(second)[0]
                    bot.rerun()
                    second = export_url(bot)
                bot.click("ログアウト")
                out["after_sign_out"] = bot.fetch(second)[0]
                out["after_sign_out_with_cookies"] = bot.fetch(second, with_cookies=True)[0]
    return out


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--root", type=Path, default=HERE)
    ap.add_argument("--seconds", type=float, default=30.0)
    ap.add_argument(
        "--url-wait",
        type=float,
        default=0.0,
        help="also fetch an export URL this many seconds after it was made, still signed in",
    )
    args = ap.parse_args()
    root = args.root.resolve()
    report: dict = {"root": str(root)}
    with app(root, {"JICHITAI_ADMIN_PASSWORD": RIGHT}) as url:
        report["guesses"] = guess_rate(url, args.seconds)
    report["placeholder"] = placeholder(root)
    report["export"] = exports(root, args.url_wait)
    print(json.dumps(report, ensure_ascii=False, indent=2))


if __name__ == "__main__":
    main()
