"""/sso/: the providers' URLs (allauth's views; ours in front where they keep what logout
needs, or turn an unreachable provider into a page instead of a server error).

OpenID Connect: /sso/oidc/<id>/login/ and …/login/callback/ (the redirect URI to register).
SAML: /sso/saml/<id>/login/, …/acs/, …/sls/ and …/metadata/ (our SP metadata, for the IdP).
"""

from allauth.urls import build_provider_urlpatterns
from django.urls import path

from .views import sso

urlpatterns = [
    path("oidc/<str:provider_id>/login/", sso.oidc_login, name="openid_connect_login"),
    path("oidc/<str:provider_id>/login/callback/", sso.oidc_callback, name="openid_connect_callback"),
    path("saml/<str:organization_slug>/login/", sso.saml_login, name="saml_login"),
    path("saml/<str:organization_slug>/acs/finish/", sso.saml_finish_acs, name="saml_finish_acs"),
    path("saml/<str:organization_slug>/sls/", sso.saml_sls, name="saml_sls"),
    path("saml/<str:organization_slug>/metadata/", sso.saml_metadata, name="saml_metadata"),
    # Names allauth reverses (its middleware, a login of someone inactive): our pages.
    path("login/", sso.to_login, name="account_login"),
    path("inactive/", sso.account_inactive, name="account_inactive"),
    *build_provider_urlpatterns(),
]
