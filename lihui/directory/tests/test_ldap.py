"""LDAP against a real OpenLDAP (Debian's slapd, started by the tests on loopback with the
company of lihui/testing/ldap_tree.py): sign-in with the directory password through the login
form, the person made by the directory engine, groups → admins and departments, the scheduled
sync with joiners, movers and leavers, a directory that is down, slow, refusing or talking
garbage, and the shared sign-in throttle."""

from __future__ import annotations

import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
import time_machine
from django.core.exceptions import ImproperlyConfigured
from django.core.management import CommandError, call_command
from django.test import Client
from django.utils import translation

from lihui.directory.ldap import _entry_id, ldap_config, ldap_sync_scheduled
from lihui.directory.management.commands.people_sync import summary
from lihui.directory.models import SyncChange, SyncReport
from lihui.directory.sources import directory_sync
from lihui.people import throttle
from lihui.people.models import ApiToken, Department, DepartmentIdentity, Identity, Person
from lihui.regime.models import Membership
from lihui.testing import ldap as testing_ldap
from lihui.testing import ldap_tree as tree
from lihui.testing.factories import PersonFactory, make_series
from lihui.testing.ldap import broken_directory, closed_port_uri, ldap_directory, slapd  # noqa: F401


@pytest.fixture(autouse=True)
def _english():
    """Messages are asserted in English (the source language); a test that wants Chinese says so."""
    with translation.override("en"):
        yield

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 12, 8, 2, 0, tzinfo=dt.UTC)
ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(autouse=True)
def frozen():
    with time_machine.travel(NOW, tick=False) as traveller:
        yield traveller


def sign_in(username: str, password: str, address: str = "10.0.0.1"):
    return Client().post("/login/", {"username": username, "password": password}, REMOTE_ADDR=address)


def signed_in(response) -> bool:
    return response.status_code == 302 and "_auth_user_id" in response.wsgi_request.session


def sync(trigger: str = "manual") -> SyncReport:
    return directory_sync(source="ldap", trigger=trigger)


def zh(message: str) -> str:
    with translation.override("zh-hans"):
        return translation.gettext(message)


# --- signing in --------------------------------------------------------------------------------


def test_the_directory_password_signs_in_and_the_engine_makes_the_person(ldap_directory):
    response = sign_in("lisi", tree.PASSWORD)
    assert signed_in(response) and response["Location"] == "/"
    li = Person.objects.get(username="lisi")
    assert response.wsgi_request.user == li
    assert (li.name, li.employee_number, li.email, li.phone, li.title) == (
        "李四",
        "E002",
        "lisi@example.com",
        "13800000002",
        "客服主管",
    )
    assert li.department.path == "运营中心/客服部" and li.is_active and not li.is_staff
    assert not li.has_usable_password()  # the directory keeps the password
    identity = Identity.objects.get(person=li)
    assert identity.source == "ldap" and identity.external_id == ldap_directory.entry_uuid(tree.person_dn("lisi"))
    assert identity.attributes["dn"] == tree.person_dn("lisi")
    assert {li.field_sources[f] for f in ("name", "employee_number", "email", "phone", "title", "department")} == {"ldap"}
    report = SyncReport.objects.get()
    assert (report.source, report.trigger, report.status, report.counts["created"]) == ("ldap", "login", "done", 1)
    # The whole OU tree came with the first sign-in, linked to its OUs by their entryUUID.
    assert DepartmentIdentity.objects.get(department=li.department).external_id == ldap_directory.entry_uuid(tree.CS)
    # Signing in again, nothing changed: no new report, the same person.
    assert signed_in(sign_in("LiSi", tree.PASSWORD, address="10.0.0.2"))
    assert SyncReport.objects.count() == 1 and Person.objects.count() == 1


def test_a_wrong_password_is_refused_and_creates_nobody(ldap_directory):
    response = sign_in("lisi", "not-the-password")
    assert response.status_code == 200 and not signed_in(response)
    assert "errorlist" in response.content.decode()
    assert not Person.objects.exists() and not SyncReport.objects.exists()
    assert not signed_in(sign_in("nobody", tree.PASSWORD))


