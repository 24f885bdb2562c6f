"""Django's PostgreSQL backend for the embedded development server (registry/database.py):
the server is started on the first connection a process makes, not when settings are read."""

from django.conf import settings
from django.db import OperationalError
from django.db.backends.postgresql import base

from registry.database import DatabaseConfigError, embedded_start, refuse_embedded_in_production


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        try:
            refuse_embedded_in_production(debug=settings.DEVELOPMENT)
        except DatabaseConfigError as error:  # as an unreachable database: a 503, a warning
            raise OperationalError(str(error)) from None
        if not self.settings_dict.get("HOST"):
            embedded_start(self.settings_dict)
        return super().get_connection_params()
