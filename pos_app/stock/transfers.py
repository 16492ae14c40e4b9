"""Transfers between stores at the store: ask another store for units (from the "stock in every
store" view), work the queue of requests from other stores (accept or decline, pick by scan,
ship), and scan in what arrives. The state machine is the center's (pos_app.stock.transfer_rules,
the same rules the center applies); every step is one local transaction with its outbox event.

Stock: shipping takes the picked units off this store's shelf at once (a stock movement waits
for the center, pos_app.store.movements); receiving puts the scanned units on the shelf. What
arrives short is not corrected here: the center books what came and opens a discrepancy both
managers see (reconcile, never erase).

Thread: the UI thread (short local transactions), or any thread with the store.
"""
from __future__ import annotations

import json
import uuid
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import select, text, update
from sqlalchemy.orm import Session

from pos_app import limits
from pos_app.clock import iso, utc_now
from pos_app.i18n import t
from pos_app.stock.transfer_rules import (OPEN_TRANSFER, TRANSFER_ACCEPTED, TRANSFER_CANCELLED, TRANSFER_DECLINED,
                                          TRANSFER_PICKED, TRANSFER_RECEIVED, TRANSFER_REQUESTED, TRANSFER_SHIPPED,
                                          StepRefused, check_step, received_state, state_name)
from pos_app.store import movements
from pos_app.store.local import LocalStore
from pos_app.store.models import Stock
from pos_app.store.outbox import append_event
from pos_app.store.transfer_models import LocalTransfer, effective

Clock = Callable[[], datetime]


class TransferError(ValueError):
    """Refused at the store; the message is for the associate. Nothing was changed."""


@dataclass(frozen=True)
class TransferLine:
    line_no: int
    product_id: int
    sku: str
    name: str
    requested: int
    picked: int | None  # as the center knows it
    shipped: int
    received: int | None
    scanned: int  # this device's scans: picking (sender) or receiving (receiver)


@dataclass(frozen=True)
class Transfer:
    number: str
    id: str
    from_store_id: str
    to_store_id: str
    state: str  # effective: ours while the center has not confirmed it
    confirmed: bool
    carrier: str
    tracking: str
    lines: tuple[TransferLine, ...]

    @property
    def state_name(self) -> str:
        return state_name(self.state)

    def side(self, store_id: str) -> str:
        return "to" if store_id == self.to_store_id else "from"


@dataclass(frozen=True)
class ScanResult:
    line: TransferLine
    complete: bool  # every line scanned in full


def _view(row: LocalTransfer, scans_of: str) -> Transfer:
    doc = json.loads(row.doc)
    scans = json.loads(getattr(row, scans_of) or "{}")
    lines = tuple(TransferLine(int(ln["line_no"]), int(ln["product_id"]), str(ln["sku"]), str(ln["name"]),
                               int(ln["requested"]), ln.get("picked"), int(ln.get("shipped") or 0),
                               ln.get("received"), int(scans.get(str(ln["line_no"]), 0)))
                  for ln in doc.get("lines", []))
    return Transfer(row.number, row.id, row.from_store_id, row.to_store_id, effective(row),
                    row.local_state is None, str(doc.get("carrier", "")), str(doc.get("tracking", "")), lines)


