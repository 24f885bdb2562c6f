import os
import sys

from django.conf import settings
from django.core.wsgi import get_wsgi_application

from registry.database import DatabaseConfigError, refuse_embedded_in_production

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "registry.settings")


def warm_up():
    """What a worker's first request would otherwise pay for (some 0.5 s of CPU): the views
    and everything they import, the URL resolver in both languages with their translation
    catalogues, DRF's renderers and parsers, and the site's templates, compiled into the
    cached loader. Nothing here touches the database."""
    from django.template.loader import get_template
    from django.urls import get_resolver
    from django.utils import translation
    from rest_framework.settings import api_settings

    resolver = get_resolver()
    for language, _name in settings.LANGUAGES:
        with translation.override(language):
            resolver.reverse_dict  # noqa: B018 - populated per language
    for name in ("DEFAULT_RENDERER_CLASSES", "DEFAULT_PARSER_CLASSES"):
        getattr(api_settings, name)
    directory = settings.BASE_DIR / "templates"
    for template in directory.rglob("*.html"):
        get_template(template.relative_to(directory).as_posix())


try:
    # One line, not a traceback per worker.
    refuse_embedded_in_production(debug=settings.DEVELOPMENT)
    application = get_wsgi_application()
    if not settings.DEBUG:  # in development, templates change under a running server
        warm_up()
except DatabaseConfigError as error:
    sys.exit(str(error))
