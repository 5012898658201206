"""How a registration's customer is matched against other partners' registrations at the same vendor.

- Web domain: the registrable domain of what the partner typed (``https://eu.shop.acme.co.uk/x`` →
  ``acme.co.uk``), from the public suffix list bundled with ``tldextract`` (no network), and its *stem*
  (``acme``), so that ``eu.acme.com``, ``acme.com`` and ``acme.de`` are the same customer.
- Company name: lowercased, punctuation and legal forms (Inc, Ltd, GmbH …) removed, then compared by trigram
  similarity: PostgreSQL's ``pg_trgm`` ``similarity()``. On SQLite (the demo) the same function is registered
  in Python with pg_trgm's algorithm, so the same query runs on both.
"""

import re
import unicodedata

import tldextract
from django.db.backends.signals import connection_created
from django.dispatch import receiver

# Private suffixes too (github.io, myshopify.com): two shops on one host are two customers, not one.
_extract = tldextract.TLDExtract(suffix_list_urls=(), cache_dir=None, include_psl_private_domains=True)

LEGAL_FORMS = {
    "inc", "incorporated", "corp", "corporation", "co", "company", "llc", "llp", "lp", "ltd", "limited", "plc",
    "gmbh", "ag", "kg", "se", "sa", "sas", "sarl", "srl", "spa", "bv", "nv", "ab", "as", "asa", "oy", "oyj",
    "aps", "kk", "pty", "pte", "sp", "zoo", "the", "group", "holding", "holdings",
}  # fmt: skip
_WORD = re.compile(r"[0-9a-z]+")
# Stems too short or too generic to mean "the same company" on their own.
MIN_STEM = 3


def _ascii_lower(text: str) -> str:
    return unicodedata.normalize("NFKD", text or "").encode("ascii", "ignore").decode().lower()


def domain_parts(website: str) -> tuple[str, str]:
    """``(registrable domain, stem)`` of a website or e-mail domain the partner typed; ``("", "")`` if none."""
    text = (website or "").strip().lower()
    if not text:
        return "", ""
    if "@" in text and "/" not in text:
        text = text.rsplit("@", 1)[1]
    text = re.sub(r"^[a-z][a-z0-9+.-]*://", "", text).split("/", 1)[0].split("?", 1)[0].split("#", 1)[0]
    text = text.rsplit("@", 1)[-1].split(":", 1)[0].strip(".")
    if not text:
        return "", ""
    parts = _extract(text)
    if not parts.suffix or not parts.domain:
        return "", ""
    return f"{parts.domain}.{parts.suffix}", parts.domain


def name_key(name: str) -> str:
    """The company name without case, accents, punctuation or legal forms: "ACME, Inc." → "acme".

    Dotted forms ("S.A.", "L.L.C.") arrive as runs of single letters; each run is joined into one word first.
    """
    words: list[str] = []
    run = False
    for word in _WORD.findall(_ascii_lower(name)):
        if len(word) == 1 and word.isalpha():
            if run:
                words[-1] += word
            else:
                words.append(word)
            run = True
            continue
        words.append(word)
        run = False
    kept = [w for w in words if w not in LEGAL_FORMS]
    return " ".join(kept or words)


def trigrams(text: str) -> set[str]:
    """pg_trgm's trigrams: each alphanumeric word padded with two spaces before and one after."""
    found = set()
    for word in _WORD.findall((text or "").lower()):
        padded = f"  {word} "
        found.update(padded[i : i + 3] for i in range(len(padded) - 2))
    return found


def similarity(a: str, b: str) -> float:
    """pg_trgm's ``similarity(a, b)``: shared trigrams over all trigrams of both."""
    ta, tb = trigrams(a), trigrams(b)
    if not ta or not tb:
        return 0.0
    shared = len(ta & tb)
    return shared / (len(ta) + len(tb) - shared)


@receiver(connection_created, dispatch_uid="deals.matching.sqlite_similarity")
def _sqlite_similarity(sender, connection, **kwargs):
    if connection.vendor == "sqlite":
        connection.connection.create_function("similarity", 2, similarity, deterministic=True)
