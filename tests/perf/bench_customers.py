"""Finding a customer at the till among 1,000,000 in the local store: by name as typed (every
prefix from 2 letters, with umlaut spellings and phonetic variants), by phone in another format,
by e-mail, by customer number and by a scanned customer card. Timed through
CustomerDirectory.search, the call the till makes. Prints figures, asserts nothing.

The store (customers only, from the demo generator: real German names) is made once into
var/bench/customers.db (well under a minute plus the search keys)."""
from __future__ import annotations

import random
import sqlite3
import time

from common import BENCH_DIR, CUSTOMERS, percentile, report

from pos_app.customer_keys import card_payload
from pos_app.store.customers import CustomerDirectory
from pos_app.store.db import open_database

NAMES = ["müller", "mueller", "muller", "meyer", "maier", "schmitt", "anna schmidt", "schulz",
         "weiß", "weiss", "jürgen becker", "hoffmann", "koch", "schäfer", "lena fischer", "wagner"]


def customers_store():  # type: ignore[no-untyped-def]
    from pos_app.demo.generator import generate

    path = BENCH_DIR / "customers.db"
    if path.exists():
        with sqlite3.connect(path) as conn:
            if conn.execute("SELECT count(*) FROM customer_keys").fetchone()[0] == CUSTOMERS:
                return path
    BENCH_DIR.mkdir(parents=True, exist_ok=True)
    print(f"Generating {CUSTOMERS:,} customers …", flush=True)
    result = generate(path, products=0, customers=CUSTOMERS, force=True)
    print(f"  done in {result.seconds:.1f} s", flush=True)
    return path


def run() -> None:
    db = open_database(customers_store())
    directory = CustomerDirectory(db)
    rng = random.Random(4)
    with sqlite3.connect(db.path) as conn:
        sample = [conn.execute("SELECT number, phone, email, last_name FROM customers WHERE id = ?",
                               (rng.randint(1, CUSTOMERS),)).fetchone() for _ in range(40)]
    typed: list[str] = []
    for name in NAMES + [s[3].lower() for s in sample[:10]]:
        typed += [name[:end] for end in range(2, len(name) + 1)]
    exact = []
    for number, phone, email, _last in sample:
        digits = "".join(c for c in phone if c.isdigit())
        exact += [number, card_payload(number), "+49 " + digits[1:] if digits.startswith("0") else phone]
        if email:
            exact.append(email.upper())
    directory.search("warm up")
    timings: dict[str, list[float]] = {"name as typed": [], "phone / e-mail / number / card": []}
    found = 0
    for kind, queries in (("name as typed", typed), ("phone / e-mail / number / card", exact)):
        for q in queries:
            t0 = time.perf_counter()
            hits = directory.search(q, 30)
            timings[kind].append((time.perf_counter() - t0) * 1000)
            found += bool(hits)
    every = timings["name as typed"] + timings["phone / e-mail / number / card"]
    report("customer search: store", f"{CUSTOMERS:,} customers")
    for kind, values in timings.items():
        report(f"customer search, {kind}: n / p50 / p95 / max (ms)",
               f"{len(values)} / {percentile(values, 50):.1f} / {percentile(values, 95):.1f} / {max(values):.1f}")
    report("customer search, all: p95 (ms)", f"{percentile(every, 95):.1f}  (target p95 <= 50)")
    report("customer search: queries with hits", f"{found} of {len(every)}")
    db.close()


if __name__ == "__main__":
    run()
