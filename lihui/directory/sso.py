"""Single sign-on through OpenID Connect and SAML 2.0 (decision 0010).

django-allauth speaks the protocols: discovery, the code flow and the ID token's checks for
OpenID Connect; AuthnRequest, the signed response and metadata for SAML (python3-saml).
What it does not do for us is here:

- who the person is. The first login links the provider's subject to a person by the 工号
  claim or a verified e-mail, else creates the person — through the directory engine, as a
  one-person `Snapshot` of source "oidc" / "saml" and `sync_apply(trigger="login")`, so the
  identity, each field's source and a sync report are recorded as for any directory. Later
  logins find the identity and refresh what the provider says (name, e-mail, 工号).
  Refused with a page that says why, nothing written: claims with no subject, or with neither
  an e-mail the provider vouches for nor a 工号; an unknown person where the admin does not
  let SSO create people (LIHUI_SSO_CREATE_PEOPLE=0); a person who has left.
- logging out at the provider too: allauth has no RP-initiated logout, so the ID token is
  kept at login and our logout sends the browser to the provider's `end_session_endpoint`;
  for SAML, a LogoutRequest to the IdP's single logout service when its metadata has one.
- the login page's buttons (`login_methods.register`).
"""

from __future__ import annotations

import dataclasses
import logging
from urllib.parse import urlencode

from allauth.account.adapter import DefaultAccountAdapter
from allauth.core.exceptions import ImmediateHttpResponse
from allauth.socialaccount.adapter import DefaultSocialAccountAdapter
from allauth.socialaccount.adapter import get_adapter as get_social_adapter
from allauth.socialaccount.models import SocialApp, SocialToken
from allauth.socialaccount.providers.base import AuthProcess
from django.conf import settings
from django.contrib import admin
from django.http import HttpRequest
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from lihui.people.models import Identity, Person, Source

from .login_methods import LoginMethod, register
from .services import DirectoryPerson, Snapshot, sync_apply, sync_plan

log = logging.getLogger(__name__)

SESSION_KEY = "lihui_sso"  # what logging out at the provider needs: {"source", "id_token" | SAML's ids}
PROVIDER_SOURCE = {"openid_connect": Source.OIDC, "saml": Source.SAML}


class Refused(Exception):
    """A login the provider allowed and Lihui does not: the message says why, translated."""


# --- the claims ------------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Claims:
    source: str
    subject: str
    name: str = ""
    email: str = ""  # only an address the provider vouches for
    employee_number: str = ""
    attributes: dict = dataclasses.field(default_factory=dict)


def _text(value) -> str:
    if isinstance(value, list | tuple):
        value = value[0] if value else ""
    return str(value).strip() if value is not None else ""


def _verified(value) -> bool:
    return value is True or _text(value).lower() in {"true", "1", "yes"}


def claims_from_oidc(data: dict) -> Claims:
    """The ID token's (and userinfo's) claims. An e-mail counts only with email_verified."""
    number_claim = settings.LIHUI_SSO_EMPLOYEE_NUMBER_CLAIM
    email = _text(data.get("email")) if _verified(data.get("email_verified")) else ""
    name = _text(data.get("name")) or " ".join(filter(None, (_text(data.get("family_name")), _text(data.get("given_name")))))
    shown = {k: data[k] for k in ("name", "email", "email_verified", "preferred_username", number_claim) if k in data}
    return Claims(Source.OIDC, _text(data.get("sub")), name, email, _text(data.get(number_claim)), shown)


def claims_from_saml(attributes: dict, mapping: dict, name_id: str = "") -> Claims:
    """The assertion's attributes, named as `mapping` says (allauth's attribute_mapping). The
    IdP signed them, so its e-mail counts unless it says email_verified=false."""

    def first(field: str) -> str:
        names = mapping.get(field, [])
        for name in [names] if isinstance(names, str) else names:
            if _text(attributes.get(name)):
                return _text(attributes.get(name))
        return ""

    verified = first("email_verified")
    email = first("email") if not verified or _verified(verified) else ""
    shown = {field: first(field) for field in ("uid", "name", "email", "employee_number") if first(field)}
    return Claims(Source.SAML, first("uid") or _text(name_id), first("name"), email, first("employee_number"), shown)


