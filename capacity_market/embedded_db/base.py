"""Django's PostgreSQL backend on the embedded development server (see __init__.py): the socket is looked up, and
the server started when stopped, at the first connection, so a settings import alone (collectstatic,
compilemessages, `manage.py help`) never touches a database."""

from django.core.exceptions import ImproperlyConfigured
from django.db.backends.postgresql import base

from capacity_market import embedded_db


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        if not self.settings_dict.get("HOST"):
            try:
                host, port = embedded_db.address()
            except embedded_db.MissingDatabase as missing:
                raise ImproperlyConfigured(str(missing)) from None
            # The connection's settings are the dict of settings.DATABASES: later connections (and the test
            # database pytest-django creates beside it) reuse the address found here.
            self.settings_dict["HOST"], self.settings_dict["PORT"] = host, str(port)
        return super().get_connection_params()
