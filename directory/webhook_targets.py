"""Where a webhook may be sent, and the one way it is sent.

An administrator names a URL; nothing else about it is trusted. At the moment of sending (and, for a
quick answer, when it is set) its host is resolved and **every** address it resolves to must be public:
not loopback, private, link-local (the cloud metadata service), multicast, reserved or unspecified,
unless it lies in a network the operator allowed (``LEAD_WEBHOOK_ALLOWED_NETWORKS``, e.g. a receiver on
the program's own network), and never an HTTP address of the engine, allowed network or not. The request
then goes to the address that was checked (the name is sent as ``Host`` and for TLS), so a name that
resolves differently a moment later (DNS rebinding) cannot move it. Redirects are never followed. In
production only ``https://`` URLs are accepted.

Failures are told apart only as far as the receiver's owner needs: refused here (and why), the receiver's
HTTP status, or "no HTTP answer" for every network failure alike (refused, reset, timed out, TLS), so the
delivery log says nothing about which ports are open where.
"""
from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
from dataclasses import dataclass
from urllib.parse import urlsplit

from directory.settings import Settings

NO_ANSWER = "no HTTP answer from the receiver (unreachable, refused, timed out or TLS failed)"
DEFAULT_PORTS = {"http": 80, "https": 443}
Address = ipaddress.IPv4Address | ipaddress.IPv6Address


class TargetRefused(ValueError):
    """This URL (or what its host resolves to now) is not a place webhooks may go; the message says why."""


@dataclass(frozen=True)
class Target:
    scheme: str
    host: str
    port: int
    path: str  # with its query

    @property
    def host_header(self) -> str:
        shown = f"[{self.host}]" if ":" in self.host else self.host
        return shown if self.port == DEFAULT_PORTS[self.scheme] else f"{shown}:{self.port}"


def parse(url: str, settings: Settings) -> Target:
    """The URL's parts, if it is one webhooks may use at all (scheme, host, no credentials)."""
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise TargetRefused("the URL is not valid") from None
    schemes = ("https",) if settings.env == "production" else ("http", "https")
    if parts.scheme not in schemes:
        raise TargetRefused("webhooks use https:// in production" if settings.env == "production"
                            else "webhooks use http:// or https://")
    if not parts.hostname:
        raise TargetRefused("the URL names no host")
    if parts.username or parts.password:
        raise TargetRefused("the URL may not carry a user name or password")
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return Target(parts.scheme, parts.hostname, port or DEFAULT_PORTS[parts.scheme], path)


def allowed_networks(settings: Settings) -> list[ipaddress.IPv4Network | ipaddress.IPv6Network]:
    """``LEAD_WEBHOOK_ALLOWED_NETWORKS``: comma-separated networks (``10.20.0.0/16``) a receiver may be in
    although they are not public."""
    return [ipaddress.ip_network(n.strip(), strict=False) for n in settings.webhook_allowed_networks.split(",")
            if n.strip()]


def resolve(host: str, port: int) -> list[Address]:
    """Every address ``host`` resolves to now (an address given as such is itself)."""
    try:
        infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError):
        return []
    out: list[Address] = []
    for info in infos:
        address = ipaddress.ip_address(info[4][0].split("%", 1)[0])
        if address not in out:
            out.append(address)
    return out


def engine_endpoints(settings: Settings) -> set[tuple[Address, int]]:
    """The (address, port) pairs of the engine's nodes named in ``LEAD_ES_URL``."""
    found: set[tuple[Address, int]] = set()
    for url in settings.es_nodes:
        parts = urlsplit(url if "://" in url else f"http://{url}")
        port = parts.port or (443 if parts.scheme == "https" else 9200)
        for address in resolve(parts.hostname or "", port):
            found.add((_plain(address), port))
    return found


def _plain(address: Address) -> Address:
    """An IPv4 address written as IPv6 (``::ffff:127.0.0.1``) is that IPv4 address."""
    if isinstance(address, ipaddress.IPv6Address) and address.ipv4_mapped:
        return address.ipv4_mapped
    return address


def check_address(address: Address, port: int, settings: Settings,
                  engine: set[tuple[Address, int]] | None = None) -> None:
    """Raise ``TargetRefused`` unless a webhook may connect to this address and port."""
    address = _plain(address)
    if (address, port) in (engine if engine is not None else engine_endpoints(settings)):
        raise TargetRefused("the URL leads to the directory's own search engine")
    if address.is_global and not address.is_multicast:
        return
    if any(address in network for network in allowed_networks(settings)):
        return
    kind = ("a loopback" if address.is_loopback else "a link-local" if address.is_link_local
            else "a private" if address.is_private else "a non-public")
    raise TargetRefused(f"the URL's host resolves to {kind} address, which webhooks may not reach "
                        "(LEAD_WEBHOOK_ALLOWED_NETWORKS names networks that may be)")


def checked(url: str, settings: Settings) -> tuple[Target, Address]:
    """The URL's target and the one address to connect to, after checking all it resolves to now."""
    target = parse(url, settings)
    addresses = resolve(target.host, target.port)
    if not addresses:
        raise TargetRefused("the URL's host does not resolve")
    engine = engine_endpoints(settings)
    for address in addresses:
        check_address(address, target.port, settings, engine)
    return target, addresses[0]


def check_when_set(url: str, settings: Settings) -> None:
    """The check made when an administrator sets a URL: refused at once if it cannot be used; a host that
    does not resolve yet is accepted (the check at each sending decides)."""
    target = parse(url, settings)
    engine = engine_endpoints(settings)
    for address in resolve(target.host, target.port):
        check_address(address, target.port, settings, engine)


class _PinnedHTTP(http.client.HTTPConnection):
    def __init__(self, target: Target, address: Address, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._address = str(address)

    def connect(self) -> None:
        self.sock = socket.create_connection((self._address, self.port), self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    def __init__(self, target: Target, address: Address, timeout: float):
        super().__init__(target.host, target.port, timeout=timeout, context=ssl.create_default_context())
        self._address = str(address)

    def connect(self) -> None:
        sock = socket.create_connection((self._address, self.port), self.timeout)
        self.sock = self._context.wrap_socket(sock, server_hostname=self.host)


def post(url: str, body: bytes, headers: dict[str, str], settings: Settings) -> tuple[int | None, str | None]:
    """POST ``body`` to ``url`` once, by the rules above: (the receiver's HTTP status, None), or
    (status or None, what went wrong). Raises nothing for a network failure."""
    try:
        target, address = checked(url, settings)
    except TargetRefused as exc:
        return None, f"not sent: {exc}"
    kind = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = kind(target, address, settings.webhook_timeout)
    try:
        connection.request("POST", target.path, body=body, headers={**headers, "Host": target.host_header})
        answer = connection.getresponse()
        answer.read(4096)  # a little of the body, then the connection is closed: nothing of it is kept
        status = answer.status
    except (OSError, http.client.HTTPException):
        return None, NO_ANSWER
    finally:
        connection.close()
    if 300 <= status < 400:
        return status, f"the receiver redirected (HTTP {status}); redirects are not followed"
    return status, None if 200 <= status < 300 else f"HTTP {status}"