def claims_of(sociallogin) -> Claims:
    account = sociallogin.account
    if account.provider == "saml":
        app = sociallogin.provider.app
        mapping = app.settings.get("attribute_mapping", {})
        return dataclasses.replace(claims_from_saml(account.extra_data or {}, mapping, name_id=""), subject=_text(account.uid))
    data = account.extra_data or {}
    merged = {**(data.get("id_token") or {}), **(data.get("userinfo") or {})}
    return dataclasses.replace(claims_from_oidc(merged), subject=_text(account.uid) or _text(merged.get("sub")))


# --- the person ------------------------------------------------------------------------------


def person_for_login(*, claims: Claims, create: bool) -> Person:
    """The person these claims sign in, linked or created through the directory engine; raises
    Refused (nothing written) when they cannot be used."""
    if not claims.subject:
        raise Refused(_("The sign-in service did not say who you are (it sent no user id). Ask your IT department to check its setup."))
    identity = Identity.objects.select_related("person").filter(source=claims.source, external_id=claims.subject).first()
    if identity is not None and not identity.person.is_active:
        raise Refused(_("Your account in Lihui is deactivated (you are recorded as having left). Ask your administrator if this is wrong."))
    if identity is None and not claims.email and not claims.employee_number:
        raise Refused(
            _(
                "The sign-in service sent neither a verified e-mail address nor an employee number (工号), "
                "so Lihui cannot tell which colleague you are. Ask your IT department to release one of them to Lihui."
            )
        )
    snapshot = Snapshot(
        claims.source,
        [],
        [
            DirectoryPerson(
                key=claims.subject,
                name=claims.name or claims.email.partition("@")[0] or claims.employee_number or (identity.person.name if identity else ""),
                employee_number=claims.employee_number,
                email=claims.email,
                attributes=claims.attributes,
            )
        ],
    )
    plan = sync_plan(snapshot)
    row = plan.people[0] if plan.people else None
    if plan.errors or row is None or row.errors:
        problems = plan.errors + (row.errors if row else [])
        raise Refused(_("Lihui could not match your sign-in to a person: %(problems)s") % {"problems": " ".join(problems)})
    if row.action == "reactivated":
        raise Refused(_("Your account in Lihui is deactivated (you are recorded as having left). Ask your administrator if this is wrong."))
    if row.action == "created" and not create:
        raise Refused(_("You have no account in Lihui yet, and accounts are not created at sign-in here. Ask your administrator to add you."))
    if identity is None or row.action != "unchanged":
        report = sync_apply(snapshot, trigger="login")
        if report.error:  # e.g. a second first login of the same person at the same moment
            log.warning("SSO login of %s %r not recorded (sync report %s): %s", claims.source, claims.subject, report.pk, report.error)
            raise Refused(_("Lihui could not record your sign-in (sync report %(id)s). Please try again, or tell your administrator.") % {"id": report.pk})
        identity = Identity.objects.select_related("person").get(source=claims.source, external_id=claims.subject)
    else:
        Identity.objects.filter(pk=identity.pk).update(last_seen=timezone.now(), attributes=claims.attributes)
    return identity.person


def _refusal(request: HttpRequest, message: str, status: int = 403) -> ImmediateHttpResponse:
    response = render(request, "directory/sso_refused.html", {"message": message, "login_url": reverse("people:login")}, status=status)
    return ImmediateHttpResponse(response)


class SocialAccountAdapter(DefaultSocialAccountAdapter):
    """allauth's hooks, so every SSO login goes through `person_for_login`."""

    def pre_social_login(self, request, sociallogin):
        if sociallogin.state.get("process", AuthProcess.LOGIN) != AuthProcess.LOGIN:
            raise _refusal(request, _("This sign-in link is not one Lihui offers."), status=400)
        try:
            person = person_for_login(claims=claims_of(sociallogin), create=settings.LIHUI_SSO_CREATE_PEOPLE)
        except Refused as exc:
            raise _refusal(request, str(exc)) from None
        if sociallogin.is_existing:
            if sociallogin.user.pk != person.pk:
                raise _refusal(request, _("This sign-in is linked to another person in Lihui. Ask your administrator."))
        else:
            sociallogin.connect(request, person)  # allauth's own record of the link, beside our Identity
        sociallogin.user = person

    def is_open_for_signup(self, request, sociallogin):
        return False  # people are created in pre_social_login, through the directory engine

    def on_authentication_error(self, request, provider, error=None, exception=None, extra_context=None):
        log.warning("SSO login failed at %s: %s %s", getattr(provider, "id", provider), error, exception or "")
        if error == "cancelled":
            raise _refusal(request, _("The sign-in was cancelled."), status=400)
        raise _refusal(request, _("The sign-in service answered with an error, or the sign-in took too long. Please try again."), status=400)


