"""Settings for the benchmark: the registry's own, on a database of its own that the
benchmark creates and (unless told to keep it) drops, so the development data is untouched."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "benchmark-only-not-secret")

from registry.settings import *  # noqa: F403
from registry.settings import DATABASES

BENCH_DATABASE = os.environ.get("BENCH_DATABASE", "samverkansregistret_benchmark")
DATABASES["default"]["NAME"] = BENCH_DATABASE
DEBUG = False
ALLOWED_HOSTS = ["testserver", "127.0.0.1", "localhost"]
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
}
WHITENOISE_USE_FINDERS = True  # so that `runserver` on this database shows the CSS
# Measure the pages, not their throttle: no limits, and counters in this process's memory.
PAGE_RATE = EXPENSIVE_RATE = "100000000/min"
CACHES = {
    **CACHES,  # noqa: F405
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}
