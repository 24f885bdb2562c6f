#!/usr/bin/env python
import os
import sys

# Commands that need no database: they neither start the embedded PostgreSQL nor refuse to run
# without DATABASE_URL in production (makemigrations only checks the history when it can).
WITHOUT_DATABASE = {
    "check",
    "collectstatic",
    "compilemessages",
    "diffsettings",
    "findstatic",
    "help",
    "makemessages",
    "makemigrations",
    "version",
}


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    from django.core.management import execute_from_command_line

    from registry.database import (
        DatabaseConfigError,
        embedded_start,
        refuse_embedded_in_production,
        uses_embedded,
        verify_connection,
    )

    command = sys.argv[1] if len(sys.argv) > 1 else "help"
    needs_database = command.lstrip("-") not in WITHOUT_DATABASE
    try:
        from django.conf import settings

        database = settings.DATABASES["default"]
        if needs_database:
            refuse_embedded_in_production(debug=settings.DEVELOPMENT)
        verify_connection(database)
    except DatabaseConfigError as error:
        sys.exit(str(error))
    if uses_embedded() and needs_database:
        # Here, in the main thread, so that SIGTERM stops the server too (registry/database.py).
        embedded_start(database)
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
