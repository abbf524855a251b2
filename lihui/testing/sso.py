"""Real single sign-on providers for the tests, started on loopback: an OpenID provider (npm
`oidc-provider`, OpenID Certified) and a SAML 2.0 IdP (npm `samlp` behind express).

Their npm projects live in lihui/testing/oidc/ and lihui/testing/saml/ (package.json and the
lock file committed, never node_modules): each is copied into var/test-node/<name>-<lock
digest>/ and installed there with `npm ci` the first time, so a checkout stays clean and a
changed lock installs afresh. Each server picks its own port and prints its address once it
listens; `stop()` ends it. Under bin/test-shifted the servers inherit the shifted clock (the
tokens and assertions they sign are checked against it).
"""

from __future__ import annotations

import contextlib
import datetime as dt
import fcntl
import hashlib
import json
import os
import re
import selectors
import shutil
import subprocess
import time
from pathlib import Path

import pytest

HERE = Path(__file__).resolve().parent
CACHE = HERE.parents[1] / "var" / "test-node"
START_TIMEOUT = 30

# The accounts both providers know (the login name picks one; any password works).
ACCOUNTS = {
    "zhangwei": {"sub": "oidc-zhangwei", "name": "张伟", "email": "zhang.wei@example.com", "email_verified": True,
                 "employee_number": "E100", "preferred_username": "zhangwei"},
    "lina": {"sub": "oidc-lina", "name": "李娜", "email": "li.na@example.com", "email_verified": True, "employee_number": "E200"},
    "wangfang": {"sub": "oidc-wangfang", "name": "王芳", "email": "wang.fang@example.com", "email_verified": True},
    "unverified": {"sub": "oidc-unverified", "name": "赵某", "email": "zhao@example.com", "email_verified": False},
    "nobody": {"sub": "oidc-nobody"},
}  # fmt: skip


class MissingNode(RuntimeError):
    pass


def node_project(name: str) -> Path:
    """lihui/testing/<name>/ installed under var/test-node (npm ci once per lock file)."""
    if not shutil.which("node") or not shutil.which("npm"):
        raise MissingNode(
            "The single sign-on tests start real providers on Node.js: install Node.js 20 and npm "
            "(Debian: apt-get install nodejs npm)."
        )
    source = HERE / name
    lock = (source / "package-lock.json").read_bytes()
    target = CACHE / f"{name}-{hashlib.sha256(lock).hexdigest()[:12]}"
    target.mkdir(parents=True, exist_ok=True)
    with open(target / ".lock", "w") as guard:  # two test workers: one installs, the other waits
        fcntl.flock(guard, fcntl.LOCK_EX)
        for path in source.iterdir():
            if path.is_file():
                shutil.copy2(path, target / path.name)
        if not (target / "node_modules" / ".package-lock.json").exists():
            # On the real clock (under bin/test-shifted, the registry's certificate could look expired).
            real_clock = {k: v for k, v in os.environ.items() if k not in ("LD_PRELOAD", "FAKETIME")}
            result = subprocess.run(
                ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=target, env=real_clock, capture_output=True, text=True,
                timeout=300,
            )  # fmt: skip
            if result.returncode:
                raise RuntimeError(f"npm ci in {target} failed:\n{result.stdout}\n{result.stderr}")
    return target


class NodeServer:
    """A node script that prints one JSON line once it listens."""

    def __init__(self, project: str, script: str, env: dict[str, str]):
        directory = node_project(project)
        self.log = directory / f"{script}.log"
        self._log = open(self.log, "w")  # noqa: SIM115  closed in stop()
        self.process = subprocess.Popen(
            ["node", script], cwd=directory, env={**os.environ, **env}, stdout=subprocess.PIPE, stderr=self._log, text=True
        )
        self.ready = self._first_line()

    def _first_line(self) -> dict:
        with selectors.DefaultSelector() as selector:
            selector.register(self.process.stdout, selectors.EVENT_READ)
            deadline = time.monotonic() + START_TIMEOUT
            while time.monotonic() < deadline:
                if selector.select(timeout=0.2):
                    line = self.process.stdout.readline()
                    if line:
                        return json.loads(line)
                if self.process.poll() is not None:
                    break
        self.stop()
        raise RuntimeError(f"{self.log.name} did not start:\n{self.log.read_text()}")

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        if self.process.stdout:
            self.process.stdout.close()
        self._log.close()


class OpenIDProvider(NodeServer):
    client_id = "lihui"
    client_secret = "lihui-test-secret"

    def __init__(self, *, redirect_uris: list[str], post_logout_redirect_uris: list[str], accounts: dict = ACCOUNTS):
        super().__init__("oidc", "provider.mjs", {
            "OIDC_CLIENT_ID": self.client_id, "OIDC_CLIENT_SECRET": self.client_secret, "OIDC_ACCOUNTS": json.dumps(accounts),
            "OIDC_REDIRECT_URIS": json.dumps(redirect_uris), "OIDC_POST_LOGOUT_REDIRECT_URIS": json.dumps(post_logout_redirect_uris),
        })  # fmt: skip
        self.issuer = self.ready["issuer"]

    def environ(self, name: str = "公司统一认证") -> dict[str, str]:
        """The LIHUI_OIDC_* variables a deployment would set for this provider."""
        return {"LIHUI_OIDC_SERVER_URL": self.issuer, "LIHUI_OIDC_CLIENT_ID": self.client_id,
                "LIHUI_OIDC_SECRET": self.client_secret, "LIHUI_OIDC_NAME": name}  # fmt: skip