def test_the_admins_group_makes_an_admin_and_leaving_it_unmakes_one(ldap_directory):
    assert signed_in(sign_in("itadmin", tree.PASSWORD))
    admin = Person.objects.get(username="itadmin")
    assert admin.is_staff and not admin.is_superuser
    change = SyncChange.objects.get(person=admin)
    assert change.kind == "created" and change.fields["is_staff"][1] == zh("an admin")
    ldap_directory.modify(tree.ADMINS, member=tree.person_dn("wangwu"))  # IT drops itadmin from the group
    report = sync()
    admin.refresh_from_db()
    assert not admin.is_staff and Person.objects.get(username="wangwu").is_staff
    assert SyncChange.objects.get(report=report, person=admin).fields == {"is_staff": [zh("an admin"), zh("not an admin")]}


def test_someone_already_in_lihui_is_linked_by_employee_number_username_or_email(ldap_directory):
    by_number = PersonFactory(username="li.si", name="李四", employee_number="E002")
    by_username = PersonFactory(username="zhaoliu", name="赵六", email="")
    by_email = PersonFactory(username="sun7", name="孙七", email="SunQi@example.com")
    for uid in ("lisi", "zhaoliu", "sunqi"):
        assert signed_in(sign_in(uid, tree.PASSWORD))
    assert Person.objects.count() == 3
    for person, uid in ((by_number, "lisi"), (by_username, "zhaoliu"), (by_email, "sunqi")):
        person.refresh_from_db()
        assert Identity.objects.get(person=person).external_id == ldap_directory.entry_uuid(tree.person_dn(uid))
    assert by_username.email == "zhaoliu@example.com" and by_username.employee_number == "E004"


def test_a_sign_in_the_engine_cannot_place_is_refused_and_shown_to_admins(ldap_directory):
    # 李四's entry was deleted and made again (a new entryUUID); Lihui still has the old link.
    li = PersonFactory(username="li.si", name="李四", employee_number="E002")
    Identity.objects.create(person=li, source="ldap", external_id="the-old-entry")
    assert not signed_in(sign_in("lisi", tree.PASSWORD))
    report = SyncReport.objects.get()
    assert report.trigger == "login" and report.counts["skipped"] == 1
    assert "the-old-entry" in report.problems[0]["errors"][0]
    assert Person.objects.count() == 1 and not li.identities.exclude(external_id="the-old-entry").exists()


def test_only_people_the_sync_reads_can_sign_in(ldap_directory, settings):
    settings.LIHUI_LDAP = ldap_directory.config(sync_filter="(&(objectClass=inetOrgPerson)(employeeNumber=E01*))")
    assert not signed_in(sign_in("lisi", tree.PASSWORD))  # E002: the sync would deactivate her at once
    assert signed_in(sign_in("linger", tree.PASSWORD))  # E011
    assert sync().counts["unchanged"] == 1


def test_a_local_account_still_signs_in_first_even_with_the_directory_down(ldap_directory, settings):
    admin = PersonFactory(username="breakglass", is_staff=True)  # password "pw", no directory entry
    settings.LIHUI_LDAP = ldap_directory.config(uri=closed_port_uri())
    assert signed_in(sign_in("breakglass", "pw"))
    assert not signed_in(sign_in("lisi", tree.PASSWORD))  # the directory cannot be asked
    assert Person.objects.get() == admin


def test_a_login_and_a_sync_agree_on_every_field(ldap_directory):
    assert signed_in(sign_in("zhaoliu", tree.PASSWORD))
    before = Person.objects.values().get(username="zhaoliu")
    report = sync()
    # The sync adds only the line manager, who had not signed in yet.
    assert SyncChange.objects.get(report=report, person__username="zhaoliu").fields == {"manager": ["", "李四"]}
    after = Person.objects.values().get(username="zhaoliu")
    changed = {k for k in before if before[k] != after[k]} - {"last_synced", "manager_id"}
    assert not changed
    assert Person.objects.get(username="zhaoliu").manager.username == "lisi"


