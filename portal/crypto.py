"""Encryption of secrets at rest with rotating keys (FERRY_ENCRYPTION_KEYS, newest first).

MultiFernet encrypts with the first key and decrypts with any, so adding a new key in front
and running `manage.py rotate_secrets` re-encrypts everything without downtime.
"""

from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured

# Used only when DEBUG is on and no keys are configured (the embedded demo). Settings refuse
# to start without FERRY_ENCRYPTION_KEYS when DEBUG is off.
_DEVELOPMENT_KEY = "ZmVycnktZGV2ZWxvcG1lbnQta2V5LW5vdC1zZWNyZXQ="


class SecretUnreadable(Exception):
    """The stored secret was encrypted with a key that is no longer configured."""


@lru_cache(maxsize=4)
def _fernet(keys: tuple[str, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key.encode()) for key in keys])
    except ValueError as exc:
        raise ImproperlyConfigured(
            f"FERRY_ENCRYPTION_KEYS holds a key that is not a Fernet key: {exc}"
        ) from None


def _keys() -> tuple[str, ...]:
    keys = tuple(settings.FERRY_ENCRYPTION_KEYS) or (_DEVELOPMENT_KEY,)
    return keys


def secret_encrypt(plain: str) -> str:
    return _fernet(_keys()).encrypt(plain.encode()).decode()


def secret_decrypt(token: str) -> str:
    try:
        return _fernet(_keys()).decrypt(token.encode()).decode()
    except InvalidToken:
        raise SecretUnreadable(
            "a stored secret cannot be decrypted with the configured FERRY_ENCRYPTION_KEYS "
            "(was a key removed before rotation finished?)"
        ) from None


def secret_rotate(token: str) -> str:
    """Re-encrypt with the newest key."""
    return _fernet(_keys()).rotate(token.encode()).decode()
