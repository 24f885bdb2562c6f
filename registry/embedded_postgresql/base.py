"""Django's PostgreSQL backend for the embedded development server (registry/database.py):
the server is started on the first connection a process makes, not when settings are read."""

from django.db.backends.postgresql import base

from registry.database import embedded_start


class DatabaseWrapper(base.DatabaseWrapper):
    def get_connection_params(self):
        if not self.settings_dict.get("HOST"):
            embedded_start(self.settings_dict)
        return super().get_connection_params()