def make_certificate(directory: Path, common_name: str) -> tuple[Path, Path]:
    """A fresh RSA key and self-signed certificate (PEM files) for signing SAML messages."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import rsa
    from cryptography.x509.oid import NameOID

    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = dt.datetime.now(dt.UTC)
    cert = (
        x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(key.public_key())
        .serial_number(x509.random_serial_number()).not_valid_before(now - dt.timedelta(days=1))
        .not_valid_after(now + dt.timedelta(days=3650)).sign(key, hashes.SHA256())
    )  # fmt: skip
    key_path, cert_path = directory / f"{common_name}.key", directory / f"{common_name}.crt"
    key_path.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()))
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    return key_path, cert_path


class SamlIdP(NodeServer):
    entity_id = "urn:lihui:test-idp"

    def __init__(self, *, directory: Path, sp_metadata_url: str, accounts: dict = ACCOUNTS):
        self.key, self.cert = make_certificate(directory, "test-idp")
        saml_accounts = {
            login: {"uid": a.get("sub", login).replace("oidc-", "saml-"), "name": a.get("name", ""), "email": a.get("email", ""),
                    "employee_number": a.get("employee_number", "")}
            for login, a in accounts.items()
        }  # fmt: skip
        super().__init__("saml", "idp.js", {
            "SAML_IDP_CERT": str(self.cert), "SAML_IDP_KEY": str(self.key), "SAML_IDP_ENTITY_ID": self.entity_id,
            "SAML_SP_METADATA_URL": sp_metadata_url, "SAML_ACCOUNTS": json.dumps(saml_accounts),
        })  # fmt: skip
        self.url = self.ready["url"]
        self.metadata_url = f"{self.url}/metadata"

    def environ(self, name: str = "公司 SAML 登录") -> dict[str, str]:
        return {"LIHUI_SAML_METADATA_URL": self.metadata_url, "LIHUI_SAML_ENTITY_ID": self.entity_id, "LIHUI_SAML_NAME": name}


@contextlib.contextmanager
def running(server_factory):
    server = server_factory()
    try:
        yield server
    finally:
        server.stop()


# --- pytest fixtures and browser steps shared by the SSO tests (import them into the module) ---

OUTSIDE = re.compile(r"^https?://(?!127\.0\.0\.1[:/]|localhost[:/])")


@pytest.fixture(scope="module")
def oidc_provider(live_server):
    """The OpenID provider, knowing the live server's redirect and post-logout URIs."""
    try:
        server = OpenIDProvider(
            redirect_uris=[f"{live_server.url}/sso/oidc/company/login/callback/"],
            post_logout_redirect_uris=[f"{live_server.url}/login/"],
        )
    except MissingNode as exc:
        pytest.fail(str(exc))
    yield server
    server.stop()


@pytest.fixture
def sso_pages(live_server, monkeypatch):
    """browser_pages' `open_page`, each page kept to loopback like every test."""
    from lihui.testing.browser import browser_pages

    for opener in browser_pages(live_server, monkeypatch):

        def open_page(*args, _opener=opener, **kwargs):
            page = _opener(*args, **kwargs)
            page.context.route(OUTSIDE, lambda route: route.abort())
            return page

        yield open_page


def oidc_start(page, shots=None, name: str = "公司统一认证", start: str = "/login/") -> None:
    """Our login page (or a page that sends us there), then its OpenID Connect button: the
    provider's login form."""
    from lihui.testing.browser import goto, zh

    goto(page, start)
    button = page.locator("a.login-oidc")
    assert button.inner_text().strip() == zh("Log in with %(name)s", name=name)
    if shots:
        shots(page, "login-page")
    button.click()
    page.wait_for_url(re.compile(r"^http://127\.0\.0\.1:\d+/interaction/"))


def oidc_provider_login(page, login: str, shots=None) -> None:
    """The provider's own login form (any password), then its consent page if it asks."""
    page.fill("input[name=login]", login)
    page.fill("input[name=password]", "whatever-the-password")
    if shots:
        shots(page, "provider-login")
    page.click("button[type=submit]")
    page.wait_for_load_state()
    if page.url.startswith("http://127.0.0.1") and page.locator("input[name=prompt][value=consent]").count():
        if shots:
            shots(page, "provider-consent")
        page.click("button[type=submit]")
    page.wait_for_url(re.compile(r"^http://localhost:\d+/"))


def oidc_log_in(page, login: str, shots=None, start: str = "/login/") -> None:
    oidc_start(page, shots, start=start)
    oidc_provider_login(page, login, shots)
