import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from registry.database import DatabaseConfigError, refuse_embedded_in_production

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")
try:
    refuse_embedded_in_production(debug=settings.DEBUG)  # one line, not a traceback per worker
    application = get_wsgi_application()
except DatabaseConfigError as error:
    sys.exit(str(error))