def test_someone_who_has_left_cannot_sign_in_and_is_deactivated_on_trying(ldap_directory):
    assert not signed_in(sign_in("fengli", tree.PASSWORD))  # employeeType=left from the start
    assert not Person.objects.filter(username="fengli").exists()
    assert signed_in(sign_in("wushi", tree.PASSWORD))
    ldap_directory.modify(tree.person_dn("wushi"), employeeType="left")
    assert not signed_in(sign_in("wushi", tree.PASSWORD))
    wu = Person.objects.get(username="wushi")
    assert not wu.is_active
    assert SyncChange.objects.get(person=wu, kind="deactivated").report.trigger == "login"


def test_a_leavers_open_session_ends(ldap_directory):
    client = Client()
    client.post("/login/", {"username": "chenyi", "password": tree.PASSWORD}, REMOTE_ADDR="10.0.0.1")
    assert client.get("/").status_code == 200
    ldap_directory.delete(tree.person_dn("chenyi"))
    sync("schedule")
    assert client.get("/").status_code == 302  # back to the login page


def test_starttls_with_the_directorys_ca_and_refused_without_it(ldap_directory, settings, slapd):
    settings.LIHUI_LDAP = ldap_directory.config(start_tls=True, ca_file=slapd.cafile)
    assert signed_in(sign_in("linger", tree.PASSWORD))
    assert sync().status == "done"
    settings.LIHUI_LDAP = ldap_directory.config(start_tls=True, ca_file="/etc/ssl/certs/ca-certificates.crt")
    report = sync()
    assert report.status == "failed" and "StartTLS" in report.error


# --- the throttle ----------------------------------------------------------------------------------


def test_directory_password_failures_are_throttled_like_local_ones(ldap_directory, settings):
    for n in range(settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT):
        assert not signed_in(sign_in("lisi", "guess", address=f"10.0.1.{n}"))
    refused = sign_in("lisi", tree.PASSWORD, address="10.0.2.1")  # the right password, a fresh address
    assert refused.status_code == 429 and throttle.blocked_message() in refused.content.decode()
    assert not Person.objects.filter(username="lisi").exists()
    for n in range(settings.LIHUI_LOGIN_FAILURES_PER_ADDRESS - 1):  # 10.0.1.0 tried lisi once already
        sign_in(f"guess{n}", "guess", address="10.0.1.0")
    assert sign_in("linger", tree.PASSWORD, address="10.0.1.0").status_code == 429  # the address is used up too


def test_successful_directory_sign_ins_do_not_use_up_the_address(ldap_directory, settings):
    settings.LIHUI_LOGIN_FAILURES_PER_ADDRESS = 3
    for _round in range(3):
        for uid in ("lisi", "zhaoliu", "sunqi", "linger"):  # each first fails as a local account
            assert signed_in(sign_in(uid, tree.PASSWORD, address="10.0.3.1"))
    assert not throttle.login_blocked(None, "lisi")


def test_directory_failures_are_counted_once_when_ldap_is_the_only_backend(ldap_directory, settings):
    settings.AUTHENTICATION_BACKENDS = ["lihui.directory.ldap.DirectoryBackend"]
    for _ in range(settings.LIHUI_LOGIN_FAILURES_PER_ACCOUNT - 1):
        sign_in("lisi", "guess")
    assert not throttle.login_blocked(None, "lisi")
    sign_in("lisi", "guess")
    assert throttle.login_blocked(None, "lisi")
    assert sign_in("lisi", tree.PASSWORD).status_code == 429


# --- the sync --------------------------------------------------------------------------------------


def test_a_sync_brings_everyone_and_the_ou_tree(ldap_directory):
    report = sync("manual")
    assert report.status == "done", report.error
    assert report.counts["created"] == len(tree.ENABLED) and report.counts["departments_created"] == 6
    assert not report.problems
    assert sorted(d.path for d in Department.objects.all()) == [
        "研发中心", "研发中心/平台组", "运营中心", "运营中心/仓储部", "运营中心/客服部", "运营中心/质检部",
    ]  # fmt: skip
    people = {p.username: p for p in Person.objects.select_related("department", "manager")}
    assert "fengli" not in people  # left before Lihui came
    assert people["chenyi"].department.path == "研发中心/平台组" and people["chenyi"].manager == people["zhengsan"]
    assert people["sunqi"].department.path == "运营中心/质检部"  # the 质检组 group wins over the OU
    assert people["itadmin"].department is None and people["itadmin"].is_staff and people["wangwu"].is_staff
    assert sum(p.is_staff for p in people.values()) == 2
    assert Identity.objects.filter(source="ldap").count() == len(tree.ENABLED)


