"""LDAP and Active Directory: sign-in with the directory password (django-auth-ldap), and the
directory read as a `Snapshot` for the engine (services.py) — at sign-in for the one person,
by `manage.py people_sync ldap` and the worker for everyone. Both read through the same
functions below, so a sign-in and a sync agree on every field.

How the directory becomes people and departments (docs/deploy.md, "LDAP / Active Directory"):

- **People** are the entries under `user_base` that match `sync_filter` (by default the sign-in
  filter with `*`: everyone who could sign in). A person's key is their `id` attribute —
  OpenLDAP's `entryUUID`, AD's `objectGUID` — which survives renames and moves between OUs.
  Their fields come from the attributes named in `attrs` (uid → username, cn → name, mail,
  mobile, title, employeeNumber → 工号, manager → line manager).
- **Departments** are the OU tree under `department_base` (default: `user_base`), nested as in
  the directory, each keyed by its own `id`; a person belongs to the OU that holds their entry.
  With `attrs["department"]` set (e.g. AD's `department`, OpenLDAP's `departmentNumber`) the
  department is that attribute's value instead, a path such as 运营中心/客服部. Either way,
  being a member of a group named in `group_departments` wins: that group's path.
  An OU's head is the person its `attrs["department_head"]` attribute names (AD: managedBy).
- **Admins**: with `admin_groups` set, the directory decides who of its people is an admin
  (is_staff): members of any of those groups are, everyone else it lists is not.
- **Leavers**: entries gone from the directory, or matching `disabled_filter` (AD: the
  ACCOUNTDISABLE bit of userAccountControl; OpenLDAP: e.g. `(employeeType=left)`), are
  deactivated by the sync and refused at sign-in.

Group members are read from the groups' `member` attribute (`attrs["group_member"]`); nested
groups are not followed, and AD hands out at most 1,500 values of one attribute at a time, so
a mapped group must have fewer direct members than that.
"""

from __future__ import annotations

import dataclasses
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager

import ldap
import ldap.dn
import ldap.filter
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.utils.translation import gettext as _
from django_auth_ldap.backend import LDAPBackend
from django_auth_ldap.config import LDAPSearch, LDAPSettings
from ldap.controls import SimplePagedResultsControl

from lihui.people import throttle
from lihui.people.models import Identity, Person
from lihui.ratelimit import throttle_cache

from .models import SyncReport
from .services import DirectoryDepartment, DirectoryPerson, Snapshot, sync_plan
from .sources import SourceError, directory_sync_if_due, snapshot_apply

log = logging.getLogger("lihui.directory.ldap")

SOURCE = "ldap"
PAGE_SIZE = 500
DEFAULT_ATTRS = {
    "id": "entryUUID",  # AD: objectGUID
    "username": "uid",  # AD: sAMAccountName
    "name": "cn",  # AD: displayName
    "email": "mail",
    "phone": "mobile",
    "title": "title",
    "employee_number": "employeeNumber",  # AD: employeeID or employeeNumber
    "manager": "manager",  # the line manager's DN
    "department": "",  # a path attribute instead of the OU tree (AD: department)
    "department_head": "",  # on an OU: its head's DN (AD: managedBy)
    "group_member": "member",  # groupOfUniqueNames: uniqueMember
}
LOCAL_BACKEND = "lihui.people.throttle.ThrottledModelBackend"


@dataclasses.dataclass(frozen=True)
class LdapConfig:
    uri: str
    bind_dn: str
    bind_password: str
    user_base: str
    user_filter: str = "(uid=%(user)s)"
    sync_filter: str = ""
    disabled_filter: str = ""
    start_tls: bool = False
    ca_file: str = ""
    timeout: int = 10
    attrs: dict = dataclasses.field(default_factory=lambda: dict(DEFAULT_ATTRS))
    department_base: str = ""
    admin_groups: tuple[str, ...] = ()
    group_departments: dict = dataclasses.field(default_factory=dict)
    sync_minutes: int = 60
    page_size: int = PAGE_SIZE

    @property
    def everyone_filter(self) -> str:
        return self.sync_filter or self.user_filter.replace("%(user)s", "*")

    @property
    def groups(self) -> list[str]:
        """The groups whose members matter: the admin groups, then the mapped ones."""
        return list(dict.fromkeys([*self.admin_groups, *self.group_departments]))


