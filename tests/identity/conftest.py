"""Fixtures for single sign-on: a real OpenID provider (``tests/identity/oidc_idp``, npm ``oidc-provider``) on
loopback, installed with ``npm ci`` from its lock file the first time it is needed."""

from __future__ import annotations

import json
import os
import shutil
import socket
import subprocess
import threading
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from django.urls import reverse

IDP_DIR = Path(__file__).parent / "oidc_idp"
CLIENT_ID = "onepane"
CLIENT_SECRET = "onepane-test-secret"
_install_lock = threading.Lock()


def npm_ci() -> None:
    """Install the provider exactly as locked (npm registry only), unless it is installed already."""
    with _install_lock:
        if (IDP_DIR / "node_modules" / "oidc-provider" / "package.json").exists():
            return
        npm = shutil.which("npm")
        if not shutil.which("node") or not npm:
            pytest.fail("Node.js and npm are needed for the OpenID provider: apt-get install nodejs npm")
        subprocess.run(  # noqa: S603 (npm, found on PATH, with fixed arguments)
            [npm, "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=IDP_DIR, check=True, timeout=300
        )


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@dataclass
class OIDCServer:
    issuer: str
    process: subprocess.Popen
    stderr: list = field(default_factory=list)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=5)
            except subprocess.TimeoutExpired:
                self.process.kill()


def start_oidc_server(*, port: int, redirect_uris: list[str], **knobs: str) -> OIDCServer:
    npm_ci()
    env = {
        **os.environ,
        "OIDC_PORT": str(port),
        "OIDC_CLIENT_ID": CLIENT_ID,
        "OIDC_CLIENT_SECRET": CLIENT_SECRET,
        "OIDC_REDIRECT_URIS": " ".join(redirect_uris),
        **{f"OIDC_{name.upper()}": value for name, value in knobs.items()},
    }
    node = shutil.which("node")
    if not node:
        pytest.fail("Node.js is needed for the OpenID provider: apt-get install nodejs npm")
    process = subprocess.Popen(  # noqa: S603 (node, found on PATH, running our own script)
        [node, "server.js"], cwd=IDP_DIR, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True
    )
    line = process.stdout.readline()
    if not line:
        raise RuntimeError(f"The OpenID provider did not start: {process.stderr.read()}")
    server = OIDCServer(issuer=json.loads(line)["issuer"], process=process)
    # Drain stderr so the provider never blocks on a full pipe.
    threading.Thread(target=lambda: server.stderr.extend(process.stderr), daemon=True).start()
    return server


@dataclass
class SSOSetup:
    organization: object
    idp: object
    server: OIDCServer
    domain: str


@pytest.fixture
def local_idps_allowed(settings):
    """The IdPs these tests start listen on loopback over plain http, which Onepane refuses unless told (never
    in production): ``ONEPANE_OUTBOUND_ALLOW_LOOPBACK``."""
    settings.ONEPANE_OUTBOUND_ALLOW_LOOPBACK = True


@pytest.fixture
def oidc_sso(live_server, local_idps_allowed):
    """``oidc_sso(organization, domain, **knobs)``: the organization verifies ``domain``, configures an enabled
    OpenID Connect IdP (as its admin would) and a real provider is started for it on loopback."""
    from identity import services
    from identity.models import IdentityProvider
    from tests import factories as f
    from vendors.models import Membership

    servers = []

    def setup(organization, domain, *, default_role=Membership.Role.MEMBER, **knobs) -> SSOSetup:
        port = free_port()
        admin = f.admin_of(organization)
        platform_admin = f.UserFactory(is_superuser=True, is_staff=True)
        idp = services.identity_provider_save(
            actor=admin,
            organization=organization,
            protocol=IdentityProvider.Protocol.OIDC,
            name=f"{organization.name} login",
            default_role=default_role,
            issuer_url=f"http://127.0.0.1:{port}",
            client_id=CLIENT_ID,
            client_secret=CLIENT_SECRET,
        )
        claimed = services.domain_add(actor=admin, organization=organization, domain=domain)
        services.domain_verify(actor=platform_admin, domain=claimed)
        callback = live_server.url + reverse("openid_connect_callback", kwargs={"provider_id": idp.slug})
        server = start_oidc_server(port=port, redirect_uris=[callback], **knobs)
        servers.append(server)
        return SSOSetup(organization=organization, idp=idp, server=server, domain=domain)

    yield setup
    for server in servers:
        server.stop()
