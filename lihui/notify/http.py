"""The one place HTTP leaves Lihui for delivery. Every robot and webhook goes through
`post`, so tests stub it here and the guards live in one spot: a timeout, no redirect to
another host, and no private or loopback address unless LIHUI_NOTIFY_ALLOW_PRIVATE (an
admin-typed URL must not let Lihui probe the intranet behind it).

A name is resolved once per request, every address it resolves to is checked, and the
connection goes to those checked addresses: the library never looks the name up again, so
a name that answers a public address to the check and 127.0.0.1 to the connection (DNS
rebinding) reaches nothing. The Host header, TLS SNI and the certificate check still use
the name. A redirect hop is checked the same way and may only stay on the same host, whose
checked addresses it reuses."""

from __future__ import annotations

import functools
import http.client
import ipaddress
import logging
import socket
import ssl
from dataclasses import dataclass, field
from urllib.parse import urljoin, urlsplit

from django.conf import settings

log = logging.getLogger("lihui.notify")

USER_AGENT = "Lihui-notify/1"
MAX_BODY = 1024 * 1024
MAX_REDIRECTS = 3
# Only these keep the method and the body (RFC 9110): a robot's POST is never turned into a GET.
REDIRECTS = (307, 308)

IP = ipaddress.IPv4Address | ipaddress.IPv6Address

# The packet goes to the IPv4 address in the last 32 bits: judge that address, not the prefix
# (::/96 IPv4-compatible, ::ffff:0:0/96 IPv4-mapped, the NAT64 well-known prefix).
_TRANSLATED = [ipaddress.IPv6Network(n) for n in ("::/96", "::ffff:0:0/96", "64:ff9b::/96")]
# NAT64 for local use (RFC 8215): the operator's own translator, with a prefix length the
# address does not tell, so where it leads cannot be judged — it is the intranet by definition.
_LOCAL_NAT64 = ipaddress.IPv6Network("64:ff9b:1::/48")


class HttpError(Exception):
    """The request did not get an answer (refused, timed out, not allowed)."""

    def __init__(self, message: str, *, permanent: bool = False):
        super().__init__(message)
        self.permanent = permanent


@dataclass
class Response:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)


def _public(ip: IP) -> bool:
    return ip.is_global and not (ip.is_multicast or ip.is_reserved or ip.is_loopback or ip.is_link_local or ip.is_unspecified)


def address_allowed(ip: IP) -> bool:
    """May Lihui post to `ip` (without LIHUI_NOTIFY_ALLOW_PRIVATE)? Public addresses only.
    An IPv6 address that carries an IPv4 address (mapped, compatible, NAT64, 6to4, Teredo)
    is judged by that IPv4 address too: ::127.0.0.1 is loopback, whatever its prefix says."""
    if ip.version == 4:
        return _public(ip)
    if ip in _LOCAL_NAT64:
        return False
    if any(ip in network for network in _TRANSLATED):
        return _public(ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF))
    embedded = [ip.sixtofour] if ip.sixtofour else list(ip.teredo or ())
    return _public(ip) and all(_public(v4) for v4 in embedded)


@dataclass(frozen=True)
class _Target:
    scheme: str
    host: str  # ASCII (IDNA), as the Host header and the certificate name it
    port: int
    path: str


def _target(url: str) -> _Target:
    parts = urlsplit(url)
    try:
        port = parts.port
        host = (parts.hostname or "").encode("idna").decode("ascii")
    except (ValueError, UnicodeError):
        host, port = "", None
    if parts.scheme not in ("http", "https") or not host:
        raise HttpError(f"not an http(s) URL: {url[:100]}", permanent=True)
    path = (parts.path or "/") + (f"?{parts.query}" if parts.query else "")
    return _Target(parts.scheme, host, port or (443 if parts.scheme == "https" else 80), path)


def _resolve(host: str) -> list[tuple]:
    """Every address of `host`, each checked; the only lookup a request makes."""
    try:
        infos = socket.getaddrinfo(host, 0, type=socket.SOCK_STREAM)
    except (socket.gaierror, UnicodeError) as e:
        raise HttpError(f"cannot resolve {host}") from e  # perhaps a DNS outage: try again later
    infos = [info for info in infos if info[0] in (socket.AF_INET, socket.AF_INET6)]
    if not infos:
        raise HttpError(f"cannot resolve {host}")
    if not settings.LIHUI_NOTIFY_ALLOW_PRIVATE:
        for info in infos:
            ip = ipaddress.ip_address(info[4][0])
            if not address_allowed(ip):
                # Where the name points goes to the log only: the error is shown to the chair
                # and must not tell them what a name resolves to inside the network.
                log.warning("refused to post to %s: it resolves to %s, not a public address", host, ip)
                raise HttpError(f"{host}: this address is not allowed", permanent=True)
    return infos