def ldap_config() -> LdapConfig | None:
    """settings.LIHUI_LDAP as a config, or None when LDAP is not set up (LIHUI_LDAP_URI unset)."""
    raw = getattr(settings, "LIHUI_LDAP", None)
    if not raw:
        return None
    attrs = raw.get("attrs") or {}
    unknown = sorted(set(attrs) - set(DEFAULT_ATTRS))
    if unknown or not all(isinstance(v, str) for v in attrs.values()):
        raise ImproperlyConfigured(
            f"LIHUI_LDAP_ATTRS: unknown names {unknown} (known: {', '.join(DEFAULT_ATTRS)}), values must be strings"
        )
    if not raw.get("user_base"):
        raise ImproperlyConfigured("LIHUI_LDAP_USER_BASE must be set with LIHUI_LDAP_URI, e.g. ou=people,dc=example,dc=com")
    if not isinstance(raw.get("group_departments") or {}, dict):
        raise ImproperlyConfigured('LIHUI_LDAP_GROUP_DEPARTMENTS must be a JSON object: {"group DN": "运营中心/客服部"}')
    fields = {f.name for f in dataclasses.fields(LdapConfig)}
    values = {k: v for k, v in raw.items() if k in fields and v is not None}
    values["attrs"] = {**DEFAULT_ATTRS, **attrs}
    values["admin_groups"] = tuple(raw.get("admin_groups") or ())
    values["group_departments"] = dict(raw.get("group_departments") or {})
    return LdapConfig(**values)


def connection_options(config: LdapConfig) -> dict:
    options = {
        ldap.OPT_PROTOCOL_VERSION: ldap.VERSION3,
        ldap.OPT_REFERRALS: 0,  # AD answers searches at the domain root with referrals nobody can follow
        ldap.OPT_NETWORK_TIMEOUT: float(config.timeout),
        ldap.OPT_TIMEOUT: float(config.timeout),
        ldap.OPT_X_TLS_REQUIRE_CERT: ldap.OPT_X_TLS_DEMAND,
    }
    if config.ca_file and os.access(config.ca_file, os.R_OK):  # else libldap refuses the option; the sync says why
        options[ldap.OPT_X_TLS_CACERTFILE] = config.ca_file
    options[ldap.OPT_X_TLS_NEWCTX] = 0  # last: makes the TLS options above take effect
    return options


# --- reading ---------------------------------------------------------------------------------


def _reason(exc: ldap.LDAPError) -> str:
    detail = exc.args[0] if exc.args and isinstance(exc.args[0], dict) else {}
    return ": ".join(str(part) for part in (detail.get("desc"), detail.get("info")) if part) or type(exc).__name__


@contextmanager
def _session(config: LdapConfig) -> Iterator[ldap.ldapobject.LDAPObject]:
    """A connection bound as the service account; every failure becomes a SourceError."""
    if config.ca_file and not os.access(config.ca_file, os.R_OK):
        raise SourceError(_("The CA certificate file “%(path)s” (LIHUI_LDAP_CA_FILE) cannot be read.") % {"path": config.ca_file})
    conn = None
    try:
        conn = ldap.initialize(config.uri, bytes_mode=False)
        for option, value in connection_options(config).items():
            conn.set_option(option, value)
        if config.start_tls:
            try:
                conn.start_tls_s()
            except ldap.LDAPError as exc:
                message = _(
                    "StartTLS with the directory failed; is its certificate signed by the CA in LIHUI_LDAP_CA_FILE? (%(reason)s)"
                )
                raise SourceError(message % {"reason": _reason(exc)}) from exc
        conn.simple_bind_s(config.bind_dn, config.bind_password)
        yield conn
    except ldap.INVALID_CREDENTIALS as exc:
        raise SourceError(_("The directory refused Lihui's service account (LIHUI_LDAP_BIND_DN and its password).")) from exc
    except ldap.TIMEOUT as exc:
        raise SourceError(
            _("The directory at %(uri)s did not answer within %(seconds)d seconds.")
            % {"uri": config.uri, "seconds": config.timeout}
        ) from exc
    except ldap.SERVER_DOWN as exc:
        raise SourceError(
            _("The directory at %(uri)s cannot be reached (%(reason)s).") % {"uri": config.uri, "reason": _reason(exc)}
        ) from exc
    except (ldap.DECODING_ERROR, ldap.PROTOCOL_ERROR) as exc:
        raise SourceError(_("The directory at %(uri)s answered with something that is not LDAP.") % {"uri": config.uri}) from exc
    except (ldap.SIZELIMIT_EXCEEDED, ldap.ADMINLIMIT_EXCEEDED) as exc:
        raise SourceError(
            _("The directory stopped the search at a size limit: allow Lihui's service account unlimited paged searches.")
        ) from exc
    except ldap.LDAPError as exc:
        raise SourceError(_("The directory could not be read: %(reason)s.") % {"reason": _reason(exc)}) from exc
    except UnicodeDecodeError as exc:
        raise SourceError(_("The directory sent a value that is not UTF-8 text.")) from exc
    finally:
        if conn is not None:
            try:
                conn.unbind_s()
            except ldap.LDAPError:
                pass


