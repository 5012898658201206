"""The guarded client for addresses a tenant chooses (``core.outbound``), against local servers the tests start.

DNS is stood in for by replacing ``core.outbound.resolve`` (our own function) or, for DNS rebinding, the
system resolver itself; every other step (sockets, TLS, HTTP) is real.
"""

from __future__ import annotations

import ast
import gzip
import json
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest
import requests

from core import outbound
from tests.local_http import LocalServer, answer, self_signed

ROOT = Path(__file__).resolve().parents[2]


def ok(handler):
    answer(handler, 200, b'{"ok": true}', {"Content-Type": "application/json"})


@pytest.fixture
def loopback(settings):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True


@pytest.fixture
def production(settings):
    """What production allows: nothing on this machine, https only."""
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = False


@pytest.fixture
def server():
    started = LocalServer(routes={"/ok": ok}).start()
    yield started
    started.stop()


@pytest.fixture
def dns(monkeypatch):
    """``dns({"name": ["address", ...]})``: what ``core.outbound.resolve`` answers; records what it was asked."""
    table, asked = {}, []

    def resolve(host, port):
        asked.append(host)
        if host not in table:
            raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")
        return list(table[host])

    monkeypatch.setattr(outbound, "resolve", resolve)

    def configure(entries):
        table.update(entries)
        return asked

    return configure


# --- addresses ------------------------------------------------------------------------------------------------

REFUSED = [
    "10.0.0.5",
    "172.16.3.4",
    "192.168.1.10",
    "169.254.169.254",  # cloud metadata
    "100.64.0.1",  # carrier-grade NAT
    "0.0.0.0",  # noqa: S104 (an address to refuse, not one to bind)
    "224.0.0.1",
    "240.0.0.1",
    "255.255.255.255",
    "192.0.2.1",
    "198.18.0.1",
    "::",
    "::ffff:10.0.0.5",
    "::ffff:169.254.169.254",
    "64:ff9b::a00:5",  # NAT64 of 10.0.0.5
    "2002:a00:5::1",  # 6to4 of 10.0.0.5
    "2001:0:4136:e378:8000:63bf:3fff:fdd2",  # Teredo
    "fc00::1",
    "fd12:3456::1",
    "fe80::1",
    "fe80::1%eth0",
    "fec0::1",
    "ff02::1",
    "2001:db8::1",
]
LOOPBACK = ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"]
PUBLIC = ["8.8.8.8", "93.184.215.14", "2606:4700:4700::1111", "::ffff:8.8.8.8"]


@pytest.mark.parametrize("address", REFUSED + LOOPBACK)
def test_private_and_local_addresses_are_refused(address):
    assert not outbound.address_is_allowed(address, allow_loopback=False)


@pytest.mark.parametrize("address", REFUSED)
def test_private_addresses_stay_refused_where_loopback_is_allowed(address):
    assert not outbound.address_is_allowed(address, allow_loopback=True)


@pytest.mark.parametrize("address", PUBLIC)
def test_public_addresses_are_allowed(address):
    assert outbound.address_is_allowed(address, allow_loopback=False)


@pytest.mark.parametrize("address", REFUSED + LOOPBACK)
def test_a_name_on_a_private_network_is_refused_before_connecting(production, dns, server, address):
    dns({"idp.initech.example": [address]})
    with pytest.raises(outbound.AddressRefused, match="idp.initech.example is on a private or local network"):
        outbound.fetch(f"https://idp.initech.example:{server.port}/ok")
    assert server.received == []


def test_a_name_with_one_private_address_among_public_ones_is_refused(production, dns):
    dns({"idp.initech.example": ["8.8.8.8", "10.0.0.5"]})
    with pytest.raises(outbound.AddressRefused):
        outbound.fetch("https://idp.initech.example/")


