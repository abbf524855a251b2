from django import forms
from django.conf import settings
from django.contrib.admin.forms import AdminAuthenticationForm
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import throttle
from .models import Person
from .timezones import time_zone_choices


class PreferencesForm(forms.ModelForm):
    time_zone = forms.ChoiceField(label=_("time zone"), choices=time_zone_choices)

    class Meta:
        model = Person
        fields = ["language", "time_zone"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["time_zone"].choices = time_zone_choices(current=self.instance.time_zone)


class TokenForm(forms.Form):
    name = forms.CharField(label=_("token name"), max_length=100, widget=forms.TextInput(attrs={"placeholder": _("e.g. project tracker sync")}))


class ThrottledLoginMixin:
    """Says why a sign-in is refused once the account or the address has failed too often
    (the backend in lihui/people/throttle.py counts and refuses)."""

    def clean(self):
        if throttle.login_blocked(self.request, self.cleaned_data.get("username") or ""):
            raise ValidationError(throttle.blocked_message(), code="throttled")
        return super().clean()


def password_login_allowed(username: str) -> bool:
    """False when the admin requires SSO (LIHUI_SSO_REQUIRED) and this is no break-glass account."""
    if not settings.LIHUI_SSO_REQUIRED:
        return True
    return username.strip().casefold() in {name.casefold() for name in settings.LIHUI_BREAK_GLASS_USERS}


class SsoRequiredMixin:
    """Where the admin requires single sign-on (LIHUI_SSO_REQUIRED), only the break-glass
    accounts may sign in with a password; everyone else is sent to the SSO buttons, before
    any password is checked."""

    def clean(self):
        if not password_login_allowed(self.cleaned_data.get("username") or ""):
            raise ValidationError(
                _("Password sign-in is turned off here: use the sign-in button of your company account on this page."), code="sso_required"
            )
        return super().clean()


class LoginForm(SsoRequiredMixin, ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(SsoRequiredMixin, ThrottledLoginMixin, AdminAuthenticationForm):
    pass