def _search(conn, base: str, scope: int, filterstr: str, attrs: list[str], page_size: int = 0) -> Iterator[tuple[str, dict]]:
    """Entries as (DN, {attribute name casefolded: [values]}); paged when `page_size` is given."""
    control = SimplePagedResultsControl(True, size=page_size, cookie="") if page_size else None
    while True:
        try:
            msgid = conn.search_ext(base, scope, filterstr, attrs, serverctrls=[control] if control else None)
            _type, data, _msgid, controls = conn.result3(msgid)
        except ldap.NO_SUCH_OBJECT as exc:
            raise SourceError(_("“%(dn)s” is not in the directory.") % {"dn": base}) from exc
        except ldap.FILTER_ERROR as exc:
            raise SourceError(_("The LDAP filter “%(filter)s” is not valid.") % {"filter": filterstr}) from exc
        for dn, entry in data:
            if dn is not None and isinstance(entry, dict):  # not a search reference
                yield dn, {name.casefold(): values for name, values in entry.items()}
        cookie = next((c.cookie for c in controls or () if c.controlType == SimplePagedResultsControl.controlType), b"")
        if control is None or not cookie:
            return
        control.cookie = cookie


def _dn_key(dn: str) -> str:
    """A DN in one spelling, so the same entry is recognised however the server wrote it."""
    try:
        return ldap.dn.dn2str(ldap.dn.str2dn(dn)).casefold()
    except ldap.DECODING_ERROR as exc:
        raise SourceError(_("The directory sent “%(dn)s”, which is not a DN.") % {"dn": dn[:200]}) from exc


def _parent(dn_key: str) -> str:
    rdns = ldap.dn.str2dn(dn_key)
    return ldap.dn.dn2str(rdns[1:]) if len(rdns) > 1 else ""


def _first(entry: dict, attr: str) -> str:
    values = entry.get(attr.casefold()) if attr else None
    if not values:
        return ""
    value = values[0]
    return value.decode("utf-8") if isinstance(value, bytes) else str(value)


def _entry_id(entry: dict, config: LdapConfig, dn: str) -> str:
    """The stable id: objectGUID's 16 bytes as AD's tools write them, any other attribute as text."""
    attr = config.attrs["id"]
    values = entry.get(attr.casefold()) or []
    if not values:
        return "dn:" + _dn_key(dn)  # the directory has no such attribute: the DN, which moves break
    if attr.casefold() == "objectguid" and len(values[0]) == 16:
        return str(uuid.UUID(bytes_le=bytes(values[0])))
    return _first(entry, attr)


def _user_attrs(config: LdapConfig) -> list[str]:
    names = ("id", "username", "name", "email", "phone", "title", "employee_number", "manager", "department")
    return sorted({config.attrs[n] for n in names if config.attrs[n]})