@pytest.mark.parametrize("url", ["https://10.0.0.5/", "https://[::ffff:169.254.169.254]/", "https://localhost/"])
def test_an_address_written_in_the_url_is_checked_too(production, url):
    with pytest.raises(outbound.AddressRefused):
        outbound.fetch(url)


def test_loopback_is_refused_unless_allowed(settings, server):
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = False
    with pytest.raises(outbound.SchemeRefused, match="Only https:// addresses"):
        outbound.fetch(server.url("/ok"))
    with pytest.raises(outbound.AddressRefused, match="private or local network"):
        outbound.fetch(server.url("/ok").replace("http://", "https://"))
    assert server.received == []
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True
    assert outbound.fetch(server.url("/ok")).json() == {"ok": True}
    assert len(server.received) == 1


# --- https only -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize("url", ["http://idp.initech.example/", "ftp://idp.initech.example/", "file:///etc/passwd"])
def test_only_https_in_production(production, dns, url):
    dns({"idp.initech.example": ["8.8.8.8"]})
    with pytest.raises(outbound.SchemeRefused, match="Only https:// addresses"):
        outbound.fetch(url)


def test_plain_http_where_loopback_is_allowed_is_for_this_machine_only(loopback, dns, server):
    dns({"idp.initech.example": ["8.8.8.8"], "idp.local.test": ["127.0.0.1"]})
    with pytest.raises(outbound.SchemeRefused):
        outbound.fetch("http://idp.initech.example/")
    assert outbound.fetch(server.url("/ok", host="idp.local.test")).json() == {"ok": True}


def test_production_cannot_allow_loopback():
    env = {"DJANGO_ENV": "production", "SECRET_KEY": "x" * 50, "PATH": "/usr/bin:/bin"}
    code = "import portal.settings as s; print(s.ONEPANE_OUTBOUND_ALLOW_LOOPBACK)"
    default = subprocess.run(  # noqa: S603 (this Python, a fixed snippet)
        [sys.executable, "-c", code], cwd=ROOT, env=env, capture_output=True, text=True
    )
    assert default.stdout.strip() == "False", default.stderr
    opted = subprocess.run(  # noqa: S603 (this Python, a fixed snippet)
        [sys.executable, "-c", code],
        cwd=ROOT,
        env={**env, "ONEPANE_OUTBOUND_ALLOW_LOOPBACK": "1"},
        capture_output=True,
        text=True,
    )
    assert opted.returncode != 0
    assert "ONEPANE_OUTBOUND_ALLOW_LOOPBACK cannot be set when DJANGO_ENV=production" in opted.stderr


# --- DNS rebinding --------------------------------------------------------------------------------------------


def test_the_connection_goes_to_the_checked_address_not_a_second_answer(loopback, monkeypatch, server):
    """The name resolves to this machine (allowed here) when checked, then to a private address: the request
    still reaches the checked address, and the name is resolved once."""
    real = socket.getaddrinfo
    answers = iter(["127.0.0.1", "10.0.0.5", "10.0.0.5"])
    asked = []

    def rebinding(host, port, *args, **kwargs):
        asked.append(host)
        if host == "rebind.test":
            return real(next(answers), port, *args, **kwargs)
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    assert outbound.fetch(server.url("/ok", host="rebind.test")).json() == {"ok": True}
    assert asked.count("rebind.test") == 1
    assert server.received[0].headers["Host"] == f"rebind.test:{server.port}"


