"""The production settings (DJANGO_DEBUG=0) for the servers of test_topology.py, with one
difference: static files are served from the app folders, as in development, because
`collectstatic` with compression takes minutes on this machine. deploy/Containerfile runs it."""

from registry.settings import *  # noqa: F403

STORAGES = {
    **STORAGES,  # noqa: F405
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True
