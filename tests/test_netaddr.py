"""The trusted-proxy rule: forwarded headers count only when the direct peer is a trusted proxy."""

from __future__ import annotations

import pytest

from jichitai_metrics.config import load_settings
from jichitai_metrics.errors import ConfigError
from jichitai_metrics.netaddr import LOOPBACK, parse_trusted_proxies, resolve_client

NGINX = parse_trusted_proxies("127.0.0.1, ::1")
LB = parse_trusted_proxies("10.0.0.0/8 192.0.2.7")


def test_parse_accepts_ips_and_cidrs_and_names_a_bad_entry() -> None:
    assert [str(n) for n in parse_trusted_proxies(" 10.1.2.3, 10.0.0.0/8  2001:db8::/32 ")] == [
        "10.1.2.3/32",
        "10.0.0.0/8",
        "2001:db8::/32",
    ]
    assert parse_trusted_proxies("") == () and parse_trusted_proxies(None) == ()
    with pytest.raises(ValueError, match="nginx"):
        parse_trusted_proxies("10.0.0.1,nginx")


def test_settings_field_parsed_once_and_a_typo_stops_the_app_naming_it() -> None:
    assert [str(n) for n in load_settings({"JICHITAI_TRUSTED_PROXIES": "127.0.0.1"}).trusted_proxies] == [
        "127.0.0.1/32"
    ]
    assert load_settings({}).trusted_proxies == ()
    # A typo never silently trusts (or distrusts) anyone: the settings check refuses it by name.
    with pytest.raises(ConfigError, match="JICHITAI_TRUSTED_PROXIES"):
        load_settings({"JICHITAI_TRUSTED_PROXIES": "127.0.0.1,bogus"})


def test_untrusted_peer_header_is_ignored() -> None:
    forged = {"X-Forwarded-For": "198.51.100.9", "X-Real-IP": "198.51.100.10"}
    assert resolve_client("203.0.113.5", forged, ()) == "203.0.113.5"
    assert resolve_client("203.0.113.5", forged, LB) == "203.0.113.5"
    assert resolve_client(None, forged, ()) == LOOPBACK  # loopback, but nobody trusted


def test_trusted_loopback_proxy_forwards_the_client() -> None:
    # Streamlit reports a loopback peer as None; nginx on the same host is that peer.
    assert resolve_client(None, {"x-forwarded-for": "203.0.113.5"}, NGINX) == "203.0.113.5"
    assert resolve_client(None, {"X-Real-IP": "203.0.113.6"}, NGINX) == "203.0.113.6"


def test_client_cannot_prepend_a_fake_hop() -> None:
    # nginx appends the real peer; the left-most entries are the client's own claim.
    headers = {"X-Forwarded-For": "1.1.1.1, 203.0.113.5"}
    assert resolve_client("10.2.3.4", headers, LB) == "203.0.113.5"
    # Two trusted hops (LB -> internal proxy): skip both from the right.
    assert (
        resolve_client("10.2.3.4", {"X-Forwarded-For": "1.1.1.1, 203.0.113.5, 10.9.9.9"}, LB) == "203.0.113.5"
    )


def test_garbage_falls_back_to_the_peer() -> None:
    assert resolve_client("10.2.3.4", {"X-Forwarded-For": "not-an-ip"}, LB) == "10.2.3.4"
    assert resolve_client("10.2.3.4", {"X-Real-IP": "<script>"}, LB) == "10.2.3.4"
    assert resolve_client("10.2.3.4", {}, LB) == "10.2.3.4"


def test_ports_brackets_and_mapped_ipv4_are_normalised() -> None:
    assert resolve_client("10.2.3.4", {"X-Forwarded-For": "203.0.113.5:5555"}, LB) == "203.0.113.5"
    assert resolve_client("10.2.3.4", {"X-Forwarded-For": "[2001:db8::5]:443"}, LB) == "2001:db8::5"
    assert resolve_client("::ffff:10.2.3.4", {"X-Real-IP": "203.0.113.7"}, LB) == "203.0.113.7"
    assert resolve_client("::ffff:203.0.113.8", {}, LB) == "203.0.113.8"


def test_uvicorns_own_rewrite_is_undone() -> None:
    from jichitai_metrics.netaddr import undo_uvicorn_rewrite

    # uvicorn (FORWARDED_ALLOW_IPS unset) turned a loopback peer into the header's last hop.
    assert undo_uvicorn_rewrite("198.51.100.9", {"X-Forwarded-For": "198.51.100.9"}) is None
    assert undo_uvicorn_rewrite("198.51.100.9", {"X-Forwarded-For": "1.1.1.1, 198.51.100.9"}) is None
    # A real remote peer with an unrelated header keeps its address; no header, nothing to undo.
    assert undo_uvicorn_rewrite("203.0.113.5", {"X-Forwarded-For": "198.51.100.9"}) == "203.0.113.5"
    assert undo_uvicorn_rewrite("203.0.113.5", {}) == "203.0.113.5"
