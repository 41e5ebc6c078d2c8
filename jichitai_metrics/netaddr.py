"""Who is the client? The trusted-proxy rule for X-Forwarded-For / X-Real-IP, without streamlit.

A forwarded header is only as honest as whoever added it. Anyone can send
``X-Forwarded-For: 1.2.3.4``, so the header is believed only when the direct peer (the
WebSocket's remote address) is a proxy we were told to trust (``JICHITAI_TRUSTED_PROXIES``).
Throttles and the audit log key on the address this module returns.
"""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable, Mapping

IPNetwork = ipaddress.IPv4Network | ipaddress.IPv6Network
# Streamlit reports a loopback peer as None (st.context.ip_address); we name it.
LOOPBACK = "127.0.0.1"
_LOOPBACKS = (ipaddress.ip_address("127.0.0.1"), ipaddress.ip_address("::1"))


def parse_trusted_proxies(raw: str | None) -> tuple[IPNetwork, ...]:
    """Comma/space-separated IPs or CIDRs -> networks. Raises ValueError naming a bad entry."""
    nets: list[IPNetwork] = []
    for part in (raw or "").replace(",", " ").split():
        try:
            nets.append(ipaddress.ip_network(part, strict=False))
        except ValueError as exc:
            raise ValueError(f"JICHITAI_TRUSTED_PROXIES: {part!r} is not an IP address or CIDR") from exc
    return tuple(nets)


def _ip(text: str | None) -> ipaddress.IPv4Address | ipaddress.IPv6Address | None:
    if not text:
        return None
    text = text.strip()
    if text.startswith("[") and "]" in text:  # "[2001:db8::1]:443"
        text = text[1 : text.index("]")]
    elif text.count(":") == 1:  # "203.0.113.5:1234"
        text = text.split(":", 1)[0]
    try:
        ip = ipaddress.ip_address(text)
    except ValueError:
        return None
    if isinstance(ip, ipaddress.IPv6Address) and ip.ipv4_mapped is not None:
        return ip.ipv4_mapped
    return ip


def _trusted(ip: ipaddress.IPv4Address | ipaddress.IPv6Address, trusted: Iterable[IPNetwork]) -> bool:
    return any(ip.version == net.version and ip in net for net in trusted)


def _header(headers: Mapping[str, str] | None, name: str) -> str | None:
    if not headers:
        return None
    for key, value in headers.items():
        if key.lower() == name:
            return value
    return None


def undo_uvicorn_rewrite(peer: str | None, headers: Mapping[str, str] | None) -> str | None:
    """The direct peer before uvicorn's proxy-headers rewrite, as far as it can be told.

    Streamlit 1.67 serves through uvicorn with proxy headers on; unless FORWARDED_ALLOW_IPS is set,
    uvicorn trusts X-Forwarded-For from 127.0.0.1/::1 and reports its last hop as the client. A
    peer that is one of the header's hops was (almost surely) put there by that rewrite, so the
    real peer was loopback (None). Our own rule then decides whether to believe the header.
    """
    forwarded = _header(headers, "x-forwarded-for")
    if not peer or not forwarded:
        return peer
    ip = _ip(peer)
    hops = {_ip(h) for h in forwarded.split(",")}
    return None if ip is not None and ip in hops else peer


def resolve_client(
    peer: str | None, headers: Mapping[str, str] | None, trusted: tuple[IPNetwork, ...]
) -> str:
    """The client's address as text.

    ``peer`` is the direct peer (None = loopback, as Streamlit reports it). Only when it is in
    ``trusted`` is X-Forwarded-For read, right to left, skipping trusted hops (the left-most
    entries are whatever the client claimed); X-Real-IP is the fallback. Anything unparsable
    falls back to the peer, so a forged header never hides a client behind a made-up address.
    """
    peer_ip = _ip(peer) if peer else None
    if peer and peer_ip is None:
        return peer  # not an IP (a test harness name): use as-is, never trust it as a proxy
    peer_text = str(peer_ip) if peer_ip is not None else LOOPBACK
    candidates = [peer_ip] if peer_ip is not None else list(_LOOPBACKS)
    if not trusted or not any(_trusted(ip, trusted) for ip in candidates):
        return peer_text
    forwarded = _header(headers, "x-forwarded-for")
    if forwarded:
        hops = [h for h in (p.strip() for p in forwarded.split(",")) if h]
        for hop in reversed(hops):
            ip = _ip(hop)
            if ip is None:
                return peer_text  # a garbled chain: believe nobody past the proxy
            if not _trusted(ip, trusted):
                return str(ip)
        # Every hop is a trusted proxy: the left-most is the nearest we know to the client.
        first = _ip(hops[0]) if hops else None
        if first is not None:
            return str(first)
    real = _ip(_header(headers, "x-real-ip"))
    return str(real) if real is not None else peer_text