def test_syncing_again_changes_nothing(ldap_directory):
    sync()
    before = list(Person.objects.order_by("pk").values())
    report = sync("schedule")
    assert report.counts["unchanged"] == len(tree.ENABLED)
    assert report.counts["created"] == report.counts["changed"] == report.counts["departments_created"] == 0
    assert not report.changes.exists()
    strip = lambda rows: [{k: v for k, v in row.items() if k != "last_synced"} for row in rows]  # noqa: E731
    assert strip(Person.objects.order_by("pk").values()) == strip(before)


def test_department_heads_from_an_ou_attribute(ldap_directory, settings):
    settings.LIHUI_LDAP = ldap_directory.config(attrs={"department_head": "seeAlso"})  # AD: managedBy
    sync()
    heads = {d.path: d.head.username if d.head else None for d in Department.objects.select_related("head")}
    assert heads["运营中心"] == "wangwu" and heads["运营中心/客服部"] == "lisi" and heads["研发中心/平台组"] is None


def test_a_mover_to_another_ou_changes_department_and_keeps_their_identity(ldap_directory):
    sync()
    zhao = Person.objects.get(username="zhaoliu")
    ldap_directory.move(tree.person_dn("zhaoliu"), tree.WAREHOUSE)
    ldap_directory.modify(f"uid=zhaoliu,{tree.WAREHOUSE}", title="仓管员")
    report = sync("schedule")
    change = SyncChange.objects.get(report=report, person=zhao)
    assert change.kind == "changed"
    assert change.fields == {"department": ["运营中心/客服部", "运营中心/仓储部"], "title": ["客服专员", "仓管员"]}
    zhao.refresh_from_db()
    assert zhao.department.path == "运营中心/仓储部" and zhao.field_sources["department"] == "ldap"
    assert Person.objects.filter(username="zhaoliu").count() == 1


def test_a_renamed_ou_renames_the_department(ldap_directory):
    sync()
    department = Department.objects.get(name="仓储部")
    conn = ldap_directory.connection()
    conn.rename_s(tree.WAREHOUSE, "ou=物流部")
    conn.unbind_s()
    report = sync()
    department.refresh_from_db()
    assert department.name == "物流部" and report.counts["departments_changed"] == 1
    assert Person.objects.get(username="wushi").department == department


def test_leavers_deleted_or_disabled_are_deactivated_and_leave_the_rosters(ldap_directory):
    sync()
    wang, li, zhao, sun = (Person.objects.get(username=u) for u in ("wangwu", "lisi", "zhaoliu", "sunqi"))
    series = make_series(chair=wang, roster=[(li, "minute_taker"), (zhao, "member"), (sun, "member")])
    token = ApiToken.objects.create(person=zhao, name="t", digest="z" * 64, hint="lh_z")
    ldap_directory.delete(tree.person_dn("zhaoliu"))
    ldap_directory.modify(tree.person_dn("sunqi"), employeeType="left")
    report = sync("schedule")
    assert report.counts["deactivated"] == 2
    for person in (zhao, sun):
        person.refresh_from_db()
        assert not person.is_active and Person.objects.filter(pk=person.pk).exists()
        assert SyncChange.objects.get(report=report, person=person).kind == "deactivated"
        assert not Membership.objects.filter(series=series, person=person).exists()
    token.refresh_from_db()
    assert token.revoked is not None
    # Back in the directory: reactivated.
    ldap_directory.modify(tree.person_dn("sunqi"), employeeType=None)
    assert sync().counts["reactivated"] == 1


def test_the_department_can_come_from_an_attribute_with_other_attribute_names(ldap_directory, settings):
    ldap_directory.modify(tree.person_dn("linger"), departmentNumber="研发中心/测试组")
    settings.LIHUI_LDAP = ldap_directory.config(
        attrs={"department": "departmentNumber", "name": "displayName", "id": "uid", "employee_number": "employeeNumber"},
        group_departments={}, admin_groups=[],
    )  # fmt: skip
    report = sync()
    lin = Person.objects.get(username="linger")
    assert lin.department.path == "研发中心/测试组" and lin.name == "林二"
    assert Identity.objects.get(person=lin).external_id == "linger"
    assert Person.objects.get(username="lisi").department is None  # no departmentNumber: no department
    assert report.counts["departments_created"] == 2
    assert not Person.objects.filter(is_staff=True).exists()


