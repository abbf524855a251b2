"""/sso/: the providers' URLs (allauth's), with our callback wrappers in front of its own.

OpenID Connect: /sso/oidc/<id>/login/ and …/login/callback/ (the redirect URI to register).
SAML: /sso/saml/<id>/login/, …/acs/, …/sls/ and …/metadata/ (our SP metadata, for the IdP).
"""

from allauth.socialaccount.providers.openid_connect.views import login as oidc_login
from allauth.urls import build_provider_urlpatterns
from django.urls import path

from .views import sso

urlpatterns = [
    path("oidc/<str:provider_id>/login/", oidc_login, name="openid_connect_login"),
    path("oidc/<str:provider_id>/login/callback/", sso.oidc_callback, name="openid_connect_callback"),
    path("saml/<str:organization_slug>/acs/finish/", sso.saml_finish_acs, name="saml_finish_acs"),
    # Names allauth reverses; nobody needs its pages behind them.
    path("login/", sso.to_login, name="account_login"),
    path("signup/", sso.to_login, name="account_signup"),
    path("inactive/", sso.account_inactive, name="account_inactive"),
    path("3rdparty/", sso.to_login, name="socialaccount_connections"),
    path("3rdparty/signup/", sso.to_login, name="socialaccount_signup"),
    path("3rdparty/login/cancelled/", sso.to_login, name="socialaccount_login_cancelled"),
    path("3rdparty/login/error/", sso.to_login, name="socialaccount_login_error"),
    *build_provider_urlpatterns(),
]
