"""The service's health as a use case: `GET /health` (and `koubei serve`'s start-up check) report this."""

from __future__ import annotations

from dataclasses import dataclass

from koubei import __version__
from koubei.errors import KoubeiError
from koubei.results import Result
from koubei.store import Store


@dataclass
class StoreHealth(Result):
    reachable: bool
    dialect: str
    revision: str | None
    head: str | None
    up_to_date: bool
    problem: str | None = None


@dataclass
class Health(Result):
    status: str  # ok | degraded (the store cannot be reached or its schema is not current)
    version: str
    store: StoreHealth

    @property
    def ok(self) -> bool:
        return self.status == "ok"


def service_health(store: Store) -> Health:
    """Whether the store answers and its schema is current. Never raises for a store problem: it reports it."""
    try:
        status = store.schema_status()
        health = StoreHealth(
            reachable=True,
            dialect=store.dialect,
            revision=status.current,
            head=status.head,
            up_to_date=status.up_to_date,
        )
    except KoubeiError as error:
        # The message names the store, never credentials (Store.url hides the password).
        health = StoreHealth(False, store.dialect, None, None, False, problem=str(error))
    ok = health.reachable and health.up_to_date
    return Health(status="ok" if ok else "degraded", version=__version__, store=health)
