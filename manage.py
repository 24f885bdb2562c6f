#!/usr/bin/env python
import os
import sys

# Commands that never touch the database: they do not start the embedded PostgreSQL.
WITHOUT_DATABASE = {
    "check",
    "collectstatic",
    "compilemessages",
    "diffsettings",
    "findstatic",
    "help",
    "makemessages",
    "version",
}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    from django.core.management import execute_from_command_line

    from registry.database import (
        DatabaseConfigError,
        embedded_start,
        uses_embedded,
        verify_connection,
    )

    try:
        from django.conf import settings

        database = settings.DATABASES["default"]
        verify_connection(database)
    except DatabaseConfigError as error:
        sys.exit(str(error))
    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    if uses_embedded() and command.lstrip("-") not in WITHOUT_DATABASE:
        # Here, in the main thread, so that SIGTERM stops the server too (registry/database.py).
        embedded_start(database)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