class _Departments:
    """The departments a snapshot sends: the OU tree (or paths), plus any mapped group's path."""

    def __init__(self, config: LdapConfig, conn):
        self.config = config
        self.by_key: dict[str, DirectoryDepartment] = {}
        self.by_path: dict[str, str] = {}
        self.ou_of: dict[str, str] = {}  # an OU's DN (normalised) → its key
        self.heads: dict[str, str] = {}  # department key → the head's DN
        if not config.attrs["department"]:
            self._read_ous(conn)

    def _read_ous(self, conn) -> None:
        config = self.config
        base = _dn_key(config.department_base or config.user_base)
        attrs = sorted(
            {config.attrs["id"], "ou", *([config.attrs["department_head"]] if config.attrs["department_head"] else [])}
        )
        ous = {}
        for dn, entry in _search(
            conn,
            config.department_base or config.user_base,
            ldap.SCOPE_SUBTREE,
            "(objectClass=organizationalUnit)",
            attrs,
            config.page_size,
        ):
            key = _dn_key(dn)
            if key != base:
                ous[key] = (dn, entry)
        for key, (dn, entry) in ous.items():
            self.ou_of[key] = _entry_id(entry, config, dn)
        for key, (dn, entry) in ous.items():
            parent = self._nearest_ou(_parent(key))
            name = ldap.dn.str2dn(dn)[0][0][1]
            department = DirectoryDepartment(self.ou_of[key], name, parent_key=self.ou_of.get(parent) if parent else None)
            self.by_key[department.key] = department
            head = _first(entry, config.attrs["department_head"])
            if head:
                self.heads[department.key] = head
        for key in self.by_key:
            self.by_path.setdefault(self._path(key), key)

    def _nearest_ou(self, dn_key: str) -> str:
        while dn_key and dn_key not in self.ou_of:
            dn_key = _parent(dn_key)
        return dn_key

    def _path(self, key: str) -> str:
        names, seen = [], set()
        while key and key not in seen and key in self.by_key:
            seen.add(key)
            names.append(self.by_key[key].name)
            key = self.by_key[key].parent_key
        return "/".join(reversed(names))

    def ensure(self, path: str) -> str | None:
        """The key of the department at `path` (运营中心/客服部), made with its parents if new."""
        parts = [part.strip() for part in path.split("/") if part.strip()]
        key = None
        for n in range(1, len(parts) + 1):
            prefix = "/".join(parts[:n])
            if prefix not in self.by_path:
                department = DirectoryDepartment("path:" + prefix, parts[n - 1], parent_key=key)
                self.by_key[department.key] = department
                self.by_path[prefix] = department.key
            key = self.by_path[prefix]
        return key

    def of_person(self, dn: str, entry: dict, groups: set[str]) -> str | None:
        for group, path in self.config.group_departments.items():
            if _dn_key(group) in groups:
                return self.ensure(path)
        if self.config.attrs["department"]:
            path = _first(entry, self.config.attrs["department"])
            return self.ensure(path) if path else None
        ou = self._nearest_ou(_parent(_dn_key(dn)))
        return self.ou_of.get(ou) if ou else None

    def listed(self, head_keys: dict[str, str] | None = None) -> list[DirectoryDepartment]:
        """Parents before children; with `head_keys` (head DN → person key), each OU's head."""
        out = []
        for key, d in self.by_key.items():
            head = (head_keys or {}).get(_dn_key(self.heads[key])) if key in self.heads else None
            out.append(dataclasses.replace(d, head_keys=(head,)) if head else d)
        return out


def _read_groups(config: LdapConfig, conn) -> dict[str, set[str]]:
    """Each group of interest (normalised DN) → its members' normalised DNs."""
    members: dict[str, set[str]] = {}
    attr = config.attrs["group_member"]
    for group in config.groups:
        try:
            found = list(_search(conn, group, ldap.SCOPE_BASE, "(objectClass=*)", [attr]))
        except SourceError as exc:
            raise SourceError(
                _("The group “%(dn)s” (LIHUI_LDAP_ADMIN_GROUPS or LIHUI_LDAP_GROUP_DEPARTMENTS) is not in the directory.")
                % {"dn": group}
            ) from exc
        values = found[0][1].get(attr.casefold(), []) if found else []
        members[_dn_key(group)] = {_dn_key(v.decode("utf-8")) for v in values}
    return members


def _person(dn: str, entry: dict, config: LdapConfig, departments: _Departments, groups: dict[str, set[str]]) -> DirectoryPerson:
    key = _dn_key(dn)
    member_of = {group for group, members in groups.items() if key in members}
    attributes = {"dn": dn}
    if config.admin_groups:
        attributes["is_staff"] = any(_dn_key(group) in member_of for group in config.admin_groups)
    a = config.attrs
    return DirectoryPerson(
        key=_entry_id(entry, config, dn), name=_first(entry, a["name"]), username=_first(entry, a["username"]),
        employee_number=_first(entry, a["employee_number"]), email=_first(entry, a["email"]), phone=_first(entry, a["phone"]),
        title=_first(entry, a["title"]), department_key=departments.of_person(dn, entry, member_of), attributes=attributes,
    )  # fmt: skip


