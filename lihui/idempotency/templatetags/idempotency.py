import uuid

from django import template
from django.utils.html import format_html

from ..http import FORM_FIELD

register = template.Library()


@register.simple_tag
def idempotency_token():
    """A hidden input with a fresh token, one per rendered form: sending the same form twice
    (a double click, the browser's resend) then does its work once."""
    return format_html('<input type="hidden" name="{}" value="{}">', FORM_FIELD, uuid.uuid4().hex)
