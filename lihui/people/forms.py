from django import forms
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


class LoginForm(ThrottledLoginMixin, AuthenticationForm):
    pass


class AdminLoginForm(ThrottledLoginMixin, AdminAuthenticationForm):
    pass
