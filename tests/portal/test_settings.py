"""Settings come from the environment; production-like settings pass `check --deploy`."""

import subprocess
import sys

import pytest
from django.core.exceptions import ImproperlyConfigured

from portal.env import parse_database_url
from tests.helpers import ROOT, embedded_env

PRODUCTION_ENV = {
    "DJANGO_SETTINGS_MODULE": "portal.settings",
    "SECRET_KEY": "x" * 30 + "production-like-secret-0123456789abcdef",
    "FERRY_ENCRYPTION_KEYS": "dGVzdHMtb25seS1rZXktMDEyMzQ1Njc4OWFiY2RlZiE=",
    "ALLOWED_HOSTS": "ferry.example.com",
    "CSRF_TRUSTED_ORIGINS": "https://ferry.example.com",
    "DATABASE_URL": "postgres://ferry:secret@db.internal:5432/ferry",
    "REDIS_URL": "redis://redis.internal:6379/0",
}


def _manage(*args, env):
    return subprocess.run(
        [sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True
    )


def test_it_passes_check_deploy_with_production_settings():
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=embedded_env(**PRODUCTION_ENV))
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues (0 silenced)." in result.stdout


def test_it_refuses_to_start_without_a_secret_key_unless_debug():
    env = embedded_env(**{**PRODUCTION_ENV, "SECRET_KEY": ""})
    result = _manage("check", env=env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set" in result.stderr
    assert _manage("check", env={**env, "DEBUG": "1", "FERRY_ENCRYPTION_KEYS": ""}).returncode == 0


def test_it_refuses_to_start_without_encryption_keys_unless_debug():
    result = _manage("check", env=embedded_env(**{**PRODUCTION_ENV, "FERRY_ENCRYPTION_KEYS": ""}))
    assert "FERRY_ENCRYPTION_KEYS must be set" in result.stderr


def test_it_reads_a_database_url():
    config = parse_database_url("postgres://ferry:p%40ss@db:6432/ferry_prod?sslmode=require")
    assert {k: config[k] for k in ("ENGINE", "NAME", "USER", "PASSWORD", "HOST", "PORT", "OPTIONS")} == {
        "ENGINE": "django.db.backends.postgresql",
        "NAME": "ferry_prod",
        "USER": "ferry",
        "PASSWORD": "p@ss",
        "HOST": "db",
        "PORT": "6432",
        "OPTIONS": {"sslmode": "require"},
    }
    with pytest.raises(ImproperlyConfigured, match="scheme 'mysql' is not supported"):
        parse_database_url("mysql://x@y/z")


def test_it_uses_the_embedded_default_without_urls():
    code = (
        "import django;django.setup();from django.conf import settings as s;"
        "print(s.DATABASES['default']['ENGINE'], s.CHANNEL_LAYERS['default']['BACKEND'],"
        " s.CELERY_TASK_ALWAYS_EAGER)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code],
        cwd=ROOT,
        capture_output=True,
        text=True,
        env=embedded_env(DJANGO_SETTINGS_MODULE="portal.settings", DEBUG="1"),
    )
    assert result.stdout.split() == [
        "django.db.backends.sqlite3",
        "channels.layers.InMemoryChannelLayer",
        "True",
    ], result.stderr
