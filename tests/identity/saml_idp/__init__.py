"""A SimpleSAMLphp 1.19 IdP configuration for the tests, written into a directory of its own.

SimpleSAMLphp reads its configuration from ``SIMPLESAMLPHP_CONFIG_DIR``: ``config.php``, ``authsources.php`` (the
test users, ``exampleauth:UserPass``) and ``metadata/`` (this IdP, ``saml20-idp-hosted.php``, and the service
providers it trusts, ``saml20-sp-remote.php``). The IdP signs with a key pair made by ``openssl`` when the
configuration is written. The metadata is read on every request, so service providers can be added while the IdP
runs.
"""

from __future__ import annotations

import secrets
import shutil
import subprocess
from dataclasses import dataclass, field
from pathlib import Path

# SimpleSAMLphp's attribute name maps (name2oid) as Debian installs them.
ATTRIBUTE_MAP_DIR = "/etc/simplesamlphp/attributemap/"


@dataclass
class User:
    username: str
    password: str
    email: str
    first_name: str
    last_name: str

    def attributes(self) -> dict[str, list[str]]:
        return {"uid": [self.username], "mail": [self.email], "givenName": [self.first_name], "sn": [self.last_name]}


@dataclass
class ServiceProvider:
    entity_id: str
    acs_url: str
    sls_url: str = ""
    sign_assertion: bool = True


@dataclass
class IdpConfig:
    directory: Path
    base_url: str  # http://127.0.0.1:<port>/
    users: list[User]
    service_providers: list[ServiceProvider] = field(default_factory=list)

    @property
    def entity_id(self) -> str:
        return self.metadata_url

    @property
    def metadata_url(self) -> str:
        return self.base_url + "saml2/idp/metadata.php"

    def idp_initiated_url(self, sp_entity_id: str) -> str:
        from urllib.parse import urlencode

        return self.base_url + "saml2/idp/SSOService.php?" + urlencode({"spentityid": sp_entity_id})

    @property
    def certificate(self) -> str:
        return (self.directory / "cert" / "idp.crt").read_text()

    def write(self) -> None:
        for sub in ("cert", "metadata", "log", "data", "tmp", "sessions"):
            (self.directory / sub).mkdir(parents=True, exist_ok=True)
        if not (self.directory / "cert" / "idp.key").exists():
            key_pair_generate(self.directory / "cert")
        (self.directory / "config.php").write_text(self._config_php())
        (self.directory / "authsources.php").write_text(self._authsources_php())
        (self.directory / "metadata" / "saml20-idp-hosted.php").write_text(self._idp_hosted_php())
        self.write_service_providers()

    def add_service_provider(self, sp: ServiceProvider) -> None:
        self.service_providers = [s for s in self.service_providers if s.entity_id != sp.entity_id] + [sp]
        self.write_service_providers()

    def write_service_providers(self) -> None:
        entries = []
        for sp in self.service_providers:
            items = {
                "AssertionConsumerService": sp.acs_url,
                "saml20.sign.assertion": sp.sign_assertion,
                "saml20.sign.response": False,
            }
            if sp.sls_url:
                items["SingleLogoutService"] = sp.sls_url
            entries.append(f"$metadata[{php(sp.entity_id)}] = {php(items)};")
        (self.directory / "metadata" / "saml20-sp-remote.php").write_text("<?php\n" + "\n".join(entries) + "\n")

    def _config_php(self) -> str:
        d = str(self.directory)
        config = {
            "baseurlpath": self.base_url,
            "certdir": f"{d}/cert/",
            "loggingdir": f"{d}/log/",
            "datadir": f"{d}/data/",
            "tempdir": f"{d}/tmp",  # noqa: S108 (inside the test's own directory)
            "metadatadir": f"{d}/metadata/",
            "attributenamemapdir": ATTRIBUTE_MAP_DIR,
            "secretsalt": secrets.token_hex(16),
            "auth.adminpassword": secrets.token_hex(16),
            "technicalcontact_name": "Onepane tests",
            "technicalcontact_email": "tests@onepane.example",
            "timezone": "UTC",
            "enable.saml20-idp": True,
            "module.enable": {"exampleauth": True, "core": True, "saml": True},
            "logging.handler": "file",
            "logging.logfile": "simplesamlphp.log",
            "showerrors": True,
            "errorreporting": False,
            "production": False,
            "store.type": "phpsession",
            "session.phpsession.savepath": f"{d}/sessions",
            "session.cookie.secure": False,
            "language.cookie.secure": False,
        }
        body = php(config)
        # The log level is a PHP constant, not a string.
        return f"<?php\n$config = {body};\n$config['logging.level'] = SimpleSAML\\Logger::DEBUG;\n"

    def _authsources_php(self) -> str:
        userpass = ["exampleauth:UserPass"]
        sources = {
            "admin": ["core:AdminPassword"],
        }
        users = {f"{u.username}:{u.password}": u.attributes() for u in self.users}
        return (
            "<?php\n$config = "
            + php(sources)
            + ";\n$config['example-userpass'] = array_merge("
            + php(userpass)
            + ", "
            + php(users)
            + ");\n"
        )

    def _idp_hosted_php(self) -> str:
        d = str(self.directory)
        items = {
            "host": "__DEFAULT__",
            "privatekey": f"{d}/cert/idp.key",
            "certificate": f"{d}/cert/idp.crt",
            "auth": "example-userpass",
            "signature.algorithm": "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256",
            "attributes.NameFormat": "urn:oasis:names:tc:SAML:2.0:attrname-format:uri",
            "authproc": {100: {"class": "core:AttributeMap", "0": "name2oid"}},
        }
        return f"<?php\n$metadata[{php(self.entity_id)}] = {php(items)};\n"


def key_pair_generate(directory: Path) -> None:
    subprocess.run(  # noqa: S603 (fixed arguments)
        [
            shutil.which("openssl") or "/usr/bin/openssl",
            "req",
            "-x509",
            "-newkey",
            "rsa:2048",
            "-nodes",
            "-sha256",
            "-days",
            "2",
            "-subj",
            "/CN=Onepane test IdP",
            "-keyout",
            str(directory / "idp.key"),
            "-out",
            str(directory / "idp.crt"),
        ],
        check=True,
        capture_output=True,
    )


def php(value) -> str:
    """A Python value as a PHP literal (strings, booleans, numbers, lists and dicts)."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, str):
        return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"
    if isinstance(value, list):
        return "[" + ", ".join(php(v) for v in value) + "]"
    if isinstance(value, dict):
        items = []
        for k, v in value.items():
            key = str(k) if isinstance(k, int) or (isinstance(k, str) and k.isdigit()) else php(k)
            items.append(f"{key} => {php(v)}")
        return "[" + ", ".join(items) + "]"
    raise TypeError(f"no PHP literal for {type(value).__name__}")
