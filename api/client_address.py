"""Who is calling: the peer address, or, behind a proxy we were told to trust
(XUNFANG_TRUSTED_PROXIES), the address that proxy saw. Anyone can send X-Forwarded-For, so it
is read right to left and only through trusted hops: the first untrusted address is the client."""

from __future__ import annotations

import functools
import ipaddress

from litestar.connection import ASGIConnection

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


@functools.cache
def networks(trusted: tuple[str, ...]) -> tuple[Network, ...]:
    return tuple(ipaddress.ip_network(item, strict=False) for item in trusted)


def _trusted(address: str, nets: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in net for net in nets)


def resolve(peer: str, forwarded_for: list[str], trusted: tuple[str, ...]) -> str:
    """`forwarded_for`: every X-Forwarded-For header value, in order."""
    nets = networks(trusted)
    client = peer
    hops = [hop.strip() for value in forwarded_for for hop in value.split(",")]
    while _trusted(client, nets) and hops:
        hop = hops.pop()
        try:
            client = str(ipaddress.ip_address(hop))
        except ValueError:
            break  # garbage from further left: the last trusted hop is all we know
    return client


def client_ip(connection: ASGIConnection) -> str:
    peer = connection.client.host if connection.client else ""
    trusted = connection.app.state.settings.trusted_proxies
    if not trusted:
        return peer
    return resolve(peer, connection.headers.getall("x-forwarded-for", []), trusted)
