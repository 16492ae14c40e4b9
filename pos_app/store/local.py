"""The local store of one device: its database and the services on it, bundled so a screen can
be handed one object instead of reaching for globals."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from pos_app.store import audit, outbox
from pos_app.store.cashbook import CashBook
from pos_app.store.catalog import Catalog
from pos_app.store.db import Database, open_database
from pos_app.store.models import Device, Store
from pos_app.store.parked import ParkedSales
from pos_app.store.sales import SaleBook
from pos_app.store.staff import StaffDirectory


if TYPE_CHECKING:
    from pos_app.fiscal.signing import FiscalSigner


class UnknownDevice(LookupError):
    pass


@dataclass
class LocalStore:
    db: Database
    device_id: str
    device_name: str
    store_id: str
    store_name: str
    catalog: Catalog
    sales: SaleBook
    staff: StaffDirectory
    parked: ParkedSales
    cashbook: CashBook
    fiscal: "FiscalSigner | None" = None  # the TSE every sale is signed with (pos_app.fiscal.setup)

    @classmethod
    def open(cls, path: Path | str, device_id: str) -> "LocalStore":
        db = open_database(path)
        with db.reading() as s:
            device = s.get(Device, device_id)
            if device is None:
                known = ", ".join(d.id for d in s.query(Device).order_by(Device.id))
                db.close()
                raise UnknownDevice(f"Gerät „{device_id}“ ist in {path} nicht angelegt "
                                    f"(bekannt: {known or 'keine'}).")
            store = s.get(Store, device.store_id)
            assert store is not None
            store_id, store_name, device_name = store.id, store.name, device.name
        return cls(db, device_id, device_name, store_id, store_name,
                   Catalog(db, store_id), SaleBook(db, device_id, store_id),
                   StaffDirectory(db, device_id, store_id), ParkedSales(db, device_id),
                   CashBook(db, device_id, store_id))

    def record(self, actor_id: int | None, actor_name: str, action: str, details: dict[str, Any]) -> None:
        """Write one audit entry (and its outbox event) in its own transaction."""
        with self.db.writing() as s:
            audit.record(s, self.device_id, actor_id, actor_name, action, details)

    def outbox_summary(self) -> outbox.OutboxSummary:
        with self.db.reading() as s:
            return outbox.summary(s)

    def close(self) -> None:
        self.db.close()

    # ---- sync conflicts (the manager's side) -----------------------------------------------

    def conflicts(self) -> list[outbox.Conflict]:
        with self.db.reading() as s:
            return outbox.conflicts(s)

    def decide_conflict(self, event_id: str, resend: bool, manager_id: int, manager_name: str) -> None:
        """A manager sends a rejected event again (as a new event: see
        outbox.decide_conflict) or takes note of it; the decision and its audit entry (which is
        queued for the center too) are one transaction."""
        with self.db.writing() as s:
            decision = outbox.decide_conflict(s, event_id, resend, manager_name)
            conflict = decision.conflict
            details = {"event_id": conflict.event_id, "event_type": conflict.type, "event_seq": conflict.seq,
                       "receipt_number": conflict.receipt_number, "reason": conflict.reason}
            if decision.resent_as:
                details["resent_as"] = decision.resent_as
            if decision.booked_as:  # its goods moved: booked at the center, never erased
                details["booked_as"] = list(decision.booked_as)
            audit.record(s, self.device_id, manager_id, manager_name,
                         "sync.conflict_resent" if decision.resent_as else "sync.conflict_acknowledged", details)
