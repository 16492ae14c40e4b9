"""§ 11 PAngV at the till (issue 15 item 4): a price reduced at the REAL center (over HTTP on
loopback, tests/backend_server.py; PostgreSQL when $POS_TEST_DATABASE_URL is set) reaches the
till through the feed with its lowest 30-day price, and the till states it wherever it shows the
reduction: the cart line's tooltip, the product search and the printed receipt (real ESC/POS
bytes, decoded by tests/escpos_decode.py). A reprint after the price rose again still says what
the first print said. Nothing is mocked."""
from __future__ import annotations

import pytest

from hardware.receipt_printer import render_escpos
from pos_app.receipt import layout
from pos_app.till import TillSession
from tests.escpos_decode import decode
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


def printed(till: Till, sale_id: str) -> list[str]:
    """The receipt as printed (42 characters a line), a note wrapped over two lines joined again."""
    out: list[str] = []
    for line in decode(render_escpos(layout(till.store.sales.receipt(sale_id)))).text_lines:
        if out and out[-1].lstrip().startswith("Niedrigster") and not out[-1].endswith("€") and line.startswith("  "):
            out[-1] = f"{out[-1]} {line.strip()}"
        else:
            out.append(line)
    return out


def euro(cents: int) -> str:
    return f"{cents // 100},{cents % 100:02d} €"


def test_a_reduced_price_states_its_lowest_30_day_price_on_screen_and_on_the_receipt(till: Till) -> None:
    from pos_app.prices.shelf_labels import search_price_texts
    from ui.cart_model import _rows

    (reduced_code, reduced, price), (plain_code, plain, _plain_price) = till.products(2)
    worker, seen = till.worker()
    till.center.admin("PUT", f"/v1/admin/prices/BER/{reduced}", json={"gross_cents": price + 10_00})
    till.center.admin("PUT", f"/v1/admin/prices/BER/{reduced}", json={"gross_cents": price - 10_00})
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    note = f"Niedrigster Preis der letzten 30 Tage: {euro(price)}"

    session = TillSession(till.store, LENA)
    session.scan(reduced_code)
    session.scan(plain_code)
    tips = {row[2]: row[1] or "" for row in _rows(session.cart.totals())}
    first, second = (line.line_id for line in session.cart.lines)
    assert note in tips[first]  # the reduced line says it on the screen
    assert "Niedrigster" not in tips[second]  # a line at its regular price states nothing
    texts = search_price_texts(till.store.db, "BER", [(reduced, price - 10_00), (plain, _plain_price)])
    assert note in texts[reduced] and "Niedrigster" not in texts.get(plain, "")

    session.start_payment()
    session.pay_cash(session.payment.remaining_cents)
    sale_id = session.complete().sale_id
    lines = printed(till, sale_id)
    assert sum(note in line for line in lines) == 1, "\n".join(lines)  # once, under the reduced line
    at = next(i for i, line in enumerate(lines) if note in line)
    receipt = till.store.sales.receipt(sale_id)
    assert note in receipt.lines[0].notes and not any("Niedrigster" in n for n in receipt.lines[1].notes)
    assert lines[at - 1].startswith(receipt.lines[0].name) and lines[at + 1].startswith(receipt.lines[1].name)

    till.center.admin("PUT", f"/v1/admin/prices/BER/{reduced}", json={"gross_cents": price + 20_00})
    assert worker.run_cycle() == worker.interval_s
    assert sum(note in line for line in printed(till, sale_id)) == 1  # the reprint says what was said
    later = TillSession(till.store, LENA)
    later.scan(reduced_code)
    assert all("Niedrigster" not in (row[1] or "") for row in _rows(later.cart.totals()))  # no longer reduced


def test_a_price_raised_by_the_cashier_over_the_reduced_price_states_no_reduction() -> None:
    from pos_app.cart import CartLine, ProductSnapshot
    from pos_app.prices.indications import stated_lowest_price
    from pos_app.vat import VatRate

    product = ProductSnapshot(1, "A", "Artikel", 9_99, VatRate.from_percent(19), "", 12_99)
    assert stated_lowest_price(CartLine(1, product, 1)) == 12_99
    assert stated_lowest_price(CartLine(1, product, 1, None, 8_00, "Mängel")) == 12_99
    assert stated_lowest_price(CartLine(1, product, 1, None, 15_00, "Falscher Preis")) is None
    plain = ProductSnapshot(2, "B", "Artikel", 9_99, VatRate.from_percent(19))
    assert stated_lowest_price(CartLine(2, plain, 1)) is None
    restored = CartLine.from_dict(CartLine(1, product, 1).to_dict())  # a parked cart keeps it
    assert restored.product.lowest_30_days_cents == 12_99