def test_objectguid_is_written_as_ad_writes_it():
    config = type("C", (), {"attrs": {"id": "objectGUID"}})()
    raw = bytes.fromhex("d5b5e8a34b1bd34f9c3a0f0e0d0c0b0a")
    assert _entry_id({"objectguid": [raw]}, config, "cn=x") == "a3e8b5d5-1b4b-4fd3-9c3a-0f0e0d0c0b0a"


def test_nobody_in_the_directory_is_not_read_as_everyone_left(ldap_directory, settings):
    sync()
    settings.LIHUI_LDAP = ldap_directory.config(sync_filter="(employeeNumber=X*)")
    report = sync("schedule")
    assert report.status == "failed" and "nothing was changed" in report.error
    assert Person.objects.filter(is_active=True).count() == len(tree.ENABLED)


# --- a directory that cannot be read ---------------------------------------------------------------


@pytest.mark.parametrize(
    "case, message",
    [
        ("down", "cannot be reached"),
        ("silent", "did not answer within 1 seconds"),
        ("garbage", "answered with something that is not LDAP"),
        ("refused", "refused Lihui's service account"),
        ("no base", "is not in the directory"),
        ("no group", "is not in the directory"),
        ("size limit", "stopped the search at a size limit"),
    ],
)
def test_a_directory_that_cannot_be_read_fails_the_sync_and_changes_nothing(ldap_directory, settings, case, message):
    sync()
    ldap_directory.move(tree.person_dn("zhaoliu"), tree.WAREHOUSE)
    ldap_directory.delete(tree.person_dn("lisi"))
    before = list(Person.objects.order_by("pk").values())
    broken = {
        "down": {"uri": closed_port_uri()},
        "refused": {"bind_password": "wrong"},
        "no base": {"user_base": "ou=staff,dc=example,dc=com"},
        "no group": {"admin_groups": [f"cn=admins,{tree.GROUPS}"]},
        "size limit": {"bind_dn": tree.person_dn("itadmin"), "bind_password": tree.PASSWORD},  # not allowed to page past 10
    }
    with broken_directory(None if case == "silent" else b"\x30\x03\x02\x01\x01") as uri:
        if case in ("silent", "garbage"):
            broken[case] = {"uri": uri, "timeout": 1}
        settings.LIHUI_LDAP = ldap_directory.config(**broken[case])
        with pytest.raises(CommandError) as failed:
            call_command("people_sync", "ldap")
    assert message in str(failed.value)
    report = SyncReport.objects.order_by("-pk").first()
    assert report.status == "failed" and message in report.error and report.trigger == "manual"
    assert list(Person.objects.order_by("pk").values()) == before


def test_the_reason_is_in_the_admins_language(ldap_directory, settings):
    settings.LIHUI_LDAP = ldap_directory.config(bind_password="wrong")
    with translation.override("zh-hans"):
        report = sync()
        assert report.error == translation.gettext(
            "The directory refused Lihui's service account (LIHUI_LDAP_BIND_DN and its password)."
        )


# --- the command and the worker --------------------------------------------------------------------


def test_people_sync_ldap_reports_and_dry_run_writes_nothing(ldap_directory, capsys):
    call_command("people_sync", "ldap", "--dry-run")
    assert summary({"created": len(tree.ENABLED), "departments_created": 6}) in capsys.readouterr().out
    assert not Person.objects.exists() and not SyncReport.objects.exists()
    call_command("people_sync", "ldap", "--scheduled")
    assert SyncReport.objects.get().trigger == "schedule" and Person.objects.count() == len(tree.ENABLED)


