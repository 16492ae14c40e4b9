"""The manager's DSFinV-K export dialog: dates, closings, folder; the export runs in the
background, the result is shown and audited; bad input gives a German message and writes
nothing."""
from __future__ import annotations

import json

from PySide6.QtCore import QDate

from pos_app.cart import Approval
from pos_app.store.models import AuditEntry
from tests.test_dsfinvk import day_of_sales, read_export, two_closings  # noqa: F401  (fixture)
from ui.dsfinvk_dialog import DsfinvkExportDialog

JONAS = Approval(2, "Jonas Weber")


def qdate(day):  # type: ignore[no-untyped-def]
    return QDate(day.year, day.month, day.day)


def test_the_manager_exports_a_range_and_sees_the_result(qtbot, store, day_of_sales, tmp_path, artifacts):  # noqa: F811
    z1, z2 = two_closings(store, day_of_sales)
    dialog = DsfinvkExportDialog(store, JONAS, closings=lambda date_from, date_to: [z1, z2])
    qtbot.addWidget(dialog)
    dialog.date_from.setDate(qdate(z1.local_day))
    dialog.date_to.setDate(qdate(z2.local_day))
    dialog.out_dir.setText(str(tmp_path / "export"))
    dialog.show()
    dialog.export_button.click()
    qtbot.waitUntil(lambda: dialog.result is not None, timeout=10_000)
    assert "2 Kassenabschlüsse, 5 Belege" in dialog.message.text() and "ABWEICHUNG" not in dialog.message.text()
    tables, _index = read_export(tmp_path / "export")
    assert len([r for r in tables["transactions.csv"] if r["BON_TYP"] == "Beleg"]) == 5
    with store.db.reading() as s:
        entry = s.query(AuditEntry).filter_by(action="dsfinvk.export").one()
    assert entry.actor_name == "Jonas Weber" and json.loads(entry.details)["receipts"] == 5
    qtbot.wait(50)
    dialog.grab().save(str(artifacts / "dsfinvk-export.png"))


def test_a_missing_closings_file_is_a_clear_message_and_nothing_is_written(qtbot, store, tmp_path):
    dialog = DsfinvkExportDialog(store, JONAS)
    qtbot.addWidget(dialog)
    dialog.out_dir.setText(str(tmp_path / "none"))
    dialog.export_button.click()
    assert "Kassenabschlüssen wählen" in dialog.message.text()
    dialog.closings_file.setText(str(tmp_path / "missing.json"))
    dialog.export_button.click()
    qtbot.waitUntil(lambda: "nicht möglich" in dialog.message.text(), timeout=15_000)
    assert not (tmp_path / "none").exists()
