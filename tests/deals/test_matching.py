"""Customer matching keys: registrable domain and stem, the company name without legal forms, and trigram
similarity that gives what PostgreSQL's pg_trgm gives."""

import sqlite3
from types import SimpleNamespace

import pytest
from django.db import connection

from deals import matching


@pytest.mark.parametrize(
    ("website", "parts"),
    [
        ("acme.com", ("acme.com", "acme")),
        ("eu.acme.com", ("acme.com", "acme")),
        ("EU.ACME.COM.", ("acme.com", "acme")),
        ("acme.de", ("acme.de", "acme")),
        ("https://www.acme.co.uk/path", ("acme.co.uk", "acme")),
        ("http://user:secret@shop.acme.com.au:8443/x?y=1#z", ("acme.com.au", "acme")),
        ("www.acme.com?ref=ad", ("acme.com", "acme")),
        ("  https://acme.io  ", ("acme.io", "acme")),
        ("sales@acme.com", ("acme.com", "acme")),
        ("acme-tools.com", ("acme-tools.com", "acme-tools")),
        ("xn--mller-kva.de", ("xn--mller-kva.de", "xn--mller-kva")),
        ("", ("", "")),
        (None, ("", "")),
        ("localhost", ("", "")),
        ("acme", ("", "")),
        ("192.168.10.4", ("", "")),
        ("https://", ("", "")),
        ("co.uk", ("", "")),
    ],
)
def test_domain_parts(website, parts):
    assert matching.domain_parts(website) == parts


@pytest.mark.parametrize(
    ("name", "key"),
    [
        ("Acme Corporation", "acme"),
        ("ACME Corp.", "acme"),
        ("ACME, Inc.", "acme"),
        ("The Acme Group Holdings Ltd", "acme"),
        ("Acme GmbH & Co. KG", "acme"),
        ("Société Générale SA", "societe generale"),
        ("Müller Maschinenbau AG", "muller maschinenbau"),
        ("Globodyne Systems, Inc.", "globodyne systems"),
        ("3M Company", "3m"),
        ("The Company Ltd", "the company ltd"),  # nothing but legal forms: keep them rather than nothing
        ("", ""),
        (None, ""),
    ],
)
def test_name_key(name, key):
    assert matching.name_key(name) == key


def test_trigrams_are_pg_trgms():
    assert matching.trigrams("Cat") == {"  c", " ca", "cat", "at "}
    assert matching.trigrams("a-b") == {"  a", " a ", "  b", " b "}
    assert matching.trigrams("") == set()


PAIRS = [
    ("acme", "acme"),
    ("acme", "acme labs"),
    ("acme corporation", "acme corp"),
    ("Acme Corporation", "ACME Corp."),
    ("acme industries", "acme industrial"),
    ("globodyne", "globodyne systems"),
    ("northwind traders", "northwind trading"),
    ("stark industries", "stark enterprises"),
    ("initrode systems", "acme"),
    ("wayne enterprises", "wayne enterprise"),
    ("societe generale", "generale societe"),
    ("3m", "3m"),
    ("a", "ab"),
    ("x y z", "x y"),
    ("aaa aaa", "aaa"),
    ("hello-world", "hello world"),
    ("", "acme"),
    ("", ""),
    ("!!!", "acme"),
]


def test_similarity_is_symmetric_and_bounded():
    for a, b in PAIRS:
        value = matching.similarity(a, b)
        assert 0.0 <= value <= 1.0
        assert value == matching.similarity(b, a)
    assert matching.similarity("acme", "acme") == 1.0
    assert matching.similarity("globodyne", "globodyne systems") == pytest.approx(10 / 18)


@pytest.mark.django_db
@pytest.mark.skipif(connection.vendor != "postgresql", reason="compares with PostgreSQL's pg_trgm")
def test_python_similarity_equals_postgresqls():
    with connection.cursor() as cursor:
        for a, b in PAIRS:
            cursor.execute("SELECT similarity(%s, %s)", [a, b])
            (expected,) = cursor.fetchone()
            assert matching.similarity(a, b) == pytest.approx(expected, abs=1e-6), (a, b)


def test_sqlite_gets_the_same_function():
    """The demo runs on SQLite: the same query works there because the function is registered per connection."""
    raw = sqlite3.connect(":memory:")
    try:
        matching._sqlite_similarity(sender=None, connection=SimpleNamespace(vendor="sqlite", connection=raw))
        for a, b in PAIRS:
            (value,) = raw.execute("SELECT similarity(?, ?)", (a, b)).fetchone()
            assert value == matching.similarity(a, b)
    finally:
        raw.close()