def test_the_worker_syncs_every_interval_only_when_ldap_is_set_up(ldap_directory, settings, frozen):
    settings.LIHUI_LDAP = None
    assert ldap_config() is None and ldap_sync_scheduled() is None and not SyncReport.objects.exists()
    settings.LIHUI_LDAP = ldap_directory.config(sync_minutes=60)
    assert "created" in ldap_sync_scheduled()
    assert Person.objects.count() == len(tree.ENABLED)
    frozen.shift(dt.timedelta(minutes=59))
    assert ldap_sync_scheduled() is None
    frozen.shift(dt.timedelta(minutes=2))
    ldap_directory.delete(tree.person_dn("wushi"))
    assert "deactivated 1" in ldap_sync_scheduled()
    assert list(SyncReport.objects.values_list("trigger", flat=True)) == ["schedule", "schedule"]
    settings.LIHUI_LDAP = ldap_directory.config(sync_minutes=0)
    frozen.shift(dt.timedelta(hours=5))
    assert ldap_sync_scheduled() is None


# --- settings and the test server --------------------------------------------------------------------


def _settings_in_a_fresh_process(tmp_path, **env) -> subprocess.CompletedProcess:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("LIHUI_LDAP")}
    environment.update(LIHUI_VAR_DIR=str(tmp_path), DJANGO_SETTINGS_MODULE="lihui.settings", **env)
    code = (
        "import json, django; django.setup(); from django.conf import settings\n"
        "print(json.dumps([settings.LIHUI_LDAP, settings.AUTHENTICATION_BACKENDS]))"
    )
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=environment, capture_output=True, text=True, timeout=120)


def test_settings_come_from_the_environment_and_ldap_is_off_without_a_uri(tmp_path):
    off = _settings_in_a_fresh_process(tmp_path)
    assert json.loads(off.stdout) == [None, ["lihui.people.throttle.ThrottledModelBackend"]]
    secret = tmp_path / "bind-password"
    secret.write_text("from-a-file\n")
    on = _settings_in_a_fresh_process(
        tmp_path, LIHUI_LDAP_URI="ldap://dc1.corp.example.com", LIHUI_LDAP_USER_BASE="OU=Staff,DC=corp,DC=example,DC=com",
        LIHUI_LDAP_BIND_PASSWORD_FILE=str(secret), LIHUI_LDAP_ATTRS='{"username": "sAMAccountName", "id": "objectGUID"}',
        LIHUI_LDAP_ADMIN_GROUPS="CN=Lihui Admins,OU=Groups,DC=corp,DC=example,DC=com;CN=IT,DC=corp,DC=example,DC=com",
        LIHUI_LDAP_GROUP_DEPARTMENTS='{"CN=QA,DC=corp,DC=example,DC=com": "运营中心/质检部"}', LIHUI_LDAP_SYNC_MINUTES="30",
    )  # fmt: skip
    config, backends = json.loads(on.stdout)
    assert backends == ["lihui.people.throttle.ThrottledModelBackend", "lihui.directory.ldap.DirectoryBackend"]  # local first
    assert config["bind_password"] == "from-a-file" and config["attrs"]["username"] == "sAMAccountName"
    assert config["admin_groups"] == ["CN=Lihui Admins,OU=Groups,DC=corp,DC=example,DC=com", "CN=IT,DC=corp,DC=example,DC=com"]
    assert config["group_departments"] == {"CN=QA,DC=corp,DC=example,DC=com": "运营中心/质检部"} and config["sync_minutes"] == 30
    bad = _settings_in_a_fresh_process(tmp_path, LIHUI_LDAP_URI="ldap://dc1", LIHUI_LDAP_ATTRS="{username: uid}")
    assert bad.returncode != 0 and "LIHUI_LDAP_ATTRS must be JSON" in bad.stderr


def test_unknown_attribute_names_are_refused(settings):
    settings.LIHUI_LDAP = {"uri": "ldap://127.0.0.1:1", "user_base": "dc=x", "attrs": {"employeeNumber": "employeeID"}}
    with pytest.raises(ImproperlyConfigured, match="unknown names"):
        ldap_config()


def test_without_slapd_the_tests_say_what_to_install(monkeypatch):
    monkeypatch.setattr(testing_ldap, "SLAPD", "/nonexistent/slapd")
    assert "apt-get install slapd ldap-utils" in testing_ldap.slapd_missing()
