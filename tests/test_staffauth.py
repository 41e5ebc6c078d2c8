"""Password rules and hashing, the throttle policy and the e-mail allow list (no server needed)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from jichitai_metrics.inquiries.audit import SignInFailures
from jichitai_metrics.staffauth import (
    address_wait,
    email_allowed,
    hash_password,
    is_placeholder,
    parse_allow_list,
    password_rule,
    throttle_state,
    verify_password,
)

NOW = datetime(2026, 11, 28, 9, 0, tzinfo=UTC)


def test_hash_round_trip_and_salting() -> None:
    encoded = hash_password("正しい馬の電池ホチキス")
    assert encoded.startswith("scrypt$16384$8$1$")
    assert verify_password("正しい馬の電池ホチキス", encoded)
    assert not verify_password("正しい馬の電池ホチキス ", encoded)
    assert hash_password("same-password-x") != hash_password("same-password-x")  # random salt
    assert not verify_password("x", "not-a-hash") and not verify_password("x", "scrypt$2$1$1$AA==$AA==")


@pytest.mark.parametrize(
    "placeholder", ["CHANGE-ME", "change_me", "ChangeMe", "CHANGE-ME-please-123", "password"]
)
def test_placeholders_are_refused_and_say_why(placeholder: str) -> None:
    assert is_placeholder(placeholder)
    rule = password_rule(None, placeholder)
    assert not rule.usable and rule.configured and "例の値" in rule.problem_ja


def test_short_plain_password_disables_the_inbox() -> None:
    rule = password_rule(None, "elevenchars")
    assert not rule.usable and "12文字以上" in rule.problem_ja
    assert password_rule(None, "twelve-chars").usable


def test_hash_wins_and_a_bad_hash_says_so() -> None:
    encoded = hash_password("laptop-password-42")
    rule = password_rule(encoded, "CHANGE-ME")
    assert rule.usable and verify_password("laptop-password-42", rule.encoded or "")
    bad = password_rule("scrypt$oops", None)
    assert not bad.usable and "hash-password" in bad.problem_ja
    assert not password_rule(None, None).configured


def test_waits_grow_past_fifteen_minutes() -> None:
    assert [address_wait(n) for n in range(5)] == [timedelta(0)] * 5
    assert address_wait(5) == timedelta(minutes=1)
    assert address_wait(9) >= timedelta(minutes=15)
    assert address_wait(40) == timedelta(hours=1)
    waits = [address_wait(n) for n in range(5, 15)]
    assert waits == sorted(waits)


def test_throttle_state() -> None:
    four = SignInFailures(4, NOW, 4, NOW)
    assert throttle_state(four, NOW).blocked_until is None
    five = SignInFailures(5, NOW, 5, NOW)
    assert throttle_state(five, NOW + timedelta(seconds=30)).address_until == NOW + timedelta(minutes=1)
    assert throttle_state(five, NOW + timedelta(minutes=2)).blocked_until is None
    busy = SignInFailures(0, None, 50, NOW - timedelta(minutes=10))
    assert throttle_state(busy, NOW).global_until == NOW + timedelta(minutes=50)


def test_allow_list_exact_and_domain() -> None:
    allow = parse_allow_list("Tanaka@City.Example.lg.jp, @dx.example.lg.jp")
    assert allow == ("tanaka@city.example.lg.jp", "@dx.example.lg.jp")
    assert email_allowed("TANAKA@city.example.lg.jp", allow)
    assert email_allowed("suzuki@dx.example.lg.jp", allow)
    assert not email_allowed("suzuki@city.example.lg.jp", allow)
    assert not email_allowed("x@evil-dx.example.lg.jp", allow)  # a suffix is not the domain
    assert not email_allowed("x@sub.dx.example.lg.jp", allow)
    assert not email_allowed("a@b@dx.example.lg.jp", allow)
    assert not email_allowed("suzuki@dx.example.lg.jp", allow, verified=False)
    assert not email_allowed(None, allow) and not email_allowed("tanaka@city.example.lg.jp", ())


def test_hash_password_cli_round_trip_and_refusal() -> None:
    import subprocess
    import sys

    from tests.support import REPO_ROOT

    def cli(stdin: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            [sys.executable, "-m", "jichitai_metrics", "hash-password"],
            input=stdin,
            capture_output=True,
            text=True,
            cwd=REPO_ROOT,
            timeout=60,
        )

    ok = cli("my-long-laptop-pass\n")
    assert ok.returncode == 0, ok.stderr
    assert verify_password("my-long-laptop-pass", ok.stdout.strip())
    assert "my-long-laptop-pass" not in ok.stdout
    refused = cli("CHANGE-ME\n")
    assert refused.returncode == 2 and refused.stdout == "" and "12文字以上" in refused.stderr
