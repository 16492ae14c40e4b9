"""A small, hand-made local store for tests: one store with a till, a cashier and a manager,
and a handful of products whose figures the tests know by heart."""
from __future__ import annotations

from pathlib import Path

from pos_app.gtin import with_check_digit
from pos_app.pins import hash_pin
from pos_app.store.db import open_database
from pos_app.store.local import LocalStore
from pos_app.store.staff import StaffMember
from pos_app.store.models import Barcode, Device, Price, Product, Shift, Staff, Stock, Store

CASHIER_PIN = "1234"
MANAGER_PIN = "9999"

# sku, name, vat %, price cents, barcodes (lookup key, symbology)
PRODUCTS = [
    ("T-1", "Kuscheldecke Größe XL grün", 19, 3999, [(with_check_digit("400638133393"), "EAN13")]),
    ("T-2", "Bio-Kaffee Äthiopien 500 g", 7, 1299, [(with_check_digit("400000000001"), "EAN13"),
                                                    (with_check_digit("9638507"), "EAN8")]),
    ("T-3", "Teelicht-Set Weiß 50 Stück", 19, 499, [("0" + with_check_digit("03600029145"), "UPCA")]),
    ("T-4", "Samtsofa Milano 3-Sitzer grün", 19, 129900, [(with_check_digit("400000000002"), "EAN13"),
                                                          ("WM-INT-00042", "CODE128")]),
    ("T-5", "Samtsofa Milano 3-Sitzer blau", 19, 129900, [(with_check_digit("400000000003"), "EAN13")]),
]

EAN_DECKE = PRODUCTS[0][4][0][0]
EAN_KAFFEE = PRODUCTS[1][4][0][0]
EAN8_KAFFEE = PRODUCTS[1][4][1][0]
UPC_TEELICHT = PRODUCTS[2][4][0][0][1:]  # as the scanner reads it: 12 digits
EAN_SOFA_GRUEN = PRODUCTS[3][4][0][0]


def build_store(path: Path, open_till: bool = True) -> Path:
    db = open_database(path)
    with db.writing() as s:
        s.add(Store(id="BER", name="Wohnen & Mode Berlin", street="Friedrichstraße 123",
                    zip_code="10117", city="Berlin", phone="030 1234567", vat_id="DE123456789"))
        s.flush()
        s.add(Device(id="BER-K1", store_id="BER", name="Kasse 1"))
        s.add(Staff(id=1, name="Lena Schmidt", role="cashier", store_id="BER", pin_hash=hash_pin(CASHIER_PIN)))
        s.add(Staff(id=2, name="Jonas Weber", role="manager", store_id="BER", pin_hash=hash_pin(MANAGER_PIN)))
        for i, (sku, name, vat, price, codes) in enumerate(PRODUCTS, start=1):
            s.add(Product(id=i, sku=sku, name=name, category="Test", vat_percent=vat))
            s.flush()
            s.add(Price(product_id=i, store_id="BER", gross_cents=price))
            s.add(Stock(product_id=i, store_id="BER", quantity=10))
            for code, symbology in codes:
                s.add(Barcode(code=code, product_id=i, symbology=symbology))
        if open_till:
            # The till is open (float 0): most tests sell and are not about shifts. Seeded as a
            # given state like the staff and products above (no audit entry or outbox event of
            # its own, so the tests' outboxes start empty). Shift tests use open_till=False.
            s.add(Shift(device_id="BER-K1", store_id="BER", opened_at="2026-01-01T07:00:00.000+00:00",
                        opened_by_id=2, opened_by_name="Jonas Weber", float_cents=0, receipt_no_from=0,
                        audit_id_from=0))
    db.close()
    return path


def ensure_open_till(store: LocalStore, float_cents: int = 0) -> None:
    """Open the till as the manager unless it is open (for tests and benchmarks that sell)."""
    if store.cashbook.current() is None:
        managers = store.staff.members(managers_only=True)
        store.cashbook.open(float_cents, managers[0] if managers else StaffMember(0, "Test", "manager"))


def open_store(path: Path) -> LocalStore:
    return LocalStore.open(path, "BER-K1")
