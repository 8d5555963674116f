import pytest

from tests.e2e.stack import Stack
from tests.emulator_processes import start_sage, start_shopify


@pytest.fixture
def stack(tmp_path):
    built = Stack(tmp_path)
    yield built
    built.close()


@pytest.fixture
def emulator_pair():
    shopify, sage = start_shopify(customers=400, seed=9), start_sage()
    yield shopify, sage
    shopify.stop()
    sage.stop()
