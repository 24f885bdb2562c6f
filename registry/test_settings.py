"""Settings for the test suite: the development settings, with a fast password hasher."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from registry.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests make many anonymous requests; the throttling test sets its own low rate.
API_ANON_RATE = "100000/min"
PAGE_RATE = "100000/min"
EXPENSIVE_RATE = "100000/min"

# The shared cache is the database cache in development and production; here a per-process
# one, so that the query counts the tests assert do not include the throttling's. The tests
# of the throttling itself use the database cache (tests/registry/test_throttling.py).
CACHES = {
    **CACHES,  # noqa: F405
    "default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache"},
}

# Background jobs run at once, in the test's own process and transaction. The prerender after
# a publication is off, so that the tests that count renders count only their own; the tests of
# the jobs turn it on (tests/registry/test_shared_storage.py; tests/deploy/test_topology.py
# runs a real worker).
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
PDF_PRERENDER_ON_PUBLISH = False
