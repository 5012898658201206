"""A real SAML 2.0 IdP on loopback: SimpleSAMLphp from Debian's packages under ``php -S``.

Import the fixtures into a test module (``from tests.identity.conftest_saml import saml_idp  # noqa: F401``).
When SimpleSAMLphp or PHP is missing, the fixture installs Debian's packages by name with apt-get if the tests
run as root, and skips otherwise, saying what to install.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import time
from pathlib import Path

import pytest
import requests

from tests.identity.saml_idp import IdpConfig, User

# Debian's simplesamlphp package does not pull in the PHP extensions it needs (DOM, mbstring).
PACKAGES = ["simplesamlphp", "php-cli", "php-xml", "php-mbstring"]
SIMPLESAMLPHP_WWW = Path("/usr/share/simplesamlphp/www")

USERS = [
    User("alice", "alice-pass-1", "alice@initech.example", "Alice", "Anders"),
    User("bob", "bob-pass-2", "bob@initech.example", "Bob", "Berg"),
]


def _installed() -> bool:
    php = shutil.which("php")
    if not php or not SIMPLESAMLPHP_WWW.is_dir():
        return False
    modules = subprocess.run([php, "-m"], capture_output=True, text=True).stdout.lower().split()  # noqa: S603
    return "dom" in modules and "mbstring" in modules


def simplesamlphp_ensure() -> None:
    if _installed():
        return
    if os.geteuid() != 0:
        pytest.skip(
            "SimpleSAMLphp is not installed and the tests do not run as root to install it: "
            f"run `apt-get install --no-install-recommends {' '.join(PACKAGES)}`."
        )
    apt_get = shutil.which("apt-get")
    if not apt_get:
        pytest.skip(f"SimpleSAMLphp is not installed and there is no apt-get to install {' '.join(PACKAGES)}.")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    # Fixed Debian package names, nothing from the test's input.
    install = [apt_get, "install", "-y", "-q", "--no-install-recommends", *PACKAGES]
    if subprocess.run(install, env=env, capture_output=True).returncode != 0:  # noqa: S603
        subprocess.run([apt_get, "update", "-q"], env=env, capture_output=True)  # noqa: S603
        result = subprocess.run(install, env=env, capture_output=True, text=True)  # noqa: S603
        if result.returncode != 0:
            pytest.fail(f"apt-get install {' '.join(PACKAGES)} failed:\n{result.stdout}\n{result.stderr}")
    if not _installed():
        pytest.fail(f"{' '.join(PACKAGES)} installed, but php or {SIMPLESAMLPHP_WWW} is still missing.")


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="session")
def saml_idp(tmp_path_factory) -> IdpConfig:
    """A running SimpleSAMLphp IdP with the test ``USERS``; add service providers with ``add_service_provider``."""
    simplesamlphp_ensure()
    port = _free_port()
    config = IdpConfig(
        directory=tmp_path_factory.mktemp("simplesamlphp"), base_url=f"http://127.0.0.1:{port}/", users=USERS
    )
    config.write()
    log_path = config.directory / "php-server.log"
    with open(log_path, "wb") as log:
        server = subprocess.Popen(  # noqa: S603 (fixed arguments)
            [shutil.which("php"), "-S", f"127.0.0.1:{port}", "-t", str(SIMPLESAMLPHP_WWW)],
            env={**os.environ, "SIMPLESAMLPHP_CONFIG_DIR": str(config.directory)},
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        try:
            deadline = time.monotonic() + 30
            while True:
                try:
                    response = requests.get(config.metadata_url, timeout=2)
                    if response.status_code == 200 and b"EntityDescriptor" in response.content:
                        break
                except requests.ConnectionError:
                    pass
                if server.poll() is not None or time.monotonic() > deadline:
                    log.flush()
                    pytest.fail("SimpleSAMLphp did not serve its metadata:\n" + log_path.read_text())
                time.sleep(0.2)
            yield config
        finally:
            server.terminate()
            try:
                server.wait(timeout=10)
            except subprocess.TimeoutExpired:
                server.kill()
