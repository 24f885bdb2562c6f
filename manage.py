#!/usr/bin/env python
import os
import sys


def main():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
    from django.core.management import execute_from_command_line

    from registry.database import DatabaseConfigError, verify_connection

    try:
        from django.conf import settings

        verify_connection(settings.DATABASES["default"])
    except DatabaseConfigError as error:
        sys.exit(str(error))
    execute_from_command_line(sys.argv)


if __name__ == "__main__":
    main()
