"""A real OpenLDAP for the LDAP tests: Debian's slapd, started once per test session by
python-ldap's own `slapdtest.SlapdObject` on loopback, with the company of ldap_tree.py put
back before each test. Access as a company would set it: only signed-in entries read the
directory, passwords are for binding only, searches are limited except for Lihui's service
account's paged ones; TLS with slapdtest's certificates (StartTLS).

Fixtures (import them into the test module): `slapd` (the session's server) and
`ldap_directory` (the tree reset, settings.LIHUI_LDAP pointing at it, the LDAP backend on).
"""

from __future__ import annotations

import contextlib
import dataclasses
import os
import shutil
import socket
import tempfile
import threading

import pytest

from . import ldap_tree as tree

SLAPD = os.environ.get("SLAPD", "/usr/sbin/slapd")
SCHEMA = os.environ.get("SCHEMA", "/etc/ldap/schema")
INSTALL = "apt-get install slapd ldap-utils"
BACKENDS = ["lihui.people.throttle.ThrottledModelBackend", "lihui.directory.ldap.DirectoryBackend"]

# As a company's slapd: a search stops at 10 entries (fewer than the company has) except for
# Lihui's service account, which may page through everyone.
ACCESS = f"""olcAccess: {{0}}to attrs=userPassword by anonymous auth by * none
olcAccess: {{1}}to * by users read by * none
olcSizeLimit: 10
olcLimits: dn.exact="{tree.SERVICE_DN}" size.prtotal=unlimited
"""


def _server_class():
    from slapdtest import SlapdObject  # sets LDAPNOINIT: no ~/.ldaprc or /etc/ldap/ldap.conf

    class CompanySlapd(SlapdObject):
        suffix = tree.SUFFIX
        root_cn = "admin"
        root_pw = "root-secret"
        openldap_schema_files = ("core.ldif", "cosine.ldif", "inetorgperson.ldif")
        slapd_loglevel = "0"
        slapd_conf_template = SlapdObject.slapd_conf_template + ACCESS
        TMPDIR = tempfile.gettempdir()
        SCHEMADIR = SCHEMA

    return CompanySlapd


def slapd_missing() -> str | None:
    missing = [
        name for name, path in (("slapd", SLAPD), ("ldapadd", shutil.which("ldapadd"))) if not path or not os.path.exists(path)
    ]
    if missing or not os.path.isdir(SCHEMA):
        what = ", ".join(missing) or SCHEMA
        return f"The LDAP tests start a real OpenLDAP and need Debian's slapd and ldap-utils: {INSTALL} (missing: {what})."
    return None


@pytest.fixture(scope="session")
def slapd():
    problem = slapd_missing()
    if problem:
        pytest.fail(problem, pytrace=False)
    os.environ.setdefault("SLAPD", SLAPD)
    server = _server_class()()
    server.start()
    try:
        yield server
    finally:
        server.stop()


@dataclasses.dataclass
class Directory:
    """The running directory, as a test changes it (the company's IT, with python-ldap)."""

    server: object

    @property
    def uri(self) -> str:
        return self.server.ldap_uri

    def connection(self):
        import ldap

        conn = ldap.initialize(self.uri, bytes_mode=False)
        conn.simple_bind_s(self.server.root_dn, self.server.root_pw)
        return conn

    def reset(self) -> None:
        import ldap

        conn = self.connection()
        try:
            try:
                found = conn.search_s(tree.SUFFIX, ldap.SCOPE_SUBTREE, "(objectClass=*)", ["1.1"])
            except ldap.NO_SUCH_OBJECT:
                found = []
            for dn in sorted((dn for dn, _ in found), key=lambda dn: -len(ldap.dn.str2dn(dn))):
                conn.delete_s(dn)
            for dn, attrs in tree.entries():
                conn.add_s(dn, list(attrs.items()))
        finally:
            conn.unbind_s()

    def config(self, **changes) -> dict:
        """settings.LIHUI_LDAP for this directory, as settings.py would make it from the environment."""
        config = {
            "uri": self.uri, "bind_dn": tree.SERVICE_DN, "bind_password": tree.SERVICE_PASSWORD, "start_tls": False,
            "ca_file": "", "timeout": 5, "user_base": tree.PEOPLE, "user_filter": "(&(objectClass=inetOrgPerson)(uid=%(user)s))",
            "sync_filter": "",
            "disabled_filter": "(employeeType=left)", "attrs": {}, "department_base": "", "admin_groups": [tree.ADMINS],
            "group_departments": {tree.QUALITY: "运营中心/质检部"}, "sync_minutes": 60, "page_size": 4,
        }  # fmt: skip
        config.update(changes)
        return config

    def modify(self, dn: str, **values) -> None:
        """Replace attributes (None deletes one)."""
        import ldap

        conn = self.connection()
        try:
            conn.modify_s(dn, [(ldap.MOD_REPLACE, k, None if v is None else [v.encode()]) for k, v in values.items()])
        finally:
            conn.unbind_s()

    def move(self, dn: str, new_parent: str) -> None:
        conn = self.connection()
        try:
            conn.rename_s(dn, dn.split(",", 1)[0], newsuperior=new_parent)
        finally:
            conn.unbind_s()

    def delete(self, dn: str) -> None:
        conn = self.connection()
        try:
            conn.delete_s(dn)
        finally:
            conn.unbind_s()

    def entry_uuid(self, dn: str) -> str:
        import ldap

        conn = self.connection()
        try:
            return conn.search_s(dn, ldap.SCOPE_BASE, "(objectClass=*)", ["entryUUID"])[0][1]["entryUUID"][0].decode()
        finally:
            conn.unbind_s()


@pytest.fixture
def ldap_directory(slapd, settings):
    directory = Directory(slapd)
    directory.reset()
    settings.LIHUI_LDAP = directory.config()
    settings.AUTHENTICATION_BACKENDS = BACKENDS
    return directory


@contextlib.contextmanager
def broken_directory(answer: bytes | None):
    """A TCP server on loopback that is no directory: it answers every request with `answer`
    (bytes that are not LDAP), or with None keeps the connection open and says nothing. Yields its URI."""
    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    listener.settimeout(0.2)
    stop = threading.Event()
    held = []

    def serve():
        while not stop.is_set():
            try:
                conn, _address = listener.accept()
            except TimeoutError:
                continue
            held.append(conn)
            if answer is not None:
                conn.recv(4096)
                conn.sendall(answer)

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        yield f"ldap://127.0.0.1:{listener.getsockname()[1]}"
    finally:
        stop.set()
        thread.join()
        for conn in held:
            conn.close()
        listener.close()


def closed_port_uri() -> str:
    """A loopback port nobody listens on: a directory that is down."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return f"ldap://127.0.0.1:{probe.getsockname()[1]}"
