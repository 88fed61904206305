import pytest
from django.conf import settings
from django.utils import translation


@pytest.fixture(autouse=True)
def _default_language():
    """Each test starts in the site's default language (Japanese), whatever an earlier request activated."""
    with translation.override(settings.LANGUAGE_CODE):
        yield
