"""Test settings: the same application, a fast hasher and tasks run in process."""

import os

os.environ.setdefault("SECRET_KEY", "test-secret-key-not-for-production")
os.environ.setdefault("TWO_FACTOR_RELAXED", "0")
os.environ.setdefault("SECURE_COOKIES", "0")

from config.settings import *  # noqa: F403
from config.settings import DATABASES, STORAGES

PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
TASKS = {"default": {"BACKEND": "django_tasks.backends.immediate.ImmediateBackend"}}
STORAGES = {**STORAGES, "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"}}
if DATABASES["default"]["ENGINE"] == "django.db.backends.sqlite3":
    DATABASES["default"]["NAME"] = ":memory:"
    DATABASES["default"]["TEST"] = {"NAME": ":memory:"}
    DATABASES["default"]["OPTIONS"] = {"init_command": "PRAGMA foreign_keys=ON;"}
# Serve static files straight from the apps (no collectstatic in tests; browser tests need them).
WHITENOISE_AUTOREFRESH = True
WHITENOISE_USE_FINDERS = True
