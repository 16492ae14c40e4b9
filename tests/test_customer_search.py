"""Customer search in the local store (pos_app.store.customers) on a real SQLite file."""
from __future__ import annotations

import pytest

from pos_app.customer_keys import classify, cologne, phone_key
from pos_app.store.customers import CustomerDirectory, index_rows
from pos_app.store.db import open_database
from pos_app.store.models import Customer
from tests.store_fixture import build_store

PEOPLE = [
    (1, "K-0000001", "Anna", "Müller", "030 1234567", "anna.mueller@example.de"),
    (2, "K-0000002", "Bernd", "Mueller", "+49 (171) 555-0101", ""),
    (3, "K-0000003", "Clara", "Muller", "0049 40 998877", "clara@example.org"),
    (4, "K-0000004", "Dieter", "Meyer", "089/44 55 66", "d.meyer@example.com"),
    (5, "K-0000005", "Eva", "Schmidt", "", "eva@example.com"),
    (6, "K-0000006", "Jürgen", "Weiß", "0221 123123", ""),
]


@pytest.fixture()
def directory(tmp_path):
    db = open_database(build_store(tmp_path / "store.db"))
    with db.writing() as s:
        for cid, number, first, last, phone, email in PEOPLE:
            s.add(Customer(id=cid, number=number, first_name=first, last_name=last, phone=phone, email=email))
        s.flush()
        index_rows(s.connection(), [(p[0], p[2], p[3], p[4], p[5]) for p in PEOPLE])
    yield CustomerDirectory(db)
    db.close()


def ids(hits):
    return sorted(h.id for h in hits)


def test_keys():
    assert cologne("Müller") == cologne("Mueller") == cologne("Muller") == "657"
    assert cologne("Meier") == cologne("Meyer") == cologne("Maier") == "67"
    assert cologne("Schmidt") == cologne("Schmitt")
    assert phone_key("030 1234567") == phone_key("+49 30 1234567") == phone_key("0049-30-123 45 67") == "49301234567"
    assert classify("CUST:K-0000042").kind == "card" and classify("CUST:K-0000042").key == "K-0000042"
    assert classify("k42").key == "K-0000042"
    assert classify("Anna Müller").kind == "name"


@pytest.mark.parametrize("typed", ["Müller", "Mueller", "Muller", "müll", "mue", "MUELLER"])
def test_name_umlauts_all_ways(directory, typed):
    assert {1, 2, 3} <= set(ids(directory.search(typed)))


def test_name_first_and_last_and_typo(directory):
    assert ids(directory.search("anna müller")) == [1]
    assert ids(directory.search("Müller Anna")) == [1]
    assert 4 in ids(directory.search("Maier"))  # phonetic: Meyer
    assert 5 in ids(directory.search("Schmitt"))  # phonetic: Schmidt
    assert 6 in ids(directory.search("weiss"))
    assert ids(directory.search("Zzyzx")) == []


def test_phone_any_format(directory):
    assert ids(directory.search("+49 30 1234567")) == [1]
    assert ids(directory.search("0301234567")) == [1]
    assert ids(directory.search("0171 5550101")) == [2]
    assert ids(directory.search("+49 89 445566")) == [4]


def test_email_number_card(directory):
    assert ids(directory.search("Anna.Mueller@Example.de")) == [1]
    assert ids(directory.search("K-0000004")) == [4]
    assert ids(directory.search("k4")) == [4]
    assert ids(directory.search("CUST:K-0000005")) == [5]
    assert ids(directory.search("CUST:K-0009999")) == []


def test_feed_keeps_keys_current(tmp_path):
    """A customer arriving through the change feed is found by phone (the feed indexes it)."""
    from sync.feed import _apply_customers

    db = open_database(build_store(tmp_path / "s.db"))
    with db.writing() as s:
        _apply_customers(s, {7: {"id": 7, "number": "K-0000007", "first_name": "Özlem", "last_name": "Yılmaz",
                                 "street": "", "zip_code": "", "city": "", "phone": "0176 12345678",
                                 "email": "oe@example.de", "home_store_id": None}})
    d = CustomerDirectory(db)
    assert ids(d.search("+4917612345678")) == [7]
    assert ids(d.search("ozlem")) == [7]
    with db.writing() as s:
        _apply_customers(s, {7: {"id": 7, "number": "K-0000007", "first_name": "Özlem", "last_name": "Yılmaz",
                                 "street": "", "zip_code": "", "city": "", "phone": "0176 999",
                                 "email": "oe@example.de", "home_store_id": None}})
    assert ids(d.search("+4917612345678")) == []
    assert ids(d.search("0176 999")) == [7]
    with db.writing() as s:
        _apply_customers(s, {7: None})
    assert ids(d.search("ozlem")) == []
    db.close()


def test_a_voided_or_parked_sale_takes_its_customer_with_it(tmp_path):
    from pos_app.store.local import LocalStore
    from pos_app.till import TillSession
    from tests.store_fixture import EAN_DECKE
    from tests.sync_helpers import LENA

    store = LocalStore.open(build_store(tmp_path / "t.db"), "BER-K1")
    try:
        session = TillSession(store, LENA)
        session.scan(EAN_DECKE)
        session.customer_id = 7
        session.void_sale()
        assert session.customer_id is None
        session.scan(EAN_DECKE)
        session.customer_id = 7
        session.park()
        assert session.customer_id is None
    finally:
        store.close()
