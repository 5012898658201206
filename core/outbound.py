"""The one HTTP client for addresses a tenant chooses (an IdP's issuer and metadata, later CRM and webhook URLs).

A tenant's admin can type any URL, and Onepane fetches it from inside the platform's network, so every such
fetch goes through ``session()`` (a ``requests.Session``) or ``fetch()``:

- **https only.** Plain http, and loopback addresses, only where ``ONEPANE_OUTBOUND_ALLOW_LOOPBACK`` allows them
  (the tests, and local development that opts in; never production): then plain http to a loopback address only.
- **Public addresses only.** The host is resolved once and every address it resolves to is checked: loopback,
  private, link-local (cloud metadata at 169.254.169.254), CGNAT, multicast, reserved, unspecified, and IPv6
  forms of them (IPv4-mapped, NAT64, 6to4, Teredo, unique-local, site-local) are refused.
- **The checked address is the one connected to.** The connection is pinned to that address, while TLS (SNI and
  the certificate check) and the Host header keep the hostname: a DNS answer that changes between the check and
  the connection (DNS rebinding) changes nothing.
- **Short timeouts and a size limit.** Connect and read timeouts, a deadline for the whole response, and a limit
  on the (decoded) body, read in pieces and abandoned past the limit.
- **Redirects are followed a few times, each hop checked as above**; proxies from the environment are ignored.
- **A failure is an ``OutboundError``** whose message is written for the person who configured the address
  ("… is on a private network", "only https", "too large", "timed out", "could not be reached"). It is a
  ``requests.RequestException``, so libraries that catch those (allauth) handle it as a failed request.

This module imports no app: capabilities and identity import it.
"""

from __future__ import annotations

import ipaddress
import socket
import time
from dataclasses import dataclass
from urllib.parse import urlsplit

import requests
from django.conf import settings
from requests.adapters import HTTPAdapter
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import HTTPError, ReadTimeoutError

DEFAULTS = {
    "ONEPANE_OUTBOUND_ALLOW_LOOPBACK": False,
    "ONEPANE_OUTBOUND_CONNECT_TIMEOUT": 5.0,
    "ONEPANE_OUTBOUND_READ_TIMEOUT": 10.0,
    "ONEPANE_OUTBOUND_DEADLINE": 20.0,
    "ONEPANE_OUTBOUND_MAX_BYTES": 2 * 1024 * 1024,
    "ONEPANE_OUTBOUND_MAX_REDIRECTS": 3,
}
CHUNK = 64 * 1024

# Ranges ``is_global`` already excludes, named again so that the rule does not depend on the Python version.
REFUSED_NETWORKS = tuple(
    ipaddress.ip_network(net)
    for net in (
        "0.0.0.0/8",  # "this network"
        "10.0.0.0/8",
        "100.64.0.0/10",  # carrier-grade NAT
        "127.0.0.0/8",
        "169.254.0.0/16",  # link-local, cloud metadata services
        "172.16.0.0/12",
        "192.0.0.0/24",
        "192.0.2.0/24",
        "192.88.99.0/24",  # 6to4 relays
        "192.168.0.0/16",
        "198.18.0.0/15",
        "198.51.100.0/24",
        "203.0.113.0/24",
        "224.0.0.0/4",  # multicast
        "240.0.0.0/4",  # reserved, broadcast
        "::/128",
        "::1/128",
        "64:ff9b:1::/48",  # local-use NAT64
        "100::/64",  # discard
        "2001::/23",  # IETF protocol assignments (Teredo among them)
        "2001:db8::/32",
        "fc00::/7",  # unique-local
        "fe80::/10",  # link-local
        "fec0::/10",  # site-local (deprecated)
        "ff00::/8",  # multicast
    )
)
NAT64 = ipaddress.ip_network("64:ff9b::/96")


def option(name: str):
    return getattr(settings, name, DEFAULTS[name])


# --- errors ---------------------------------------------------------------------------------------------------


class OutboundError(requests.RequestException):
    """A fetch Onepane refused or could not complete. ``str()`` is the message for the person who set the URL."""

    def __init__(self, message: str, **kwargs):
        super().__init__(message, **kwargs)
        self.message = message

    def __str__(self) -> str:
        return self.message


class OutboundRefused(OutboundError):
    """Refused before connecting: the URL's scheme, or the address its host resolves to."""


class SchemeRefused(OutboundRefused):
    pass


class AddressRefused(OutboundRefused):
    pass


class OutboundUnreachable(OutboundError):
    """Nothing answered, the name does not resolve, or TLS failed."""


class HostNotFound(OutboundUnreachable):
    pass


class OutboundTimeout(OutboundError):
    pass


