"""Settings for the test suite: the development settings, with a fast password hasher."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from registry.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

# Tests make many anonymous requests; the throttling test sets its own low rate.
API_ANON_RATE = "100000/min"
