import pytest
from django.core.exceptions import ImproperlyConfigured

from capacity_market.startup import require_configured_secret


def test_the_servers_refuse_to_start_on_a_throw_away_secret_key(settings):
    settings.SECRET_KEY_IS_EPHEMERAL = True
    settings.DEBUG = False
    with pytest.raises(ImproperlyConfigured, match="DJANGO_SECRET_KEY"):
        require_configured_secret()


def test_a_configured_key_or_development_mode_lets_them_start(settings):
    settings.SECRET_KEY_IS_EPHEMERAL = False
    settings.DEBUG = False
    require_configured_secret()
    settings.SECRET_KEY_IS_EPHEMERAL = True
    settings.DEBUG = True
    require_configured_secret()
