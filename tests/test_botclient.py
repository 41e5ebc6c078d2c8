"""The protocol-level bot client against a real server: reads pages, finds widgets, acts like a bot."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest

from jichitai_metrics.ui.inquiry_form import COMPONENT_NAME, SUBMIT_EVENT
from tests.botclient import BotError, BotSession
from tests.support import html_links, running_app

PASSWORD = "botclient-test-pass-1"


@pytest.fixture(scope="module")
def app(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    tmp: Path = tmp_path_factory.mktemp("bot")
    env = {"JICHITAI_DB_PATH": str(tmp / "store.duckdb"), "JICHITAI_ADMIN_PASSWORD": PASSWORD}
    with running_app(env, log=tmp / "server.log") as url:
        yield url


def test_reads_the_overview_like_a_visitor(app: str) -> None:
    with BotSession(app) as bot:
        assert bot.runs == 1
        assert "215人" in bot.texts()
        assert "申込者数" in bot.texts()
        assert bot.exceptions == []
        # The language switch: a link to this page in English (the bot sees what a browser would follow).
        links = html_links(n.proto.body for n in bot.elements("html"))
        assert links["English"] == "./?lang=en"


def test_inbox_password_field_and_a_wrong_guess(app: str) -> None:
    with BotSession(app, page="inbox") as bot:
        assert "受付箱（職員用）" in bot.texts()
        field = bot.widget("パスワード", "text_input")
        assert field.proto.type == field.proto.PASSWORD
        bot.set("パスワード", "not it").click("ログイン")
        assert any("パスワードが違います" in a for a in bot.alerts("error"))
        assert not bot.has_widget("ログアウト")
        assert bot.exceptions == []


def test_each_session_is_new_on_the_server(app: str) -> None:
    # Signed in on one WebSocket; a second WebSocket is a stranger (no shared session state).
    with BotSession(app, page="inbox") as first:
        first.set("パスワード", PASSWORD).click("ログイン")
        assert first.has_widget("ログアウト", "button")
        with BotSession(app, page="inbox") as second:
            assert second.has_widget("パスワード") and not second.has_widget("ログアウト")


def test_missing_widget_is_a_clear_error(app: str) -> None:
    with BotSession(app) as bot, pytest.raises(BotError, match="0 widgets labelled"):
        bot.widget("存在しないボタン")


def test_goto_and_query_string(app: str) -> None:
    with BotSession(app, page="program", query="program=2") as bot:
        assert "Program2" in bot.texts() or "加山" in bot.texts()
        bot.goto("inquiry")
        labels = [f["label"] for f in bot.component_data(COMPONENT_NAME)["fields"]]
        assert "ご相談内容" in labels


def test_a_component_event_reaches_the_app_and_junk_types_count_as_empty(app: str) -> None:
    # What a bot can send that a browser would not: a number for text, "yes" for consent.
    with BotSession(app, page="inquiry") as bot:
        bot.trigger(COMPONENT_NAME, SUBMIT_EVENT, {"name": "ボット 太郎", "phone": 12345, "consent": "yes"})
        fields = {f["name"]: f for f in bot.component_data(COMPONENT_NAME)["fields"]}
        assert fields["name"]["value"] == "ボット 太郎" and fields["name"]["error"] is None
        assert fields["phone"]["value"] == "" and "電話番号" in fields["phone"]["error"]
        assert fields["consent"]["value"] is False and "同意" in fields["consent"]["error"]
        assert not bot.has_widget("送信")  # still on the input screen
        assert bot.exceptions == []
