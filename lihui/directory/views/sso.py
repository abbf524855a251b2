"""The single sign-on pages allauth does not make as we need them (lihui/directory/sso.py).

allauth's own OpenID Connect callback and SAML assertion consumer do the protocol; ours wrap
them only to keep what logging out at the provider needs later: the raw ID token (allauth
keeps only its decoded claims) and SAML's NameID and SessionIndex. allauth's account
pages are not used (SOCIALACCOUNT_ONLY; the names it reverses lead to ours).
"""

from __future__ import annotations

import functools
import logging

import requests
from allauth.socialaccount.models import SocialApp
from allauth.socialaccount.providers.oauth2.views import OAuth2CallbackView
from allauth.socialaccount.providers.openid_connect import views as allauth_oidc
from allauth.socialaccount.providers.openid_connect.views import OpenIDConnectOAuth2Adapter
from allauth.socialaccount.providers.saml import views as allauth_saml
from allauth.socialaccount.providers.saml.views import FinishACSView
from django.core.exceptions import ImproperlyConfigured
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _

from lihui.people.models import Source

log = logging.getLogger(__name__)


def provider_unreachable(view):
    """The provider away, its discovery document or metadata unreadable: a page that says so
    (502), not a server error."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except (requests.RequestException, OSError, ValueError, KeyError, ImproperlyConfigured) as exc:
            log.warning("SSO provider unusable: %s: %s", type(exc).__name__, exc)
            message = _("The sign-in service cannot be reached or answered something Lihui cannot read. Please try again later, or tell your IT department.")
            return render(request, "directory/sso_refused.html", {"message": message, "login_url": reverse("people:login")}, status=502)

    return wrapped


class _KeepingIdToken(OpenIDConnectOAuth2Adapter):
    def complete_login(self, request, app, token, **kwargs):
        id_token = (kwargs.get("response") or {}).get("id_token")
        if id_token:
            request.lihui_sso = {"source": Source.OIDC, "id_token": id_token}
        return super().complete_login(request, app, token, **kwargs)


@provider_unreachable
def oidc_callback(request, provider_id: str):
    """allauth's callback (the code exchanged for tokens, the ID token checked)."""
    try:
        return OAuth2CallbackView.adapter_view(_KeepingIdToken(request, provider_id))(request)
    except SocialApp.DoesNotExist:
        raise Http404 from None


class _FinishACSKeepingSession(FinishACSView):
    def get_provider(self, organization_slug):
        provider = super().get_provider(organization_slug)
        from_response = provider.sociallogin_from_response

        def keeping(request, auth):
            request.lihui_sso = {
                "source": Source.SAML, "name_id": auth.get_nameid(), "name_id_format": auth.get_nameid_format(),
                "session_index": auth.get_session_index(), "nq": auth.get_nameid_nq(), "spnq": auth.get_nameid_spnq(),
            }  # fmt: skip
            return from_response(request, auth)

        provider.sociallogin_from_response = keeping
        return provider


saml_finish_acs = provider_unreachable(_FinishACSKeepingSession.as_view())
oidc_login = provider_unreachable(allauth_oidc.login)
saml_login = provider_unreachable(allauth_saml.login)
saml_metadata = provider_unreachable(allauth_saml.metadata)
saml_sls = provider_unreachable(allauth_saml.sls)


def to_login(request, *args, **kwargs):
    """allauth's login page: ours is the login page."""
    return redirect("people:login")


def account_inactive(request):
    message = _("Your account in Lihui is deactivated (you are recorded as having left). Ask your administrator if this is wrong.")
    return render(request, "directory/sso_refused.html", {"message": message, "login_url": reverse("people:login")}, status=403)
