import os
import sys

from django.core.wsgi import get_wsgi_application

from registry.database import DatabaseConfigError

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
try:
    application = get_wsgi_application()
except DatabaseConfigError as error:  # one line, e.g. DJANGO_DEBUG=0 without DATABASE_URL
    sys.exit(str(error))
