"""Shelf labels from the till's own store file: the product's name, SKU, this store's price,
its primary barcode, and the lowest 30-day price while the feed says the price is reduced
(pos_app.store.gift_card_models.PriceIndication). The layout is pos_app.prices.labels.

Thread: a worker or the UI thread (short reads).
"""
from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text

from pos_app.gtin import BarcodeError, classify
from pos_app.i18n import t
from pos_app.prices.labels import ShelfLabel
from pos_app.store.db import Database

MAX_LABELS = 500  # one print job; a whole promotion of a big store is printed in a few

_SQL = text(
    "SELECT p.id, p.sku, p.name, pr.gross_cents, pi.lowest_30_days_cents, "
    "(SELECT MIN(b.code) FROM barcodes b WHERE b.product_id = p.id AND b.symbology IN ('EAN13', 'UPCA')) AS ean, "
    "(SELECT MIN(b.code) FROM barcodes b WHERE b.product_id = p.id) AS any_code, "
    "pc.amount, pc.unit, pc.per_100 "
    "FROM products p JOIN prices pr ON pr.product_id = p.id AND pr.store_id = :store "
    "LEFT JOIN price_indications pi ON pi.product_id = p.id AND pi.store_id = :store "
    "LEFT JOIN product_contents pc ON pc.product_id = p.id "
    "WHERE p.active AND p.id = :pid")


@dataclass(frozen=True)
class LabelPick:
    labels: tuple[ShelfLabel, ...]
    unknown: tuple[str, ...]  # codes typed or scanned that name no product with a price here


def _product_id(db: Database, code: str) -> int | None:
    code = code.strip()
    if not code:
        return None
    with db.reading() as s:
        try:
            key = classify(code).lookup_key
        except BarcodeError:
            key = code
        pid = s.execute(text("SELECT product_id FROM barcodes WHERE code = :c"), {"c": key}).scalar()
        if pid is None:
            pid = s.execute(text("SELECT id FROM products WHERE sku = :s"), {"s": code.upper()}).scalar()
    return None if pid is None else int(pid)


def label_for(db: Database, store_id: str, product_id: int) -> ShelfLabel | None:
    with db.reading() as s:
        row = s.execute(_SQL, {"store": store_id, "pid": product_id}).first()
    if row is None:
        return None
    return ShelfLabel(name=row.name, sku=row.sku, price_cents=int(row.gross_cents),
                      barcode=row.ean or row.any_code or "", lowest_30_days_cents=row.lowest_30_days_cents,
                      content_amount=row.amount, content_unit=row.unit, per_100=bool(row.per_100))


def labels_for_codes(db: Database, store_id: str, codes: Sequence[str]) -> LabelPick:
    """Labels for typed or scanned codes (barcode or SKU), in their order; unknown ones named."""
    labels: list[ShelfLabel] = []
    unknown: list[str] = []
    for code in codes[:MAX_LABELS]:
        pid = _product_id(db, code)
        label = None if pid is None else label_for(db, store_id, pid)
        if label is None:
            unknown.append(code.strip())
        else:
            labels.append(label)
    return LabelPick(tuple(labels), tuple(unknown))


def reduced_labels(db: Database, store_id: str) -> LabelPick:
    """Every product reduced here now (the price change list of a promotion), by SKU."""
    with db.reading() as s:
        ids = s.execute(text("SELECT pi.product_id FROM price_indications pi JOIN products p ON p.id = pi.product_id "
                             "WHERE pi.store_id = :store AND p.active ORDER BY p.sku LIMIT :n"),
                        {"store": store_id, "n": MAX_LABELS}).scalars().all()
    labels = [label for pid in ids if (label := label_for(db, store_id, int(pid))) is not None]
    return LabelPick(tuple(labels), ())


def unknown_text(pick: LabelPick) -> str:
    return t("Unbekannt oder ohne Preis hier: {codes}", codes=", ".join(pick.unknown)) if pick.unknown else ""


def unit_price_texts(db: Database, priced: Sequence[tuple[int, int | None]]) -> dict[int, str]:
    """The Grundpreis text per product for (product id, price) pairs (the product search)."""
    from pos_app.prices.labels import unit_price_text
    from pos_app.store.gift_card_models import contents

    with db.reading() as s:
        known = contents(s, [pid for pid, _ in priced])
    out: dict[int, str] = {}
    for pid, price in priced:
        if pid in known and price is not None:
            amount, unit, per_100 = known[pid]
            text_ = unit_price_text(ShelfLabel("", "", price, content_amount=amount, content_unit=unit,
                                               per_100=per_100))
            if text_:
                out[pid] = text_
    return out


def lowest_price_texts(db: Database, store_id: str, product_ids: Sequence[int]) -> dict[int, str]:
    """§ 11 PAngV in the product search: the lowest 30-day price of every hit reduced here."""
    from pos_app.prices.indications import lowest_price_hint
    from pos_app.store.gift_card_models import PriceIndication

    if not product_ids:
        return {}
    with db.reading() as s:
        rows = s.query(PriceIndication).filter(PriceIndication.store_id == store_id,
                                               PriceIndication.product_id.in_(list(product_ids))).all()
        return {r.product_id: lowest_price_hint(r.lowest_30_days_cents) for r in rows}


def search_price_texts(db: Database, store_id: str, priced: Sequence[tuple[int, int | None]]) -> dict[int, str]:
    """What the product search shows beside a hit's price: its Grundpreis and, when reduced,
    its lowest 30-day price (thread: the search worker)."""
    units = unit_price_texts(db, priced)
    lowest = lowest_price_texts(db, store_id, [pid for pid, price in priced if price is not None])
    return {pid: ", ".join(x for x in (units.get(pid), lowest.get(pid)) if x)
            for pid in set(units) | set(lowest)}
