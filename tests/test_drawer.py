"""The cash drawer: it opens on cash tenders (the kick bytes come first in the receipt job), a
"no sale" opening (Strg+D) needs a reason and, for a cashier, a manager's PIN; it is in the
audit trail (hash chain intact) and its kick reaches the printer; a failed kick is never
printed later by F11."""
from __future__ import annotations

import json
from pathlib import Path

import pytest
from PySide6.QtCore import Qt
from PySide6.QtTest import QTest
from PySide6.QtWidgets import QWidget
from sqlalchemy import select

from hardware.receipt_printer import drawer_kick_bytes
from pos_app.cart import Approval, ApprovalRequired
from pos_app.drawer import NoSaleRefused, record_no_sale
from pos_app.store import audit
from pos_app.store.models import AuditEntry
from pos_app.store.staff import StaffMember
from tests.escpos_decode import decode
from tests.store_fixture import EAN_DECKE, MANAGER_PIN
from tests.tcp_printer import TcpPrinter
from tests.test_till_gui import close_window, in_modal, log_in, make_window, pay_cash, scanner_burst
from ui.dialogs import ManagerApprovalDialog
from ui.no_sale_dialog import NoSaleDialog

CASHIER = StaffMember(1, "Lena Schmidt", "cashier")
MANAGER = StaffMember(2, "Jonas Weber", "manager")
KICK = b"\x1bp\x00\x32\x32"  # ESC p 0 50 50: pin 2, 100 ms on, 100 ms off


def entries(store) -> list[AuditEntry]:  # type: ignore[no-untyped-def]
    with store.db.reading() as s:
        rows = s.execute(select(AuditEntry).order_by(AuditEntry.id)).scalars().all()
        return [(e.action, e.actor_name, json.loads(e.details)) for e in rows]  # type: ignore[misc]


def test_no_sale_needs_a_reason_and_a_manager(store) -> None:  # type: ignore[no-untyped-def]
    before = entries(store)
    pending = store.outbox_summary().pending
    for reason in ("", "   \n "):
        with pytest.raises(NoSaleRefused, match="Grund"):
            record_no_sale(store, MANAGER, reason)
    with pytest.raises(NoSaleRefused, match="zu lang"):
        record_no_sale(store, MANAGER, "x" * 201)
    with pytest.raises(ApprovalRequired) as need:
        record_no_sale(store, CASHIER, "Wechselgeld tauschen")
    assert "Wechselgeld tauschen" in need.value.description
    assert entries(store) == before and store.outbox_summary().pending == pending  # nothing written

    done = record_no_sale(store, CASHIER, "  Wechselgeld   tauschen ", Approval(2, "Jonas Weber"))
    assert (done.reason, done.opened_by, done.approved_by) == ("Wechselgeld tauschen", "Lena Schmidt", "Jonas Weber")
    by_manager = record_no_sale(store, MANAGER, "Kassensturz / Zählung")
    assert by_manager.approved_by is None
    new = entries(store)[len(before):]
    assert new == [
        ("approval", "Jonas Weber", {"action": "no_sale", "description": "Wechselgeld tauschen",
                                     "cashier": "Lena Schmidt"}),
        ("drawer_no_sale", "Lena Schmidt", {"reason": "Wechselgeld tauschen", "approved_by": "Jonas Weber"}),
        ("drawer_no_sale", "Jonas Weber", {"reason": "Kassensturz / Zählung", "approved_by": None}),
    ]
    assert store.outbox_summary().pending == pending + 3  # each entry goes to the center
    with store.db.reading() as s:
        assert audit.verify_chain(s) is None


def test_drawer_kick_bytes() -> None:
    assert drawer_kick_bytes() == KICK
    assert drawer_kick_bytes(5) == b"\x1bp\x01\x32\x32"
    assert decode(KICK).drawer_kicks == [2] and decode(KICK).lines == []
    with pytest.raises(ValueError, match="Pin 2 oder Pin 5"):
        drawer_kick_bytes(3)


def fill_reason(text: str):  # type: ignore[no-untyped-def]
    def act(dialog: QWidget) -> None:
        assert isinstance(dialog, NoSaleDialog)
        dialog.reason.setEditText(text)
        dialog.buttons.accepted.emit()
        if text.strip():
            return
        assert "Grund" in dialog.error.text()  # refused inline, the dialog stays
        dialog.reject()
    return act


def give_pin(pin: str):  # type: ignore[no-untyped-def]
    def act(dialog: QWidget) -> None:
        if isinstance(dialog, NoSaleDialog):  # still closing: try again on the next one
            in_modal(give_pin(pin))
            return
        assert isinstance(dialog, ManagerApprovalDialog)
        dialog.pin.setText(pin)
        dialog.buttons.accepted.emit()
    return act


def test_no_sale_at_the_till_and_the_cash_sale_kick(qtbot, store_path: Path) -> None:  # type: ignore[no-untyped-def]
    with TcpPrinter() as printer:
        window = make_window(qtbot, store_path, printer.port)
        try:
            log_in(qtbot, window)  # Lena Schmidt, cashier
            till = window.till
            start = len(entries(window.store))

            in_modal(fill_reason(""))  # no reason: refused, cancelled, nothing recorded
            QTest.keyClick(till.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
            assert "abgebrochen" in till.message.text()
            assert len(entries(window.store)) == start
            qtbot.waitUntil(window.isActiveWindow, timeout=15_000)  # the till has the keys again

            def reason_then_pin(dialog: QWidget) -> None:
                fill_reason("Wechselgeld tauschen")(dialog)
                in_modal(give_pin(MANAGER_PIN))
            in_modal(reason_then_pin)
            QTest.keyClick(till.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
            assert "Kassenlade geöffnet (ohne Verkauf): Wechselgeld tauschen, freigegeben von Jonas Weber" \
                in till.message.text()
            [job] = printer.wait_for_jobs(1, timeout=5)
            assert job == KICK  # only the kick: no paper used
            qtbot.waitUntil(window.isActiveWindow, timeout=15_000)
            actions = [(a, who) for a, who, _ in entries(window.store)[start:]]
            assert actions == [("manager_pin", "Jonas Weber"), ("approval", "Jonas Weber"),
                               ("drawer_no_sale", "Lena Schmidt")]

            # a cash sale opens the drawer: the kick comes first in the receipt's job
            scanner_burst(qtbot, EAN_DECKE)
            qtbot.waitUntil(lambda: len(till.session.cart.lines) == 1, timeout=15_000)
            pay_cash(qtbot, window, "50,00")
            qtbot.waitUntil(lambda: till.session.cart.is_empty(), timeout=15_000)
            jobs = printer.wait_for_jobs(2, timeout=5)
            assert jobs[1].startswith(b"\x1b@" + KICK)
            assert decode(jobs[1]).drawer_kicks == [2]

            # printer off: the no-sale kick fails, is reported and dropped (never opens later)
            qtbot.waitUntil(window.isActiveWindow, timeout=15_000)
            printer.stop()
            window.printing.queue._backoff = (0.01,)
            in_modal(reason_then_pin)
            QTest.keyClick(till.entry, Qt.Key.Key_D, Qt.KeyboardModifier.ControlModifier)
            qtbot.waitUntil(lambda: "Kassenlade nicht geöffnet" in window.printer_label.text(), timeout=10000)
            assert window.printing.queue.failed_jobs() == []
        finally:
            close_window(window)