def read_snapshot() -> Snapshot:
    """The whole directory: every person (paged), the OU tree, the groups of interest."""
    config = ldap_config()
    if config is None:
        raise SourceError(_("LDAP is not set up: LIHUI_LDAP_URI is not set."))
    with _session(config) as conn:
        departments = _Departments(config, conn)
        groups = _read_groups(config, conn)
        disabled = set()
        if config.disabled_filter:
            matching = f"(&{config.everyone_filter}{config.disabled_filter})"
            disabled = {
                _dn_key(dn)
                for dn, _entry in _search(conn, config.user_base, ldap.SCOPE_SUBTREE, matching, ["1.1"], config.page_size)
            }
        entries = list(
            _search(conn, config.user_base, ldap.SCOPE_SUBTREE, config.everyone_filter, _user_attrs(config), config.page_size)
        )
        # People disabled in the directory are left out: missing from a complete snapshot, the
        # engine deactivates those it knows and creates none of the others.
        entries = [(dn, entry) for dn, entry in entries if _dn_key(dn) not in disabled]
        people = [_person(dn, entry, config, departments, groups) for dn, entry in entries]
        key_of = {_dn_key(dn): p.key for (dn, _entry), p in zip(entries, people)}
        managers = [key_of.get(_dn_key(m)) if (m := _first(entry, config.attrs["manager"])) else None for _dn, entry in entries]
    people = [dataclasses.replace(p, manager_key=m) if m else p for p, m in zip(people, managers)]
    if not people and Identity.objects.filter(source=SOURCE, person__is_active=True).exists():
        # A wrong base or filter must not read as "everyone left".
        raise SourceError(_("The directory sent nobody under “%(base)s”; nothing was changed.") % {"base": config.user_base})
    return Snapshot(SOURCE, departments.listed(key_of), people, complete=True)


def read_person(dn: str) -> tuple[Snapshot, bool]:
    """One person as the sync would see them (a snapshot that is not complete), and whether
    the directory has them enabled. Their line manager only when Lihui already knows them."""
    config = ldap_config()
    with _session(config) as conn:
        # Only someone the sync reads: else the next sync would find them missing and deactivate them.
        found = list(_search(conn, dn, ldap.SCOPE_BASE, config.everyone_filter, _user_attrs(config)))
        if not found:
            raise SourceError(f"{dn} is not among the people the sync reads (LIHUI_LDAP_SYNC_FILTER)")
        entry = found[0][1]
        enabled = not (config.disabled_filter and list(_search(conn, dn, ldap.SCOPE_BASE, config.disabled_filter, ["1.1"])))
        departments = _Departments(config, conn)
        person = _person(dn, entry, config, departments, _read_groups(config, conn))
        manager = _first(entry, config.attrs["manager"])
        if manager:
            try:
                boss = list(_search(conn, manager, ldap.SCOPE_BASE, "(objectClass=*)", [config.attrs["id"]]))
            except SourceError:
                boss = []  # a manager DN that names nobody: no manager
            boss_key = _entry_id(boss[0][1], config, boss[0][0]) if boss else None
            if boss_key and Identity.objects.filter(source=SOURCE, external_id=boss_key).exists():
                person = dataclasses.replace(person, manager_key=boss_key)
    person = dataclasses.replace(person, active=enabled)
    return Snapshot(SOURCE, departments.listed(), [person], complete=False), enabled


# --- signing in ------------------------------------------------------------------------------


class SignInRefused(Exception):
    pass


