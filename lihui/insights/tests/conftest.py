import pytest
from django.utils import translation


@pytest.fixture
def english(settings):
    """Texts asserted in English: the active language and a request's default (no
    Accept-Language) are English; the Chinese pages are checked in the browser tests."""
    settings.LANGUAGE_CODE = "en"
    with translation.override("en"):
        yield
