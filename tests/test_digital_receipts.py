"""Digital receipts (issue 16) end to end: a sale at the till, its paper receipt decoded from the
real ESC/POS bytes, and its digital receipt fetched by the printed link from the REAL center
over HTTP on loopback (page and PDF, the PDF's text read back with pypdf): the same lines,
amounts, VAT rows, TSE fields and QR codes. The link before the sale has synced says "not
yet". E-mail goes to a real SMTP server on loopback (aiosmtpd), only with consent.
"""
from __future__ import annotations

import io
import re
import time
from collections.abc import Iterator
from datetime import datetime, timezone
from email import message_from_bytes, policy
from pathlib import Path

import pytest
import requests
from aiosmtpd.controller import Controller
from pypdf import PdfReader
from sqlalchemy import text

from hardware.receipt_printer import render_escpos
from pos_app.fiscal.dev_tse import DevelopmentTse
from pos_app.fiscal.signing import FiscalSigner
from pos_app.receipt import PAPER_80MM, layout
from pos_app.till import TillSession
from tests.backend_server import BackendServer, free_port
from tests.escpos_decode import decode
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

pytestmark = pytest.mark.slow


class Inbox:
    """aiosmtpd's handler: every message the SMTP server accepted."""

    def __init__(self) -> None:
        self.messages: list[tuple[list[str], bytes]] = []

    async def handle_DATA(self, server, session, envelope):  # type: ignore[no-untyped-def]  # noqa: N802
        self.messages.append((list(envelope.rcpt_tos), bytes(envelope.content)))
        return "250 OK"

    def wait_for(self, address: str, timeout_s: float = 20.0) -> bytes:
        deadline = time.monotonic() + timeout_s
        while time.monotonic() < deadline:
            for rcpt, content in self.messages:
                if address in rcpt:
                    return content
            time.sleep(0.05)
        raise AssertionError(f"no e-mail to {address} within {timeout_s} s; got {[m[0] for m in self.messages]}")


def sell_with_tse(t: Till, customer_id: int | None = None, paper: bool = True):  # type: ignore[no-untyped-def]
    store = t.store
    store.fiscal = FiscalSigner(DevelopmentTse(store.db), "BER-K1")
    store.sales.link_base = f"{t.center.url}/r/"
    session = TillSession(store, LENA)
    codes = [code for code, _pid, _price in t.products(3)]
    session.scan(codes[0])
    session.scan(codes[1])
    session.scan(codes[1])
    session.scan(codes[2])
    session.customer_id = customer_id
    session.pay_cash(session.cart.totals().total_cents + 1000)
    return session.complete(paper=paper)


def paper_of(t: Till, sale_id: str):  # type: ignore[no-untyped-def]
    data = render_escpos(layout(t.store.sales.receipt(sale_id), PAPER_80MM), "TM-T88V", open_drawer=False)
    return decode(data)


def pdf_lines(content: bytes) -> list[str]:
    reader = PdfReader(io.BytesIO(content))
    return [line.strip() for page in reader.pages for line in page.extract_text().splitlines() if line.strip()]


def page_rows(html_text: str) -> list[str]:
    import html as html_module

    rows = re.findall(r'<div class="row[^"]*">(.*?)</div>', html_text)
    return [html_module.unescape(r).replace("\xa0", " ").strip() for r in rows if r != "&nbsp;"]


def test_the_link_before_sync_says_not_yet_then_page_and_pdf_match_the_paper_receipt(till):  # noqa: F811
    done = sell_with_tse(till)
    assert re.fullmatch(rf"{re.escape(till.center.url)}/r/[a-z2-7]{{16}}", done.receipt_link)
    paper = paper_of(till, done.sale_id)
    assert done.receipt_link in paper.qrcodes  # the link's QR code is on the paper
    tse_qr = next(q for q in paper.qrcodes if q.startswith("V0;"))  # and the DSFinV-K one

    before = requests.get(done.receipt_link, timeout=10)
    assert before.status_code == 404 and "noch nicht da" in before.text and "Not yet" in before.text
    assert requests.get(done.receipt_link + ".pdf", timeout=10).status_code == 404

    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error

    page = requests.get(done.receipt_link, timeout=10)
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    paper_rows = [line.text.strip() for line in paper.lines if line.text.strip()]
    assert page_rows(page.text) == paper_rows  # every row, in order: lines, amounts, VAT, TSE
    assert f'data-qr="{tse_qr}"' in page.text.replace("&quot;", '"')
    assert f'data-qr="{done.receipt_link}"' in page.text
    assert paper.barcodes[-1][1] == done.receipt_number and f'data-code128="{done.receipt_number}"' in page.text

    pdf = requests.get(done.receipt_link + ".pdf", timeout=10)
    assert pdf.status_code == 200 and pdf.headers["content-type"] == "application/pdf"
    text_of_pdf = pdf_lines(pdf.content)
    squeeze = lambda s: re.sub(r"\s+", " ", s)  # noqa: E731 - PDF text extraction collapses runs of blanks
    assert [squeeze(r) for r in text_of_pdf] == [squeeze(r) for r in paper_rows] + [done.receipt_number]
    for needle in ("SUMME EUR", "A 19%", "TSE-Transaktion", "Signaturzähler", "NICHT ZERTIFIZIERTE TSE",
                   done.receipt_number):
        assert any(needle in row for row in text_of_pdf), needle