class ResponseTooLarge(OutboundError):
    pass


class TooManyRedirects(OutboundError):
    pass


# --- the checks -----------------------------------------------------------------------------------------------


def resolve(host: str, port: int) -> list[str]:
    """Every address ``host`` resolves to (the system resolver). One function, so tests can stand in for DNS."""
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return list(dict.fromkeys(info[4][0] for info in infos))


def address_is_allowed(address: str, *, allow_loopback: bool | None = None) -> bool:
    """Whether Onepane may connect to ``address``: a public unicast address (or loopback, where allowed)."""
    if allow_loopback is None:
        allow_loopback = option("ONEPANE_OUTBOUND_ALLOW_LOOPBACK")
    try:
        ip = ipaddress.ip_address(address.split("%", 1)[0])  # an IPv6 zone ("fe80::1%eth0") names a local link
    except ValueError:
        return False
    if ip.version == 6:
        # IPv6 spellings of an IPv4 address are judged as that IPv4 address.
        if ip.ipv4_mapped is not None:
            ip = ip.ipv4_mapped
        elif ip in NAT64:
            ip = ipaddress.IPv4Address(int(ip) & 0xFFFFFFFF)
        elif ip.sixtofour is not None:
            ip = ip.sixtofour
        elif ip.teredo is not None:
            return False
    if ip.is_loopback:
        return bool(allow_loopback)
    if any(ip in net for net in REFUSED_NETWORKS if net.version == ip.version):
        return False
    return (
        ip.is_global
        and not ip.is_private
        and not ip.is_link_local
        and not ip.is_multicast
        and not ip.is_reserved
        and not ip.is_unspecified
        and not getattr(ip, "is_site_local", False)
    )


@dataclass(frozen=True)
class Target:
    """A URL that passed the checks, and the address to connect to for it."""

    scheme: str
    host: str
    port: int
    address: str


def check_url(url: str) -> Target:
    """Check a URL as a fetch will: its scheme and, resolving its host once, every address it resolves to.

    Raises ``OutboundRefused``, or ``HostNotFound`` when the name does not resolve. The returned ``Target``
    names the address to connect to.
    """
    allow_loopback = option("ONEPANE_OUTBOUND_ALLOW_LOOPBACK")
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError:
        raise SchemeRefused("This is not a valid web address.") from None
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").rstrip(".")
    if scheme not in ("https", "http") or not host or (scheme == "http" and not allow_loopback):
        raise SchemeRefused("Only https:// addresses can be used.")
    port = port or (443 if scheme == "https" else 80)
    try:
        addresses = [str(ipaddress.ip_address(host))]  # written as an address: nothing to resolve
    except ValueError:
        try:
            addresses = resolve(host, port)
        except (OSError, UnicodeError):
            addresses = []
        if not addresses:
            raise HostNotFound(f"{host} could not be found (no such name in DNS).") from None
    for address in addresses:
        if not address_is_allowed(address, allow_loopback=allow_loopback):
            raise AddressRefused(
                f"{host} is on a private or local network. Onepane only connects to addresses on the public internet."
            )
    # Where loopback is allowed (tests, local development), plain http too, but only to this machine.
    on_this_machine = not any(address_is_allowed(a, allow_loopback=False) for a in addresses)
    if scheme == "http" and not on_this_machine:
        raise SchemeRefused("Only https:// addresses can be used.")
    return Target(scheme=scheme, host=host, port=port, address=addresses[0])


# --- the transport --------------------------------------------------------------------------------------------


