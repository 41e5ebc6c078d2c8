"""Settings are checked once at start: a bad JICHITAI_* value names itself, its problem and the range."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest
from streamlit.testing.v1 import AppTest

from jichitai_metrics import config
from jichitai_metrics.config import RULES, config_problems, load_settings
from jichitai_metrics.errors import ConfigError
from tests.support import REPO_ROOT


@pytest.mark.parametrize(
    ("name", "value", "allowed"),
    [
        ("JICHITAI_SMTP_PORT", "abc", "1–65535"),
        ("JICHITAI_SMTP_PORT", "70000", "1–65535"),
        ("JICHITAI_RETENTION_DAYS", "abc", "1–3650"),
        ("JICHITAI_RETENTION_DAYS", "-1", "1–3650"),
        ("JICHITAI_RETENTION_DAYS", "0", "1–3650"),
        ("JICHITAI_RETENTION_DAYS", "99999999", "1–3650"),
        ("JICHITAI_SMTP_ACK", "maybe", "on, off"),
        ("JICHITAI_BASE_URL", "dx-metrics.example.lg.jp", "https://"),
        ("JICHITAI_DATABASE_URL", "mysql://x", "postgresql://"),
        ("JICHITAI_TRUSTED_PROXIES", "10.0.0.1, nginx", "CIDR"),
        ("JICHITAI_STAFF_EMAILS", "a@city.example.jp, bob", "@domain"),
        ("JICHITAI_ADMIN_PASSWORD_HASH", "plain text", "hash-password"),
        ("JICHITAI_INQUIRY_LIMIT_PER_HOUR", "0", "1–10000"),
    ],
)
def test_bad_value_stops_with_one_message_naming_it(name, value, allowed):
    with pytest.raises(ConfigError) as err:
        load_settings({name: value})
    assert len(err.value.problems) == 1
    line = err.value.problems[0]
    assert line.startswith(f"{name}=") and allowed in line


def test_several_bad_values_are_all_listed_and_passwords_are_not_echoed():
    problems = config_problems(
        {
            "JICHITAI_SMTP_PORT": "x",
            "JICHITAI_RETENTION_DAYS": "y",
            "JICHITAI_ADMIN_PASSWORD_HASH": "secret value",
        }
    )
    assert [p.split("=")[0] for p in problems] == [
        "JICHITAI_ADMIN_PASSWORD_HASH",
        "JICHITAI_RETENTION_DAYS",
        "JICHITAI_SMTP_PORT",
    ]
    assert "secret value" not in "\n".join(problems)


def test_good_values_and_defaults_load():
    s = load_settings(
        {
            "JICHITAI_SMTP_PORT": "587",
            "JICHITAI_RETENTION_DAYS": "30",
            "JICHITAI_SMTP_ACK": "off",
            "JICHITAI_TRUSTED_PROXIES": "10.0.0.0/8, ::1",
            "JICHITAI_STAFF_EMAILS": "a@city.example.jp @pref.example.lg.jp",
        }
    )
    assert (s.smtp.port, s.retention_days, s.smtp.acknowledge_sender) == (587, 30, False)
    assert load_settings({}).retention_days == 365


def test_half_configured_mail_is_reported():
    assert any("JICHITAI_SMTP_FROM" in p for p in config_problems({"JICHITAI_SMTP_HOST": "mail.example.jp"}))


def test_every_jichitai_variable_the_package_reads_has_a_rule():
    used = set()
    for path in (REPO_ROOT / "jichitai_metrics").rglob("*.py"):
        used |= set(re.findall(r'"(JICHITAI_[A-Z_]+)"', path.read_text(encoding="utf-8")))
    missing = used - set(RULES) - config.NOT_APP_SETTINGS
    assert not missing, f"no validation rule for {sorted(missing)}"


def _cli(env: dict[str, str]) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in __import__("os").environ.items() if not k.startswith("JICHITAI_")}
    return subprocess.run(
        [sys.executable, "-m", "jichitai_metrics", "check-config"],
        cwd=REPO_ROOT,
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
    )


def test_check_config_cli_exit_codes():
    bad = _cli({"JICHITAI_SMTP_PORT": "abc"})
    assert bad.returncode == 2
    assert "JICHITAI_SMTP_PORT='abc'" in bad.stderr and "1–65535" in bad.stderr
    assert "Traceback" not in bad.stderr
    good = _cli({"JICHITAI_RETENTION_DAYS": "30"})
    assert good.returncode == 0, good.stderr
    typo = _cli({"JICHITAI_RETENTON_DAYS": "30"})
    assert typo.returncode == 0 and "JICHITAI_RETENTON_DAYS" in typo.stderr


def test_every_page_shows_the_message_instead_of_breaking(monkeypatch, tmp_db_path):
    monkeypatch.setenv("JICHITAI_DB_PATH", str(tmp_db_path))
    monkeypatch.setenv("JICHITAI_SMTP_PORT", "abc")
    at = AppTest.from_file(str(REPO_ROOT / "dashboard.py"), default_timeout=60)
    at.run()
    assert not at.exception
    assert any("設定に誤り" in e.value for e in at.error)
    assert any("JICHITAI_SMTP_PORT='abc'" in c.value for c in at.code)


def test_public_notice_shows_the_validated_retention(monkeypatch):
    from jichitai_metrics.ui.inquiry import privacy_notice

    monkeypatch.setenv("JICHITAI_RETENTION_DAYS", "90")
    assert "受付から90日を過ぎた" in privacy_notice("ja")
    monkeypatch.setenv("JICHITAI_RETENTION_DAYS", "-1")
    with pytest.raises(ConfigError):
        privacy_notice("ja")  # never 「受付から-1日…」: the app stops before any page renders it
