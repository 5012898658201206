"""DNS TXT lookups for the verification of email domain claims, with dnspython.

``txt_lookup(name)`` asks the resolver the settings name (``ONEPANE_DNS_NAMESERVERS``, or the system's) for the
TXT records of one name and says what came back: the values found, no record (NXDOMAIN or no TXT answer), no
answer in time (``ONEPANE_DNS_TIMEOUT``), or another failure. It never raises: a lookup is started by a person
pressing a button or by the beat, and both want a sentence, not a traceback.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import dns.exception
import dns.inet
import dns.name
import dns.nameserver
import dns.resolver
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

logger = logging.getLogger(__name__)

FOUND = "found"
NOT_FOUND = "not_found"
TIMEOUT = "timeout"
FAILED = "failed"


@dataclass(frozen=True)
class Lookup:
    """What a TXT lookup gave: its outcome and, when found, each record's text (its strings joined)."""

    outcome: str
    values: tuple[str, ...] = ()


def parse_nameserver(text: str) -> dns.nameserver.Do53Nameserver:
    """``"192.0.2.53"``, ``"192.0.2.53:5353"``, ``"2001:db8::53"`` or ``"[2001:db8::53]:5353"``: an IP address
    (dnspython asks nameservers by address) and an optional port."""
    text = text.strip()
    if text.startswith("["):
        host, _, rest = text[1:].partition("]")
        port = rest.removeprefix(":") or "53"
    elif text.count(":") == 1:
        host, port = text.split(":")
    else:
        host, port = text, "53"
    if not dns.inet.is_address(host) or not port.isdigit() or not 0 < int(port) < 65536:
        raise ImproperlyConfigured(f"ONEPANE_DNS_NAMESERVERS: {text!r} is not an IP address with an optional :port.")
    return dns.nameserver.Do53Nameserver(host, int(port))


def resolver() -> dns.resolver.Resolver:
    """A resolver for one lookup: the configured nameservers (or /etc/resolv.conf), no cache, the lifetime set."""
    nameservers = [n for n in settings.ONEPANE_DNS_NAMESERVERS if n.strip()]
    res = dns.resolver.Resolver(configure=not nameservers)
    if nameservers:
        res.nameservers = [parse_nameserver(n) for n in nameservers]
    res.lifetime = float(settings.ONEPANE_DNS_TIMEOUT)
    res.timeout = min(res.timeout, res.lifetime)
    res.cache = None  # a record just published must be seen at the next "Check now"
    return res


def _text(rdata) -> str:
    # A TXT record is one or more strings of up to 255 bytes, read as one; DNS consoles sometimes keep the quotes.
    return b"".join(rdata.strings).decode("utf-8", "replace").strip().strip('"').strip()


def txt_lookup(name: str) -> Lookup:
    """The TXT records of ``name`` (an absolute name: no search domains are tried)."""
    try:
        answer = resolver().resolve(dns.name.from_text(name), "TXT", search=False)
    except (dns.resolver.NXDOMAIN, dns.resolver.NoAnswer):
        return Lookup(NOT_FOUND)
    except dns.exception.Timeout:
        logger.info("DNS lookup of %s TXT timed out", name)
        return Lookup(TIMEOUT)
    except (dns.exception.DNSException, ImproperlyConfigured, OSError, ValueError) as exc:
        logger.warning("DNS lookup of %s TXT failed: %s", name, exc)
        return Lookup(FAILED)
    return Lookup(FOUND, tuple(_text(rdata) for rdata in answer))
