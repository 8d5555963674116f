"""What one running emulator holds; reachable as `app.state.sage` for in-process tests."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

from emulators.common.faults import Faults

from .auth import BasicAuth
from .seed import company_seed
from .store import Store


@dataclass
class SageState:
    store: Store
    auth: BasicAuth
    sample_customers: bool = True  # the startup choice, which a plain reset returns to
    faults: Faults = field(default_factory=Faults)
    requests_by_status: Counter = field(default_factory=Counter)
    requests_by_method: Counter = field(default_factory=Counter)

    def reset(self, *, sample_customers: bool | None = None) -> None:
        """Back to the startup state: seeded companies, empty change log, no faults, default settings."""
        self.store.clear()
        with_samples = self.sample_customers if sample_customers is None else sample_customers
        for company in self.store.companies.values():
            company_seed(company, sample_customers=with_samples)
        self.faults.reset()
        self.auth.sessions.clear()
        self.requests_by_status.clear()
        self.requests_by_method.clear()
