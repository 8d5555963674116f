"""Everything one emulated shop holds, reachable as `app.state.shop`."""

from __future__ import annotations

import threading
from collections import Counter
from dataclasses import dataclass, field

from emulators.common.faults import Faults

from .bulk import BulkOperations
from .datagen import generate_customers
from .models import Customer
from .store import CustomerStore
from .throttle import Throttle
from .webhooks import WebhookDispatcher

DEFAULT_SCOPES = ("read_customers", "write_customers")
# Demo credentials: the emulator holds no real data, so these are meant to be known.
DEMO_TOKEN = "shpat_demo"
DEMO_WEBHOOK_SECRET = "shpss_demo"
DEMO_SHOP_DOMAIN = "ferry-demo.myshopify.com"


@dataclass
class ShopConfig:
    customers: int = 1000
    seed: int = 7
    plan: str = "standard"
    token: str = DEMO_TOKEN
    webhook_secret: str = DEMO_WEBHOOK_SECRET
    shop_domain: str = DEMO_SHOP_DOMAIN
    shop_name: str = "Ferry Demo"
    scopes: tuple[str, ...] = DEFAULT_SCOPES


@dataclass
class Stats:
    requests: int = 0
    throttled: int = 0
    per_endpoint: Counter = field(default_factory=Counter)

    def count(self, endpoint: str) -> None:
        self.requests += 1
        self.per_endpoint[endpoint] += 1


class ShopState:
    def __init__(self, config: ShopConfig) -> None:
        self.config = config
        self.throttle = Throttle(config.plan)
        self.faults = Faults(seed=config.seed)
        self.stats = Stats()
        self.webhooks = WebhookDispatcher(config.webhook_secret, config.shop_domain, config.seed)
        self.bulk = BulkOperations(self)
        self.shop_status = "active"
        self.graphql_throttled_status = 200
        self.scopes: list[str] = list(config.scopes)
        self.initial = (config.customers, config.seed)
        self.store = CustomerStore(generate_customers(config.customers, config.seed))

    def customer_changed(self, customer: Customer, topic: str = "customers/update") -> None:
        self.webhooks.customer_changed(customer, topic)

    def reseed(self, customers: int, seed: int) -> None:
        """Replace the data set; subscriptions, plan and faults stay as they are."""
        self.store = CustomerStore(generate_customers(customers, seed))
        self.start_warming()

    def reset(self) -> None:
        """Back to the state the shop started in: initial data, plan, no faults, no subscriptions."""
        self.faults.reset()
        self.throttle.set_plan(self.config.plan)
        self.shop_status = "active"
        self.graphql_throttled_status = 200
        self.scopes = list(self.config.scopes)
        self.stats = Stats()
        self.webhooks.stop()
        self.webhooks = WebhookDispatcher(
            self.config.webhook_secret, self.config.shop_domain, self.config.seed
        )
        self.bulk = BulkOperations(self)
        self.reseed(*self.initial)

    def start_warming(self) -> None:
        threading.Thread(target=self.store.warm, name="shopify-warm", daemon=True).start()