def test_a_bad_link_is_no_receipt_and_a_wrong_token_is_not_yet(center):  # noqa: F811
    assert "gibt es nicht" in requests.get(f"{center.url}/r/not-a-token!", timeout=10).text
    unknown = requests.get(f"{center.url}/r/{'a' * 16}", timeout=10)
    assert unknown.status_code == 404 and "noch nicht da" in unknown.text


@pytest.fixture
def inbox() -> Iterator[tuple[Inbox, int]]:
    handler = Inbox()
    port = free_port()
    controller = Controller(handler, hostname="127.0.0.1", port=port)
    controller.start()
    yield handler, port
    controller.stop()


@pytest.fixture
def mailing_center(backend_db: str, inbox, monkeypatch) -> Iterator[BackendServer]:  # noqa: F811
    _handler, port = inbox
    monkeypatch.setenv("POS_SMTP_HOST", "127.0.0.1")
    monkeypatch.setenv("POS_SMTP_PORT", str(port))
    monkeypatch.setenv("POS_SMTP_FROM", "belege@kuschelwerk.example")
    monkeypatch.setenv("POS_SMTP_POLL_S", "0.2")
    with BackendServer(backend_db) as server:
        yield server


@pytest.fixture
def mailing_till(mailing_center, store_path: Path) -> Iterator[Till]:
    import sqlite3

    from tests.store_fixture import open_store

    with sqlite3.connect(store_path) as conn:
        conn.executescript("DELETE FROM barcodes; DELETE FROM prices; DELETE FROM stock; DELETE FROM products;")
    store = open_store(store_path)
    t = Till(store, mailing_center, mailing_center.register_device("BER-K1", "BER", "Kasse 1"))
    worker, seen = t.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    yield t
    store.close()


def _customers_with_email(t: Till, n: int) -> list[tuple[int, str]]:
    with t.store.db.reading() as s:
        rows = s.execute(text("SELECT id, email FROM customers WHERE email <> '' AND id > 0 ORDER BY id LIMIT :n"),
                         {"n": n}).all()
    assert len(rows) == n
    return [(r[0], r[1]) for r in rows]


def _consent(center: BackendServer, customer_id: int, granted: bool) -> None:
    center.admin("POST", f"/v1/channel/customers/{customer_id}/consents", json={"consents": [{
        "channel": "email", "granted": granted, "recorded_at": datetime.now(timezone.utc).isoformat(),
        "source": "web", "method": "Double-Opt-In"}]})