class _PinnedConnectionMixin:
    """Open the socket to the checked address; everything else (Host, SNI, certificate) uses the hostname."""

    def __init__(self, *args, pinned_address: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.pinned_address = pinned_address

    def _new_conn(self):
        hostname = self._dns_host
        self._dns_host = self.pinned_address
        try:
            return super()._new_conn()
        finally:
            self._dns_host = hostname


class PinnedHTTPConnection(_PinnedConnectionMixin, HTTPConnection):
    pass


class PinnedHTTPSConnection(_PinnedConnectionMixin, HTTPSConnection):
    pass


class GuardedAdapter(HTTPAdapter):
    """Checks every request (each redirect hop is one) and connects to the checked address, then reads the body
    within the size limit and the deadline. A pool per request: a pool is bound to one address."""

    def __init__(self):
        super().__init__(max_retries=0)

    def get_connection_with_tls_context(self, request, verify, proxies=None, cert=None):
        target = check_url(request.url)
        if target.scheme == "https":
            _host_params, tls = self.build_connection_pool_key_attributes(request, verify, cert)
            pool = HTTPSConnectionPool(target.host, target.port, pinned_address=target.address, **tls)
            pool.ConnectionCls = PinnedHTTPSConnection
        else:
            pool = HTTPConnectionPool(target.host, target.port, pinned_address=target.address)
            pool.ConnectionCls = PinnedHTTPConnection
        request.onepane_pool = pool
        return pool

    def send(self, request, stream=False, timeout=None, verify=True, cert=None, proxies=None):
        timeout = (option("ONEPANE_OUTBOUND_CONNECT_TIMEOUT"), option("ONEPANE_OUTBOUND_READ_TIMEOUT"))
        host = urlsplit(request.url).hostname or request.url
        started = time.monotonic()
        try:
            try:
                response = super().send(request, stream=True, timeout=timeout, verify=verify, cert=cert)
            except OutboundError:
                raise
            except requests.Timeout:
                raise OutboundTimeout(f"{host} did not answer in time.", request=request) from None
            except requests.exceptions.SSLError:
                raise OutboundUnreachable(
                    f"{host} could not be reached securely: its TLS certificate could not be verified.",
                    request=request,
                ) from None
            except requests.RequestException:
                raise OutboundUnreachable(f"{host} could not be reached.", request=request) from None
            self._read_body(response, host, started)
            return response
        finally:
            pool = getattr(request, "onepane_pool", None)
            if pool is not None:
                pool.close()

    @staticmethod
    def _read_body(response: requests.Response, host: str, started: float) -> None:
        limit = option("ONEPANE_OUTBOUND_MAX_BYTES")
        deadline = started + option("ONEPANE_OUTBOUND_DEADLINE")
        too_large = ResponseTooLarge(f"{host} sent a response larger than {_size(limit)}.")
        declared = response.headers.get("Content-Length", "")
        if declared.isdigit() and int(declared) > limit:
            response.close()
            raise too_large
        body, size = [], 0
        try:
            while True:
                # read1 returns what one read of the socket gives, so a server that trickles its answer still
                # meets the deadline; the body is decoded (gzip) before it is counted.
                chunk = response.raw.read1(CHUNK, decode_content=True)
                if not chunk:
                    break
                size += len(chunk)
                if size > limit:
                    raise too_large
                if time.monotonic() > deadline:
                    raise OutboundTimeout(f"{host} did not send its answer in time.")
                body.append(chunk)
        except OutboundError:
            response.close()
            raise
        except (ReadTimeoutError, TimeoutError):
            response.close()
            raise OutboundTimeout(f"{host} did not send its answer in time.") from None
        except (HTTPError, OSError):  # cut off, or a body that does not decode
            response.close()
            raise OutboundUnreachable(f"{host} closed the connection before its answer was complete.") from None
        response._content = b"".join(body)
        response._content_consumed = True
        response.raw.release_conn()


def _size(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):g} MB"
    return f"{n // 1024} KB" if n >= 1024 else f"{n} bytes"


class GuardedSession(requests.Session):
    """``requests.Session`` for tenant-chosen URLs: every request through ``GuardedAdapter``, no proxies from the
    environment, a few redirects, and requests' own failures turned into ``OutboundError``."""

    def __init__(self):
        super().__init__()
        self.trust_env = False  # HTTP(S)_PROXY would connect somewhere other than the checked address
        self.max_redirects = option("ONEPANE_OUTBOUND_MAX_REDIRECTS")
        self.adapters.clear()
        adapter = GuardedAdapter()
        self.mount("https://", adapter)
        self.mount("http://", adapter)

    def request(self, method, url, *args, **kwargs):
        kwargs.pop("timeout", None)  # the adapter's timeouts, whatever the caller asked
        kwargs.pop("proxies", None)
        try:
            return super().request(method, url, *args, **kwargs)
        except OutboundError:
            raise
        except requests.TooManyRedirects:
            raise TooManyRedirects(f"{url} redirects too many times.") from None
        except (requests.exceptions.InvalidSchema, requests.exceptions.MissingSchema, requests.exceptions.InvalidURL):
            raise SchemeRefused("Only https:// addresses can be used.") from None


def session() -> GuardedSession:
    """A session for one task's fetches of tenant-chosen URLs (use it in a ``with`` block)."""
    return GuardedSession()


def fetch(url: str, *, method: str = "GET", **kwargs) -> requests.Response:
    """Fetch a tenant-chosen URL once; a status of 400 or more is an ``OutboundError`` too."""
    with session() as sess:
        response = sess.request(method, url, **kwargs)
    if response.status_code >= 400:
        host = urlsplit(url).hostname or url
        raise OutboundUnreachable(f"{host} answered with an error (HTTP {response.status_code}).", response=response)
    return response