class AccountAdapter(DefaultAccountAdapter):
    def login(self, request, user):
        super().login(request, user)
        # What logging out at the provider will need, captured by the callback views.
        if getattr(request, "lihui_sso", None):
            request.session[SESSION_KEY] = request.lihui_sso

    def add_message(self, request, level, message_template=None, message_context=None, extra_tags="", message=None):
        pass  # allauth's "signed in as …" notes: our pages say who is signed in already

    def is_open_for_signup(self, request):
        return False


# --- logging out at the provider ---------------------------------------------------------------


def _app(request, provider: str) -> SocialApp | None:
    try:
        return get_social_adapter().get_app(request, provider=provider)
    except SocialApp.DoesNotExist:
        return None


def provider_logout_url(request: HttpRequest) -> str | None:
    """Where to send the browser so the provider ends its session too (call before the local
    logout, which forgets the ID token); None when the provider offers no such thing."""
    kept = request.session.get(SESSION_KEY) or {}
    after = request.build_absolute_uri(reverse("people:login"))
    try:
        if kept.get("source") == Source.OIDC and kept.get("id_token"):
            from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter

            app = _app(request, "openid_connect")
            if app is None:
                return None
            endpoint = OpenIDConnectOAuth2Adapter(request, app.provider_id).openid_config.get("end_session_endpoint")
            if not endpoint:
                return None
            query = urlencode({"id_token_hint": kept["id_token"], "post_logout_redirect_uri": after, "client_id": app.client_id})
            return f"{endpoint}{'&' if '?' in endpoint else '?'}{query}"
        if kept.get("source") == Source.SAML and kept.get("name_id"):
            from allauth.socialaccount.providers.saml.utils import build_auth

            app = _app(request, "saml")
            if app is None:
                return None
            auth = build_auth(request, app.get_provider(request))
            if not auth.get_slo_url():
                return None
            return auth.logout(
                return_to=after, name_id=kept["name_id"], session_index=kept.get("session_index"),
                name_id_format=kept.get("name_id_format"), spnq=kept.get("spnq"), nq=kept.get("nq"),
            )  # fmt: skip
    except Exception:  # the provider away or its metadata unreadable: log out here at least
        log.warning("Could not end the session at the sign-in provider", exc_info=True)
    return None


def provider_logout_page(request: HttpRequest, url: str):
    """A page that moves on to the provider's logout. Not a redirect: the logout form's page
    allows forms to lead only to Lihui itself (CSP form-action 'self'), redirects included."""
    app = _app(request, "saml" if "SAMLRequest=" in url else "openid_connect")
    response = render(request, "directory/sso_logout.html", {"url": url, "provider": app.name if app else ""})
    response["Refresh"] = f"0;url={url}"  # browsers follow it at once; the page's link is for the rest
    return response


# --- the login page's buttons ----------------------------------------------------------------


def _button(request: HttpRequest, next_url: str, provider: str, key: str) -> LoginMethod | None:
    app = _app(request, provider)
    if app is None:
        return None
    url = app.get_provider(request).get_login_url(request, **({"next": next_url} if next_url else {}))
    return LoginMethod(key=key, label=_("Log in with %(name)s") % {"name": app.name}, url=url)


@register
def oidc_login_method(request: HttpRequest, next_url: str) -> LoginMethod | None:
    return _button(request, next_url, "openid_connect", "oidc")


@register
def saml_login_method(request: HttpRequest, next_url: str) -> LoginMethod | None:
    return _button(request, next_url, "saml", "saml")


# Providers come from the environment only: allauth's admin pages for apps and tokens would
# show a client secret or an access token, which no page may (imported once, from ready()).
for _model in (SocialApp, SocialToken):
    if admin.site.is_registered(_model):
        admin.site.unregister(_model)
