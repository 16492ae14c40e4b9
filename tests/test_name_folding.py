"""One folding of names for search (pos_app.customers.folding), shared by till and center: the
rules themselves, the till's local index (real SQLite, the migration's re-index included), and
the center's search over HTTP on loopback finding exactly what the till finds (SQLite, and
PostgreSQL with $POS_TEST_DATABASE_URL)."""
from __future__ import annotations

import sqlite3

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from alembic import command
from sqlalchemy import create_engine

from pos_app.clienteling import Clienteling
from pos_app.customers.folding import fold_text, fold_words, phone_key, phonetic, prefix_bounds
from pos_app.store.customers import CustomerDirectory
from pos_app.store.db import open_database
from pos_app.store.migrations.runner import alembic_config
from sync.client import CenterClient
from sync.customers import CenterCustomers
from tests.store_fixture import build_store
from tests.sync_helpers import LENA
from tests.test_sync_backend import Till, backend_db, center, till  # noqa: F401  (fixtures)

# first, last, phone: the names a German till meets, spelled as the customers spell them
PEOPLE = [
    ("Ayşe", "Özdemir", "0176 1000001"),
    ("Ingrid", "Ølberg", "0176 1000002"),
    ("Łukasz", "Wiśniewski", "0176 1000003"),
    ("Mehmet", "Şahin", "0176 1000004"),
    ("Anna", "Müller", "+49 (0)30 1234567"),
    ("Bernd", "Mueller", "0176 1000006"),
    ("Clara", "Muller", "0176 1000007"),
    ("Dragan", "Đorđević", "0176 1000008"),
    ("Jürgen", "Weiß", "0176 1000009"),
    ("Ævar", "Þórsson", "0176 1000010"),
    ("Çağla", "Yılmaz", "0176 1000011"),
    ("Renée", "Dvořák", "0176 1000012"),
]
# what is typed -> the people (by last name) it must find, at the till and at the center alike
QUERIES = {
    "Özdemir": {"Özdemir"}, "özdemir": {"Özdemir"}, "Oezdemir": {"Özdemir"}, "Ozdemir": {"Özdemir"},
    "Ølberg": {"Ølberg"}, "Olberg": {"Ølberg"}, "Łukasz": {"Wiśniewski"}, "lukasz wisn": {"Wiśniewski"},
    "Şahin": {"Şahin"}, "Sahin": {"Şahin"}, "Sahn": {"Şahin"}, "Müller": {"Müller", "Mueller", "Muller"},
    "Mueller": {"Müller", "Mueller", "Muller"}, "Muller": {"Müller", "Mueller", "Muller"},
    "Dordevic": {"Đorđević"}, "Đorđević": {"Đorđević"}, "weiss": {"Weiß"}, "WEISS": {"Weiß"},
    "Thorsson": {"Þórsson"}, "Aevar": {"Þórsson"}, "yilmaz": {"Yılmaz"}, "Cagla": {"Yılmaz"},
    "Dvorak": {"Dvořák"}, "renee dvo": {"Dvořák"},
    "+49 (0)30 1234567": {"Müller"}, "030 1234567": {"Müller"}, "0049 30 123 4567": {"Müller"},
}


@pytest.mark.parametrize("name, folded", [
    ("Müller", "muller"), ("Mueller", "muller"), ("Muller", "muller"), ("Özdemir", "ozdemir"),
    ("Ølberg", "olberg"), ("Łukasz", "lukasz"), ("Şahin", "sahin"), ("Đorđević", "dordevic"),
    ("Weiß", "weiss"), ("Þór", "thor"), ("Yılmaz", "yilmaz"), ("İsmail", "ismail"), ("ﬁscher", "fischer"),
    ("Anna-Lena von der Heide", "anna lena von der heide"), ("O'Brien", "o brien"), ("", ""),
])
def test_folding(name: str, folded: str) -> None:
    assert fold_text(name) == folded
    assert fold_text(name.upper()) == folded


def test_a_typed_prefix_folds_to_a_prefix_of_the_name() -> None:
    """Search as you type: every prefix of a name, folded, is a prefix of the folded name."""
    for first, last, _ in PEOPLE:
        for name in (first, last, "Mueller", "Hoelderlin", "Quentin Aeberhard"):
            whole = fold_text(name)
            for cut in range(1, len(name) + 1):
                assert whole.startswith(fold_text(name[:cut])), (name, cut)


def test_phonetic_after_folding() -> None:
    assert phonetic("Sahn") == phonetic("Şahin") == phonetic("Sahin")
    assert phonetic("Łukasz") == phonetic("Lukasz") != ""
    assert phonetic("Müller") == phonetic("Mueller") == phonetic("Muller") == "657"
    assert phonetic("Meier") == phonetic("Meyer") == phonetic("Maier") == "67"
    assert phonetic("Ølberg") == phonetic("Olberg")