def person_sign_in(*, dn: str) -> Person:
    """The Lihui person for a directory entry whose password was just accepted: created or
    updated through the engine exactly as a sync would (a report with trigger "login" when
    anything changes), linked to the person of the same 工号, username or e-mail if there is one."""
    try:
        snapshot, enabled = read_person(dn)
    except SourceError as exc:
        raise SignInRefused(str(exc)) from exc
    data = snapshot.people[0]
    linked = Identity.objects.filter(source=SOURCE, external_id=data.key).select_related("person").first()
    if not enabled:
        if linked is not None and linked.person.is_active:
            snapshot_apply(snapshot, trigger=SyncReport.Trigger.LOGIN)  # they have left: deactivated now
        raise SignInRefused("disabled in the directory")
    plan = sync_plan(snapshot)
    row = next(p for p in plan.people if p.data is not None and p.data.key == data.key)
    counts = plan.counts()
    admin_differs = "is_staff" in data.attributes and (linked is None or linked.person.is_staff != data.attributes["is_staff"])
    if (
        row.errors
        or linked is None
        or admin_differs
        or counts["unchanged"] != 1
        or counts["departments_created"]
        or counts["departments_changed"]
    ):
        report = snapshot_apply(snapshot, trigger=SyncReport.Trigger.LOGIN)  # rows with errors end up in its problems
        if report.status != SyncReport.Status.DONE or row.errors:
            raise SignInRefused("; ".join(row.errors) or report.error)
    person = Person.objects.filter(identities__source=SOURCE, identities__external_id=data.key).first()
    if person is None or not person.is_active:
        raise SignInRefused("no active person")
    return person


def _counted_by_local_backend() -> bool:
    """ThrottledModelBackend, tried first, has checked the throttle and counted this attempt
    as a failure already (the account has no local password, or not this one)."""
    paths = list(settings.AUTHENTICATION_BACKENDS)
    mine = f"{__name__}.DirectoryBackend"
    return LOCAL_BACKEND in paths and mine in paths and paths.index(LOCAL_BACKEND) < paths.index(mine)


def _undo_local_failure(request, username: str) -> None:
    """The directory accepted what the local backend counted as a failure: take the address's
    count back (the account's is cleared by login_succeeded), or an office behind one address
    would be locked out by its own successful sign-ins."""
    cache = throttle_cache()
    for key, _limit in throttle._counters(request, username)[1:]:
        try:
            cache.decr(key)
        except ValueError:  # expired meanwhile
            pass


class DirectoryBackend(LDAPBackend):
    """django-auth-ldap, configured from settings.LIHUI_LDAP, with the person made by the
    engine and failures counted by the same throttle as local passwords."""

    @property
    def settings(self):
        if self._settings is None:
            config = ldap_config()
            self._settings = LDAPSettings(
                "LIHUI_UNUSED_AUTH_LDAP_",  # nothing read from AUTH_LDAP_* settings: all from LIHUI_LDAP
                {
                    "SERVER_URI": config.uri, "BIND_DN": config.bind_dn, "BIND_PASSWORD": config.bind_password,
                    "START_TLS": config.start_tls, "CONNECTION_OPTIONS": connection_options(config),
                    "USER_SEARCH": LDAPSearch(config.user_base, ldap.SCOPE_SUBTREE, config.user_filter, attrlist=["1.1"]),
                    "ALWAYS_UPDATE_USER": False,  # the engine updates the person, in get_or_build_user
                },
            )  # fmt: skip
        return self._settings

    @settings.setter
    def settings(self, value):
        self._settings = value

    def authenticate(self, request, username=None, password=None, **kwargs):
        if ldap_config() is None or username is None or not password:
            return None
        counted = _counted_by_local_backend()
        if not counted and throttle.login_blocked(request, username):
            raise PermissionDenied
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            if not counted:
                throttle.login_failed(request, username)
        else:
            if counted:
                _undo_local_failure(request, username)
            throttle.login_succeeded(request, username)
        return user

    def get_or_build_user(self, username, ldap_user):
        try:
            return person_sign_in(dn=ldap_user.dn), False
        except SignInRefused as exc:
            log.warning("LDAP sign-in of %s refused: %s", ldap_user.dn, exc)
            raise ldap_user.AuthenticationFailed(str(exc)) from exc

    def get_user(self, user_id):
        # A leaver's session ends at their next request, as with ModelBackend.
        user = super().get_user(user_id)
        return user if user is not None and user.is_active else None


def ldap_sync_scheduled() -> str | None:
    """The worker's pass: the LDAP sync every `sync_minutes`, only when LDAP is set up."""
    config = ldap_config()
    if config is None or config.sync_minutes <= 0:
        return None
    report = directory_sync_if_due(source=SOURCE, every_minutes=config.sync_minutes)
    if report is None:
        return None
    if report.status == SyncReport.Status.FAILED:
        log.warning("LDAP sync failed: %s", report.error)
        return f"failed ({report.error})"
    return ", ".join(f"{k} {v}" for k, v in report.counts.items() if v)