def test_a_public_answer_then_loopback_never_reaches_this_machine(production, monkeypatch, server):
    """The name is public when checked, loopback afterwards: Onepane connects to the public address it checked
    (here the test's network stops there), never asks DNS again, and nothing reaches the local server."""
    asked = []
    answers = iter(["8.8.4.4", "127.0.0.1", "127.0.0.1"])
    real = socket.getaddrinfo

    def rebinding(host, port, *args, **kwargs):
        asked.append(host)
        if host == "rebind.test":
            return real(next(answers), port, *args, **kwargs)
        if host == "8.8.4.4":
            raise OSError(101, "Network is unreachable (the test stops here)")
        return real(host, port, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", rebinding)
    with pytest.raises(outbound.OutboundUnreachable, match="could not be reached"):
        outbound.fetch(f"https://rebind.test:{server.port}/ok")
    assert asked == ["rebind.test", "8.8.4.4"]
    assert server.received == []


# --- https with the hostname's certificate -------------------------------------------------------------------


@pytest.fixture
def tls_server(tmp_path):
    started = LocalServer(routes={"/ok": ok}, certificate=self_signed(tmp_path, ["idp.initech.test"])).start()
    yield started
    started.stop()


def test_https_to_the_pinned_address_checks_the_certificate_of_the_hostname(loopback, dns, tls_server):
    dns({"idp.initech.test": ["127.0.0.1"], "other.initech.test": ["127.0.0.1"]})
    with outbound.session() as sess:
        sess.verify = str(tls_server.certificate[0])
        assert sess.get(tls_server.url("/ok", host="idp.initech.test")).json() == {"ok": True}
        assert tls_server.server_names == ["idp.initech.test"]  # SNI: the hostname, not the address
        assert tls_server.received[0].headers["Host"] == f"idp.initech.test:{tls_server.port}"
        with pytest.raises(outbound.OutboundUnreachable, match="certificate could not be verified"):
            sess.get(tls_server.url("/ok", host="other.initech.test"))
    assert len(tls_server.received) == 1


def test_an_untrusted_certificate_is_refused(loopback, dns, tls_server):
    dns({"idp.initech.test": ["127.0.0.1"]})
    with pytest.raises(outbound.OutboundUnreachable, match="certificate could not be verified"):
        outbound.fetch(tls_server.url("/ok", host="idp.initech.test"))


# --- redirects ------------------------------------------------------------------------------------------------


def redirect_to(location):
    return lambda handler: answer(handler, 302, b"", {"Location": location})


def test_a_redirect_to_a_private_address_is_refused(loopback, dns, server):
    dns({"internal.initech.example": ["10.0.0.5"]})
    server.routes["/moved"] = redirect_to("https://internal.initech.example/admin")
    with pytest.raises(outbound.AddressRefused, match="internal.initech.example is on a private"):
        outbound.fetch(server.url("/moved"))


def test_a_redirect_to_plain_http_is_refused(loopback, dns, server):
    dns({"idp.initech.example": ["8.8.8.8"]})
    server.routes["/moved"] = redirect_to("http://idp.initech.example/")
    with pytest.raises(outbound.SchemeRefused):
        outbound.fetch(server.url("/moved"))


def test_redirects_are_followed_a_few_times_each_checked(loopback, server, settings):
    server.routes["/a"] = redirect_to("/b")
    server.routes["/b"] = redirect_to("/ok")
    assert outbound.fetch(server.url("/a")).json() == {"ok": True}
    assert [r.path for r in server.received] == ["/a", "/b", "/ok"]
    server.routes["/loop"] = redirect_to("/loop")
    settings.ONEPANE_OUTBOUND_MAX_REDIRECTS = 3
    with pytest.raises(outbound.TooManyRedirects, match="redirects too many times"):
        outbound.fetch(server.url("/loop"))


# --- size and time --------------------------------------------------------------------------------------------


def test_a_response_larger_than_the_limit_is_refused(loopback, server, settings):
    settings.ONEPANE_OUTBOUND_MAX_BYTES = 10_000
    server.routes["/declared"] = lambda h: answer(h, 200, b"x" * 20_000)
    with pytest.raises(outbound.ResponseTooLarge, match="larger than 9 KB"):
        outbound.fetch(server.url("/declared"))
    assert outbound.fetch(server.url("/ok")).json() == {"ok": True}


def test_a_response_that_goes_on_past_the_limit_is_cut_off(loopback, server, settings):
    """No Content-Length: the body is read in pieces and abandoned past the limit, not read to its end."""
    settings.ONEPANE_OUTBOUND_MAX_BYTES = 100_000
    sent = []

    def endless(handler):
        handler.send_response(200)
        handler.send_header("Connection", "close")
        handler.end_headers()
        try:
            for _ in range(10_000):
                handler.wfile.write(b"x" * 10_000)
                sent.append(1)
        except OSError:
            pass

    server.routes["/endless"] = endless
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.fetch(server.url("/endless"))
    time.sleep(0.2)
    assert len(sent) < 10_000


def test_the_limit_counts_the_decoded_body(loopback, server, settings):
    settings.ONEPANE_OUTBOUND_MAX_BYTES = 100_000
    bomb = gzip.compress(b"\0" * 5_000_000)
    server.routes["/bomb"] = lambda h: answer(h, 200, bomb, {"Content-Encoding": "gzip"})
    assert len(bomb) < 100_000
    with pytest.raises(outbound.ResponseTooLarge):
        outbound.fetch(server.url("/bomb"))


def test_a_server_that_does_not_answer_times_out(loopback, server, settings):
    settings.ONEPANE_OUTBOUND_READ_TIMEOUT = 0.3

    def slow(handler):
        time.sleep(1.5)
        ok(handler)

    server.routes["/slow"] = slow
    started = time.monotonic()
    with pytest.raises(outbound.OutboundTimeout, match="did not answer in time"):
        outbound.fetch(server.url("/slow"))
    assert time.monotonic() - started < 1.2


def test_a_server_that_trickles_its_answer_meets_the_deadline(loopback, server, settings):
    settings.ONEPANE_OUTBOUND_READ_TIMEOUT = 1.0
    settings.ONEPANE_OUTBOUND_DEADLINE = 0.5

    def trickle(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.end_headers()
        try:
            for _ in range(1000):
                handler.wfile.write(b"x")
                handler.wfile.flush()
                time.sleep(0.05)
        except OSError:
            pass

    server.routes["/trickle"] = trickle
    started = time.monotonic()
    with pytest.raises(outbound.OutboundTimeout, match="did not send its answer in time"):
        outbound.fetch(server.url("/trickle"))
    assert time.monotonic() - started < 1.5


def test_nothing_listening_and_no_such_name_are_clear_messages(loopback, dns):
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        closed_port = s.getsockname()[1]
    with pytest.raises(outbound.OutboundUnreachable, match="127.0.0.1 could not be reached"):
        outbound.fetch(f"http://127.0.0.1:{closed_port}/")
    dns({})
    with pytest.raises(outbound.HostNotFound, match="nowhere.initech.example could not be found"):
        outbound.fetch("https://nowhere.initech.example/")


def test_an_answer_cut_short_is_a_clear_message(loopback, server):
    def cut(handler):
        handler.send_response(200)
        handler.send_header("Content-Length", "1000")
        handler.send_header("Connection", "close")
        handler.end_headers()
        handler.wfile.write(b"x" * 10)
        handler.close_connection = True

    server.routes["/cut"] = cut
    with pytest.raises(outbound.OutboundUnreachable, match="closed the connection before its answer was complete"):
        outbound.fetch(server.url("/cut"))


def test_an_error_status_is_an_outbound_error(loopback, server):
    with pytest.raises(outbound.OutboundUnreachable, match=r"answered with an error \(HTTP 404\)"):
        outbound.fetch(server.url("/missing"))


def test_every_failure_is_a_requests_exception_with_a_message_for_people():
    """Libraries that catch ``requests.RequestException`` (allauth) treat a refusal as a failed request."""
    for cls in (
        outbound.SchemeRefused,
        outbound.AddressRefused,
        outbound.HostNotFound,
        outbound.OutboundUnreachable,
        outbound.OutboundTimeout,
        outbound.ResponseTooLarge,
        outbound.TooManyRedirects,
    ):
        assert issubclass(cls, requests.RequestException)
        assert str(cls("A sentence.")) == "A sentence."


def test_proxies_from_the_environment_are_not_used(loopback, server, monkeypatch):
    monkeypatch.setenv("HTTP_PROXY", "http://10.0.0.5:3128")
    monkeypatch.setenv("HTTPS_PROXY", "http://10.0.0.5:3128")
    assert outbound.fetch(server.url("/ok")).json() == {"ok": True}


# --- the class: nothing else fetches URLs ----------------------------------------------------------------------

# Modules that open connections themselves. Everything else that fetches a URL a tenant chose goes through
# core.outbound; a new HTTP client in app code fails this test until it does.
HTTP_CLIENT_MODULES = {"requests", "urllib3", "httpx", "aiohttp", "http.client", "urllib.request", "pycurl"}
REQUESTS_EXCEPTIONS_ONLY = {"RequestException", "ConnectionError", "Timeout", "HTTPError", "JSONDecodeError"}
FETCHING_NAMES = {"urlopen", "parse_remote", "get_metadata"}  # urllib's, and python3-saml's metadata fetch


def _app_modules():
    skip = {".venv", "tests", "node_modules", "bench", "migrations", "staticfiles", "static", "media"}
    for path in ROOT.rglob("*.py"):
        parts = set(path.relative_to(ROOT).parts)
        if not parts & skip:
            yield path


def test_no_app_code_fetches_urls_except_through_the_guarded_client():
    # Parsed in a process of its own: CPython 3.11's AST builder can trip over the recursion depth that earlier tests
    # left in this one ("AST constructor recursion depth mismatch"), in any of its threads too.
    scan = "import json; from tests.portal.test_outbound import _fetching_code; print(json.dumps(_fetching_code()))"
    done = subprocess.run([sys.executable, "-c", scan], cwd=ROOT, capture_output=True, text=True, timeout=120)  # noqa: S603
    assert done.returncode == 0, done.stderr
    found = json.loads(done.stdout.splitlines()[-1])
    assert found == [], "Fetch tenant-chosen URLs through core.outbound:\n" + "\n".join(found)


def _fetching_code() -> list[str]:
    found = []
    for path in _app_modules():
        name = path.relative_to(ROOT).as_posix()
        if name == "core/outbound.py":
            continue
        tree = ast.parse(path.read_text(), filename=name)
        for node in ast.walk(tree):
            if isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in HTTP_CLIENT_MODULES - {"requests"} or alias.name.startswith("urllib3"):
                        found.append(f"{name}:{node.lineno} imports {alias.name}")
            elif isinstance(node, ast.ImportFrom) and node.module:
                module = node.module
                if module in HTTP_CLIENT_MODULES - {"requests"} or module.startswith(("urllib3", "requests.")):
                    found.append(f"{name}:{node.lineno} imports from {module}")
                elif module == "requests":
                    found += [
                        f"{name}:{node.lineno} imports requests.{a.name}"
                        for a in node.names
                        if a.name not in REQUESTS_EXCEPTIONS_ONLY
                    ]
            elif isinstance(node, ast.Attribute):
                uses_requests = isinstance(node.value, ast.Name) and node.value.id == "requests"
                if uses_requests and node.attr not in REQUESTS_EXCEPTIONS_ONLY:
                    found.append(f"{name}:{node.lineno} uses requests.{node.attr}")
                if node.attr in FETCHING_NAMES:
                    found.append(f"{name}:{node.lineno} calls {node.attr}")
            elif isinstance(node, ast.Name) and node.id in FETCHING_NAMES:
                found.append(f"{name}:{node.lineno} calls {node.id}")
    return found


def test_allauths_fetches_go_through_the_guarded_client():
    from allauth.socialaccount.adapter import get_adapter

    with get_adapter().get_requests_session() as sess:
        assert isinstance(sess, outbound.GuardedSession)
        assert {type(a) for a in sess.adapters.values()} == {outbound.GuardedAdapter}
