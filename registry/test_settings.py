"""Settings for the test suite: the development settings, with a fast password hasher."""

import os

os.environ.setdefault("DJANGO_DEBUG", "1")

from registry.settings import *  # noqa: F403

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
