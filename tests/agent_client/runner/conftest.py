import pytest

from agent_client import lookups
from agent_client.connectors.sage300 import Sage300Client
from agent_client.connectors.shopify import ShopifyClient
from agent_client.runner.context import Clients
from agent_client.state import AgentState
from tests.emulator_processes import start_sage, start_shopify


@pytest.fixture(scope="session")
def shopify_process():
    process = start_shopify(customers=1000)
    yield process
    process.stop()


@pytest.fixture(scope="session")
def sage_process():
    process = start_sage()
    yield process
    process.stop()


@pytest.fixture
def emulators(shopify_process, sage_process):
    """Both emulators, back to a known state: `seed` customers in Shopify, an empty Sage company."""
    sage_process.control("reset", {})
    sage_process.control("faults", {"latency_ms": 0, "error_rate": 0, "max_concurrent": 0})
    shopify_process.control("faults", {"latency_ms": 0, "error_rate": 0, "throttle_burst": 0})
    shopify_process.control("plan", {"plan": "unlimited"})

    def seed(customers: int, seed: int = 7):
        shopify_process.control("seed", {"customers": customers, "seed": seed})

    seed(1000)
    return shopify_process, sage_process, seed


@pytest.fixture
def agent(tmp_path, emulators):
    shopify, sage, _ = emulators
    state = AgentState(tmp_path / "state.sqlite3")
    lookups.tables_current(state)
    clients = Clients(
        shopify=ShopifyClient(shop_url=shopify.url, token="shpat_demo"),
        sage=Sage300Client(
            base_url=f"{sage.url}/Sage300WebApi/v1.0", company="SAMINC", user="WEBAPI", password="webapi"
        ),
    )
    return state, clients
