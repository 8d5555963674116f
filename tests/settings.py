"""Test settings: the portal's own settings, with test defaults for what production must set.

Only environment defaults are given here, so tests run the same code paths as production.
"""

import os

os.environ.setdefault("SECRET_KEY", "ferry-tests-only-secret-key")
os.environ.setdefault("FERRY_ENCRYPTION_KEYS", "dGVzdHMtb25seS1rZXktMDEyMzQ1Njc4OWFiY2RlZiE=")
os.environ.setdefault("SECURE_SSL_REDIRECT", "0")
os.environ.setdefault("WHITENOISE_USE_FINDERS", "1")
os.environ.setdefault("ALLOWED_HOSTS", "testserver,127.0.0.1,localhost")
# In-process websocket consumers and HTTP pool threads would keep their connections open past
# the test, and PostgreSQL refuses to drop a test database someone is connected to. Tests that
# start portal processes (and the benchmarks) get the persistent default.
os.environ.setdefault("DB_CONN_MAX_AGE", "0")

from portal.settings import *  # noqa: E402,F403

# Hashing passwords slowly protects real users; tests create hundreds of them.
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