class TransferDesk:
    """This store's transfers (its local copy, works offline) and the steps it may take."""

    def __init__(self, store: LocalStore, clock: Clock = utc_now) -> None:
        self.store = store
        self.clock = clock

    # ---- reading ---------------------------------------------------------------------------

    def queue(self, direction: str | None = None, include_closed: bool = False) -> list[Transfer]:
        """Outgoing (this store sends), incoming (this store receives), or both; open ones
        unless `include_closed`. Oldest first."""
        sid = self.store.store_id
        with self.store.db.reading() as s:
            rows = s.execute(select(LocalTransfer).order_by(LocalTransfer.updated_at, LocalTransfer.number)).scalars()
            out = []
            for row in rows:
                side = "to" if row.to_store_id == sid else "from" if row.from_store_id == sid else None
                if side is None or (direction == "outgoing" and side != "from") or \
                        (direction == "incoming" and side != "to"):
                    continue
                if not include_closed and effective(row) not in OPEN_TRANSFER:
                    continue
                out.append(_view(row, "picks" if side == "from" else "counts"))
        return out

    def get(self, number: str) -> Transfer:
        with self.store.db.reading() as s:
            row = s.get(LocalTransfer, number.strip())
            if row is None:
                raise TransferError(t("Transfer {number} ist hier nicht bekannt.", number=number.strip()))
            return _view(row, "counts" if row.to_store_id == self.store.store_id else "picks")

    # ---- the receiving store asks ----------------------------------------------------------

    def request(self, from_store_id: str, lines: list[tuple[int, int]], by: str,
                available: dict[int, int] | None = None, note: str = "") -> Transfer:
        """Ask `from_store_id` for units. `available`: what that store has free per product, as
        the center said (or the last sync); a quantity above it is refused here already (the
        center checks again)."""
        sid = self.store.store_id
        src = from_store_id.strip().upper()
        if not src:
            raise TransferError(t("Bitte die abgebende Filiale wählen."))
        if src == sid:
            raise TransferError(t("Ein Transfer an die eigene Filiale ist nicht möglich."))
        if not lines:
            raise TransferError(t("Bitte mindestens einen Artikel angeben."))
        note = self._text(note, t("Die Notiz"), limits.REASON_TEXT)
        with self.store.db.reading() as s:
            if s.execute(text("SELECT 1 FROM stores WHERE id = :s"), {"s": src}).first() is None:
                raise TransferError(t("Unbekannte Filiale {store}.", store=src))
        wanted: dict[int, int] = {}
        for pid, qty in lines:
            try:
                limits.check_quantity(qty)
            except limits.LimitError as exc:
                raise TransferError(str(exc)) from None
            wanted[pid] = wanted.get(pid, 0) + qty
        doc_lines = []
        for n, (pid, qty) in enumerate(sorted(wanted.items()), 1):
            product = self.store.catalog.product(pid)
            if product is None:
                raise TransferError(t("Unbekannter Artikel {product}.", product=pid))
            if available is not None and qty > available.get(pid, 0):
                raise TransferError(t("{name}: in {store} sind nur {free} verfügbar, {qty} angefragt.",
                                      name=product.name, store=src, free=max(available.get(pid, 0), 0), qty=qty))
            doc_lines.append({"line_no": n, "product_id": pid, "sku": product.sku, "name": product.name,
                              "requested": qty, "picked": None, "shipped": 0, "received": None})
        tid = str(uuid.uuid4())
        number = f"T-{sid}-{tid[:8].upper()}"
        now = iso(self.clock())
        payload = {"transfer_id": tid, "number": number, "from_store_id": src, "to_store_id": sid,
                   "requested_at": now, "requested_by": by[:limits.PERSON_NAME], "note": note,
                   "lines": [{"product_id": ln["product_id"], "quantity": ln["requested"]} for ln in doc_lines]}
        doc = {"id": tid, "number": number, "from_store_id": src, "to_store_id": sid, "state": "requested",
               "requested_at": now, "requested_by": by, "note": note, "carrier": "", "tracking": "",
               "lines": doc_lines}
        with self.store.db.writing() as s:
            s.add(LocalTransfer(number=number, id=tid, from_store_id=src, to_store_id=sid, state="",
                                local_state="requested", doc=json.dumps(doc, ensure_ascii=False), picks="{}",
                                counts="{}", updated_at=now))
            append_event(s, self.store.device_id, TRANSFER_REQUESTED, payload, now)
        return self.get(number)

    # ---- decisions -------------------------------------------------------------------------

    def accept(self, number: str, by: str) -> Transfer:
        return self._step(number, "accepted", TRANSFER_ACCEPTED, by)

    def decline(self, number: str, by: str, reason: str) -> Transfer:
        if not reason.strip():
            raise TransferError(t("Bitte einen Grund für die Ablehnung angeben."))
        return self._step(number, "declined", TRANSFER_DECLINED, by, reason)

    def cancel(self, number: str, by: str, reason: str) -> Transfer:
        if not reason.strip():
            raise TransferError(t("Bitte einen Grund für das Storno angeben."))
        return self._step(number, "cancelled", TRANSFER_CANCELLED, by, reason)

    # ---- the sending store picks and ships -------------------------------------------------

    def pick_scan(self, number: str, code: str) -> ScanResult:
        """One unit picked by its barcode (or SKU); the wrong item or one too many is refused."""
        tr = self._checked(number, "picked")
        return self._scan(tr, code, "picks", lambda ln: ln.requested)

    def finish_picking(self, number: str, by: str) -> Transfer:
        tr = self._checked(number, "picked")
        if not any(ln.scanned for ln in tr.lines):
            raise TransferError(t("Noch nichts gescannt: ablehnen oder stornieren statt kommissionieren."))
        payload = {"lines": [{"line_no": ln.line_no, "quantity": ln.scanned} for ln in tr.lines]}
        return self._step(number, "picked", TRANSFER_PICKED, by, extra=payload,
                          edit=lambda doc: [ln.update(picked=int(next(x["quantity"] for x in payload["lines"]
                                                                      if x["line_no"] == ln["line_no"])))
                                            for ln in doc["lines"]])

    def ship(self, number: str, by: str, carrier: str = "", tracking: str = "") -> Transfer:
        """The picked units leave this store: its stock falls now, the center's with the sync."""
        tr = self._checked(number, "shipped")
        carrier = self._text(carrier, t("Der Versanddienst"), 40)
        tracking = self._text(tracking, t("Die Sendungsnummer"), limits.REFERENCE)
        out = {ln.line_no: (ln.picked if ln.picked is not None else ln.scanned) for ln in tr.lines}
        deltas: dict[int, int] = {}
        for ln in tr.lines:
            deltas[ln.product_id] = deltas.get(ln.product_id, 0) - out[ln.line_no]

        def edit(doc: dict[str, Any]) -> None:
            doc.update(carrier=carrier, tracking=tracking)
            for ln in doc["lines"]:
                ln["picked"] = ln["shipped"] = out[int(ln["line_no"])]
        return self._step(number, "shipped", TRANSFER_SHIPPED, by, extra={"carrier": carrier, "tracking": tracking},
                          edit=edit, stock=deltas)

    # ---- the receiving store scans in ------------------------------------------------------

    def receive_scan(self, number: str, code: str) -> ScanResult:
        tr = self._checked(number, "received")
        return self._scan(tr, code, "counts", lambda ln: ln.shipped)

    def book_receipt(self, number: str, by: str) -> Transfer:
        """Book what was scanned in (stock rises by it now). Fewer than shipped: the center
        opens a discrepancy for both stores; the state says received_with_difference."""
        tr = self._checked(number, "received")
        got = {ln.line_no: ln.scanned for ln in tr.lines}
        deltas: dict[int, int] = {}
        for ln in tr.lines:
            deltas[ln.product_id] = deltas.get(ln.product_id, 0) + got[ln.line_no]
        state = received_state({ln.line_no: ln.shipped for ln in tr.lines}, got)

        def edit(doc: dict[str, Any]) -> None:
            for ln in doc["lines"]:
                ln["received"] = got[int(ln["line_no"])]
        return self._step(number, state, TRANSFER_RECEIVED, by, extra={
            "lines": [{"line_no": n, "quantity": q} for n, q in sorted(got.items())]}, edit=edit, stock=deltas)

    # ---- in common -------------------------------------------------------------------------

    def _checked(self, number: str, step: str) -> Transfer:
        tr = self.get(number)
        if tr.state == "" or (not tr.confirmed and tr.state == "requested" and step != "cancelled"):
            raise TransferError(t("Transfer {number} ist noch nicht bei der Zentrale bestätigt.", number=tr.number))
        try:
            check_step(tr.state, step, tr.side(self.store.store_id))
        except StepRefused as exc:
            raise TransferError(str(exc)) from None
        return tr

    def _scan(self, tr: Transfer, code: str, column: str, limit: Callable[[TransferLine], int]) -> ScanResult:
        pid = self._product_of(code)
        lines = [ln for ln in tr.lines if ln.product_id == pid]
        if not lines:
            raise TransferError(t("Falscher Artikel: {code} gehört nicht zu Transfer {number}.",
                                  code=code.strip(), number=tr.number))
        line = next((ln for ln in lines if ln.scanned < limit(ln)), None)
        if line is None:
            raise TransferError(t("{name}: schon alle {count} gescannt.", name=lines[0].name,
                                  count=sum(limit(ln) for ln in lines)))
        with self.store.db.writing() as s:
            row = s.get(LocalTransfer, tr.number)
            assert row is not None
            scans = json.loads(getattr(row, column) or "{}")
            scans[str(line.line_no)] = line.scanned + 1
            setattr(row, column, json.dumps(scans))
        done = self.get(tr.number)
        now = next(ln for ln in done.lines if ln.line_no == line.line_no)
        return ScanResult(now, all(ln.scanned >= limit(ln) for ln in done.lines))

    def _step(self, number: str, state: str, event_type: str, by: str, reason: str = "",
              extra: dict[str, Any] | None = None, edit: Callable[[dict[str, Any]], Any] | None = None,
              stock: dict[int, int] | None = None) -> Transfer:
        step = {TRANSFER_RECEIVED: "received"}.get(event_type, state)
        tr = self.get(number) if step in ("picked", "shipped", "received") else self._checked(number, step)
        reason = self._text(reason, t("Der Grund"), limits.REASON_TEXT)
        now = iso(self.clock())
        payload = {"transfer_id": tr.id, "store_id": self.store.store_id, "at": now, "by": by[:limits.PERSON_NAME]}
        if event_type in (TRANSFER_ACCEPTED, TRANSFER_DECLINED, TRANSFER_CANCELLED):
            payload["reason"] = reason
        payload.update(extra or {})
        with self.store.db.writing() as s:
            row = s.get(LocalTransfer, tr.number)
            assert row is not None
            doc = json.loads(row.doc)
            if edit is not None:
                edit(doc)
            doc["state"] = state
            row.doc, row.local_state, row.updated_at = json.dumps(doc, ensure_ascii=False), state, now
            event = append_event(s, self.store.device_id, event_type, payload, now)
            if stock:
                self._move(s, stock)
                s.flush()
                movements.record(s, event.id, self.store.store_id, stock)
        return self.get(tr.number)

    def _move(self, s: Session, deltas: dict[int, int]) -> None:
        for pid, delta in sorted(deltas.items()):
            if not delta:
                continue
            done = s.execute(update(Stock).where(Stock.product_id == pid, Stock.store_id == self.store.store_id)
                             .values(quantity=Stock.quantity + delta)).rowcount
            if not done:
                s.add(Stock(product_id=pid, store_id=self.store.store_id, quantity=delta))

    def _product_of(self, code: str) -> int:
        raw = code.strip()
        key = "0" + raw if len(raw) == 12 and raw.isdigit() else raw
        with self.store.db.reading() as s:
            pid = s.execute(text("SELECT product_id FROM barcodes WHERE code = :c"), {"c": key}).scalar()
            if pid is None:
                pid = s.execute(text("SELECT id FROM products WHERE sku = :c"), {"c": raw}).scalar()
        if pid is None:
            raise TransferError(t("Unbekannter Artikelcode {code}.", code=raw))
        return int(pid)

    @staticmethod
    def _text(value: str, label: str, max_length: int) -> str:
        try:
            return limits.check_text(value.strip(), label, max_length)
        except limits.LimitError as exc:
            raise TransferError(str(exc)) from None