def test_the_receipt_is_mailed_with_its_link_only_with_consent_and_listed_on_the_profile(
        mailing_till, inbox, qtbot):  # noqa: F811
    handler, _port = inbox
    center = mailing_till.center
    (agreed, agreed_mail), (refused, refused_mail) = _customers_with_email(mailing_till, 2)
    _consent(center, agreed, True)
    _consent(center, refused, True)
    _consent(center, refused, False)  # withdrawn later: the newest counts
    without = sell_with_tse(mailing_till, customer_id=refused)
    with_consent = sell_with_tse(mailing_till, customer_id=agreed, paper=False)
    worker, seen = mailing_till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error

    raw = handler.wait_for(agreed_mail)
    mail = message_from_bytes(raw, policy=policy.default)
    assert mail["Subject"] == f"Ihr Beleg {with_consent.receipt_number}"
    body = mail.get_body(preferencelist=("plain",)).get_content()
    assert with_consent.receipt_link in body
    [attachment] = [part for part in mail.iter_attachments()]
    assert attachment.get_content_type() == "application/pdf"
    assert any("SUMME EUR" in row for row in pdf_lines(attachment.get_content()))
    # the customer's points are on the digital receipt as on the paper one
    assert any("Bonuspunkte" in row for row in pdf_lines(attachment.get_content()))

    # the refused one was sold first, so it would have gone out first: nothing to that address
    assert all(refused_mail not in rcpt for rcpt, _content in handler.messages)
    profile = center.admin("GET", f"/v1/channel/customers/{refused}/profile").json()
    [listed] = profile["receipts"]
    assert listed["number"] == without.receipt_number and listed["email_status"] == ""
    profile = center.admin("GET", f"/v1/channel/customers/{agreed}/profile").json()
    [listed] = profile["receipts"]
    assert listed["link"] == with_consent.receipt_link and listed["path"].endswith(listed["token"])
    deadline = time.monotonic() + 10
    while listed["email_status"] != "sent" and time.monotonic() < deadline:
        time.sleep(0.1)
        listed = center.admin("GET", f"/v1/channel/customers/{agreed}/profile").json()["receipts"][0]
    assert listed["email_status"] == "sent"
    assert len([m for m in handler.messages if agreed_mail in m[0]]) == 1  # once

    # the till's profile screen lists it too, from the center (every channel reads the same list)
    from pos_app.clienteling import Clienteling
    from pos_app.store.staff import StaffMember
    from sync.client import CenterClient
    from sync.customers import CenterCustomers
    from ui.customer_profile import CustomerProfileDialog

    center_api = CenterCustomers(lambda: CenterClient(center.url, mailing_till.token, timeout=(1, 5)))
    clienteling = Clienteling(mailing_till.store, center_api.search, center_api.profile)
    [hit] = [h for h in clienteling.search(agreed_mail).hits if h.id == agreed]
    dialog = CustomerProfileDialog(clienteling.view_profile(StaffMember(1, "Lena Schmidt", "cashier"), hit))
    qtbot.addWidget(dialog)
    table = dialog.receipts
    assert table.rowCount() == 1
    assert [table.item(0, c).text() for c in (1, 2, 4, 5)] == [
        with_consent.receipt_number, "Kauf", "per E-Mail gesendet", with_consent.receipt_link]

    # the customer's erase request: the receipt stays (tax law) but no longer names them
    customer = center.admin("GET", f"/v1/channel/customers/{agreed}/profile").json()["customer"]
    page = requests.get(with_consent.receipt_link, timeout=10).text
    assert customer["last_name"] in page
    center.admin("POST", f"/v1/channel/customers/{agreed}/erase")
    page = requests.get(with_consent.receipt_link, timeout=10).text
    assert customer["last_name"] not in page and "Kunde (gelöscht)" in page and "SUMME EUR" in page


def test_a_return_has_its_digital_receipt_too(till):  # noqa: F811
    from pos_app.return_receipt import layout_return
    from pos_app.returns import Choice, ReturnsService
    from sync.client import CenterClient
    from sync.purchases import CenterPurchases

    sale = sell_with_tse(till)
    returns = ReturnsService(till.store, LENA, center=CenterPurchases(
        lambda: CenterClient(till.center.url, till.token, timeout=(1, 3))), signer=till.store.fiscal)
    found = returns.find(sale.receipt_number)
    items = returns.items(found.purchase, [Choice(2, 1, "damaged", "defekt")])
    done = returns.complete(found.purchase, items, returns.propose_refund(found.purchase, items[0].refund_cents))
    assert done.receipt_link.startswith(f"{till.center.url}/r/") and done.receipt_link != sale.receipt_link
    labels = {r.code: r.label for r in returns.policy.reason_codes}
    paper = decode(render_escpos(layout_return(returns.book.receipt(done.return_id, found.purchase.label, labels),
                                               PAPER_80MM), "TM-T88V", open_drawer=False))
    assert done.receipt_link in paper.qrcodes
    assert requests.get(done.receipt_link, timeout=10).status_code == 404  # not yet
    worker, seen = till.worker()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    page = requests.get(done.receipt_link, timeout=10)
    assert page.status_code == 200
    paper_rows = [line.text.strip() for line in paper.lines if line.text.strip()]
    assert page_rows(page.text) == paper_rows
    assert any("RÜCKNAHME" in row for row in paper_rows) and any("TSE-Transaktion" in row for row in paper_rows)
    squeeze = lambda s: re.sub(r"\s+", " ", s)  # noqa: E731
    pdf = pdf_lines(requests.get(done.receipt_link + ".pdf", timeout=10).content)
    assert [squeeze(r) for r in pdf] == [squeeze(r) for r in paper_rows] + [done.return_number]
