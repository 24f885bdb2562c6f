"""What a production worker does before its first request (registry/wsgi.py), so that its
first visitors do not pay for it."""

import logging

from django.conf import settings

logger = logging.getLogger(__name__)


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


def warm_up_database():
    """What a worker's first visitors would otherwise wait for in the database: PostgreSQL's
    reading of the search dictionary (once per connection, which the worker keeps: about
    0.15 s) and the catalogue's index (read whole: 0.3 s at 20,000 agreements, 4 s at
    200,000). A database that does not answer yet leaves both to the first request."""
    from django.db import DatabaseError, connection

    from agreements.catalogue_index import catalogue_index
    from agreements.search import SEARCH_CONFIG

    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT to_tsvector(%s::regconfig, 'samverkan')", [SEARCH_CONFIG])
        catalogue_index()
    except DatabaseError as error:
        logger.warning("Databasen svarade inte när arbetsprocessen startade: %s", error)