def _connect(infos: list[tuple], port: int, timeout: float) -> socket.socket:
    """A TCP connection to the first checked address that answers."""
    error: OSError | None = None
    for family, kind, proto, _name, sockaddr in infos:
        sock = socket.socket(family, kind, proto)
        try:
            sock.settimeout(timeout)
            sock.connect((sockaddr[0], port, *sockaddr[2:]))
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
            return sock
        except OSError as e:
            sock.close()
            error = e
    raise error or OSError("no address to connect to")


@functools.cache
def tls_context() -> ssl.SSLContext:
    """The system's trusted certificates, hostname checked (tests swap in their own CA)."""
    return ssl.create_default_context()


class _PinnedHTTP(http.client.HTTPConnection):
    """Connects to addresses resolved and checked beforehand; the Host header names the host."""

    def __init__(self, target: _Target, infos: list[tuple], timeout: float):
        super().__init__(target.host, target.port, timeout=timeout)
        self._infos = infos

    def connect(self):
        self.sock = _connect(self._infos, self.port, self.timeout)


class _PinnedHTTPS(http.client.HTTPSConnection):
    """As _PinnedHTTP, then TLS with SNI and the certificate checked for the host's name."""

    def __init__(self, target: _Target, infos: list[tuple], timeout: float):
        self._tls = tls_context()
        super().__init__(target.host, target.port, timeout=timeout, context=self._tls)
        self._infos = infos

    def connect(self):
        sock = _connect(self._infos, self.port, self.timeout)
        try:
            self.sock = self._tls.wrap_socket(sock, server_hostname=self.host)
        except BaseException:
            sock.close()
            raise


def _post_once(target: _Target, infos: list[tuple], body: bytes, headers: dict[str, str]) -> Response:
    connection_class = _PinnedHTTPS if target.scheme == "https" else _PinnedHTTP
    connection = connection_class(target, infos, settings.LIHUI_NOTIFY_HTTP_TIMEOUT)
    try:
        connection.request("POST", target.path, body=body, headers=headers)
        answer = connection.getresponse()
        return Response(answer.status, answer.read(MAX_BODY), dict(answer.getheaders()))
    except ssl.SSLCertVerificationError as e:
        raise HttpError(f"TLS certificate not valid for {target.host}: {e.verify_message}"[:300]) from e
    except http.client.HTTPException as e:
        # Not the text: a bad status line is the server's own bytes (whatever listens there).
        raise HttpError(f"{target.host}: no valid HTTP answer ({type(e).__name__})") from e
    except OSError as e:  # refused, reset, timed out: the system's words
        raise HttpError((str(e) or type(e).__name__)[:300]) from e
    except ValueError as e:  # http.client refuses a path or header it cannot send
        raise HttpError(f"cannot send to this URL: {e}"[:300], permanent=True) from e
    finally:
        connection.close()


def post(url: str, *, body: bytes, headers: dict[str, str] | None = None) -> Response:
    """POST `body`; any status comes back as a Response (robots put errors in the body).
    A 307/308 to the same host is followed (checked again, never resolved again); a
    redirect elsewhere is refused; any other 3xx comes back as it is."""
    headers = {"User-Agent": USER_AGENT, **(headers or {}), "Connection": "close"}
    target = _target(url)
    infos = _resolve(target.host)
    for _hop in range(MAX_REDIRECTS + 1):
        response = _post_once(target, infos, body, headers)
        location = next((v for k, v in response.headers.items() if k.lower() == "location"), None)
        if response.status not in REDIRECTS or not location:
            return response
        try:
            hop = _target(urljoin(url, location))
        except HttpError:
            hop = None
        if hop is None or hop.host.lower() != target.host.lower():
            # The Location is the server's text: logged, not put in the error the chair reads.
            log.warning("refused a redirect from %s to %r", target.host, location[:200])
            raise HttpError(f"{target.host}: redirect to another host refused", permanent=True)
        url, target = urljoin(url, location), hop
    raise HttpError(f"{target.host}: too many redirects", permanent=True)
