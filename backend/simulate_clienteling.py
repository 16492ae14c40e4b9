"""`pos-backend simulate --carts N --cases N`: web carts filled and service cases opened (by
e-mail, continued by phone) for random customers, through the same functions the channel API
uses (backend.clienteling), so a demo till finds something on the profile.

Thread: the CLI's; one write transaction per cart or case.
"""
from __future__ import annotations

import random
from datetime import datetime, timedelta, timezone

from sqlalchemy import func, select

from backend import clienteling
from backend.db import BackendDatabase
from backend.models import Customer, Product

SUBJECTS = ("Lieferung verspätet", "Bezug verfärbt", "Rechnung doppelt", "Größe umtauschen", "Teil fehlt")


def simulate_clienteling(db: BackendDatabase, carts: int, cases: int, rng: random.Random) -> list[str]:
    """Fill `carts` web carts and open `cases` service cases; one line per thing made."""
    with db.reading() as conn:
        max_customer = conn.execute(select(func.max(Customer.id))).scalar()
        products = [r[0] for r in conn.execute(select(Product.id).where(Product.active).order_by(Product.id).limit(500))]
    if not max_customer or not products:
        raise LookupError("the center has no customers or products yet: run `pos-backend seed` first")
    made: list[str] = []
    now = datetime.now(timezone.utc)
    for _ in range(carts):
        customer = rng.randint(1, max_customer)
        items = [(pid, rng.randint(1, 3)) for pid in rng.sample(products, min(len(products), rng.randint(1, 4)))]
        with db.writing() as conn:
            if clienteling.exists(conn, customer):
                clienteling.put_cart(conn, customer, items, now)
                made.append(f"cart\t{customer}\t" + ",".join(f"{p}x{q}" for p, q in items))
    for _ in range(cases):
        customer = rng.randint(1, max_customer)
        with db.writing() as conn:
            if not clienteling.exists(conn, customer):
                continue
            subject = rng.choice(SUBJECTS)
            case = clienteling.open_case(conn, customer, subject, "email", f"{subject}: bitte um Hilfe.", "Kunde", now)
            called_back = now + timedelta(minutes=rng.randint(5, 240))  # the phone call comes after the e-mail
            clienteling.add_step(conn, case["id"], "phone", "Rückruf, Fall aufgenommen.", "Contact Center", called_back)
            made.append(f"case\t{customer}\t{case['case_number']}\t{case['id']}")
    return made