def test_phones_through_phonenumbers() -> None:
    assert phone_key("+49 (0)30 1234567") == phone_key("030 1234567") == phone_key("0049 30 1234567") \
        == phone_key("+49 30 123 45 67") == "49301234567"
    assert phone_key("+39 06 1234567") == "39061234567"  # Italy keeps its leading zero
    assert phone_key("+43 1 234567") == "431234567"
    assert phone_key("") == "" and phone_key("keine") == ""


def test_prefix_bounds_cover_exactly_the_prefix() -> None:
    low, high = prefix_bounds("mul")
    words = fold_words("Mul Muller Mum Mu Multi Mukul Muß")
    assert sorted(w for w in words if low <= w < high) == ["mul", "muller", "multi"]


def ids_of(hits: list) -> set[str]:
    return {h.last_name if hasattr(h, "last_name") else h["last_name"] for h in hits}


def test_the_till_finds_them_locally(tmp_path) -> None:
    from pos_app.store.local import LocalStore

    store = LocalStore.open(build_store(tmp_path / "t.db"), "BER-K1")
    try:
        c = Clienteling(store, lambda typed: [], lambda cid: {})
        for first, last, phone in PEOPLE:
            assert c.create(LENA, {"first_name": first, "last_name": last, "phone": phone}).customer is not None
        for typed, expected in QUERIES.items():
            assert ids_of(c.directory.search(typed)) == expected, typed
    finally:
        store.close()


def test_the_store_migration_reindexes_customers_of_an_older_folding(tmp_path) -> None:
    """A store file from before the folding (keys of 0008, raw-name FTS) is re-indexed by the
    migration: Łukasz and Ølberg are found afterwards."""
    path = tmp_path / "old.db"
    engine = create_engine(f"sqlite:///{path}")
    command.upgrade(alembic_config(engine), "0009_pickups")
    engine.dispose()
    with sqlite3.connect(path) as conn:
        conn.executemany("INSERT INTO customers (id, number, first_name, last_name, street, zip_code, city, phone, "
                         "email) VALUES (?, ?, ?, ?, '', '', '', ?, '')",
                         [(i, f"K-{i:07d}", f, last, p) for i, (f, last, p) in enumerate(PEOPLE, start=1)])
        conn.execute("INSERT INTO customer_keys (customer_id, phone_key, email_key, first_code, last_code) "
                     "VALUES (5, '4901234567', '', '', '')")  # a wrong old key, to be replaced
    db = open_database(path)  # migrates to head
    try:
        directory = CustomerDirectory(db)
        for typed, expected in QUERIES.items():
            assert ids_of(directory.search(typed)) == expected, typed
    finally:
        db.close()


@pytest.mark.slow
def test_the_center_finds_what_the_till_finds(till: Till) -> None:  # noqa: F811
    center = CenterCustomers(lambda: CenterClient(till.center.url, till.token, timeout=(1, 5)))
    c = Clienteling(till.store, center.search, center.profile)
    made = set()
    for first, last, phone in PEOPLE:
        made.add(c.create(LENA, {"first_name": first, "last_name": last, "phone": phone}).customer.id)
    worker, seen = till.worker()
    worker.wake()
    assert worker.run_cycle() == worker.interval_s, seen[-1].last_error
    assert seen[-1].pending == 0 and seen[-1].conflicts == 0, seen[-1]
    for typed, expected in QUERIES.items():
        local = {h.id for h in c.directory.search(typed)} & made
        remote = {h["id"] for h in center.search(typed)} & made
        assert remote == local, typed
        assert ids_of([h for h in center.search(typed) if h["id"] in made]) == expected, typed
    # a contact-center edit renames a customer: the center's keys follow at once
    [oz] = [h for h in center.search("Özdemir") if h["id"] in made]
    r = till.center.admin("PATCH", f"/v1/channel/customers/{oz['id']}", json={"last_name": "Øztürk"})
    assert r.status_code == 200, r.text
    assert [h["id"] for h in center.search("Ozturk") if h["id"] in made] == [oz["id"]]
    assert [h["id"] for h in center.search("Özdemir") if h["id"] in made] == []


@settings(max_examples=400, deadline=None)
@given(body=st.from_regex(r"[1-9][0-9]{5,12}", fullmatch=True), cut=st.integers(1, 6),
       shape=st.sampled_from(["0{a} {b}", "0{a}{b}", "0{a}/{b}", "0{a}-{b}", "+49 {a} {b}", "+49{a}{b}",
                              "+49-{a}/{b}"]))
def test_the_phone_fast_path_agrees_with_phonenumbers(body: str, cut: int, shape: str) -> None:
    import re

    from pos_app.customers.folding import _parsed_key

    typed = shape.format(a=body[:cut], b=body[cut:])
    assert phone_key(typed) == _parsed_key(typed, re.sub(r"\D", "", typed)), typed
