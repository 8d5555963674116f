import pytest
from cryptography.fernet import Fernet

from portal.crypto import SecretUnreadable, secret_decrypt, secret_encrypt, secret_rotate


def test_it_encrypts_and_rotates_to_the_newest_key(settings):
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FERRY_ENCRYPTION_KEYS = [old]
    stored = secret_encrypt("shpat_secret")
    assert "shpat_secret" not in stored
    settings.FERRY_ENCRYPTION_KEYS = [new, old]
    assert secret_decrypt(stored) == "shpat_secret"
    rotated = secret_rotate(stored)
    settings.FERRY_ENCRYPTION_KEYS = [new]
    assert secret_decrypt(rotated) == "shpat_secret"
    with pytest.raises(SecretUnreadable):
        secret_decrypt(stored)
