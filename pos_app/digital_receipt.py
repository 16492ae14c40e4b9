"""The digital receipt: the paper receipt's own model, carried to the center and shown there by a
short link (issue 16).

Why the model travels and not a rendering: the center rebuilds the receipt's rows with the same
pure layout as the till (pos_app.receipt.layout, pos_app.return_receipt.layout_return), so the
web page and the PDF hold exactly what the paper holds (lines, amounts, VAT rows, the TSE block
and its QR code), and a layout change reaches both at once.

Why the token is made at the till: the till prints and shows the link before the sale has
synced (maybe hours later, after a day offline). 16 characters of base32 are 80 random bits
(`secrets`): not guessable, short enough for a small QR code. The center takes the token from
the sale's event and honours it once the event has arrived; until then the link says "not yet".

Thread: any (pure; `new_token` reads the OS's random source).
"""
from __future__ import annotations

import base64
import re
import secrets
from dataclasses import asdict, fields
from typing import Any

from pos_app.receipt import PAPER_80MM, PaperWidth, Receipt, ReceiptLine, ReceiptTender, ReceiptTse, ReceiptVatRow, Row
from pos_app.receipt import layout as sale_layout
from pos_app.return_receipt import ReturnReceipt, ReturnReceiptLine, layout_return

TOKEN_LENGTH = 16
TOKEN_RE = re.compile(r"^[a-z2-7]{16,32}$")
DOCUMENT_VERSION = 1


class BadDocument(ValueError):
    """A receipt document that does not describe a receipt (the center refuses to show it)."""


def new_token() -> str:
    """80 random bits as 16 lowercase base32 letters and digits (no 0/1/8/9: nothing to misread)."""
    return base64.b32encode(secrets.token_bytes(10)).decode("ascii").lower()


def is_token(text: str) -> bool:
    return bool(TOKEN_RE.match(text))


def link_for(base: str, token: str) -> str:
    """The receipt's short link: `base` is the center's receipt address, e.g.
    "https://bon.example.de/r/" ("" = no center: no link)."""
    if not base:
        return ""
    return (base if base.endswith("/") else base + "/") + token


# ---- the document: the receipt model as plain JSON --------------------------------------------


def to_document(receipt: Receipt | ReturnReceipt) -> dict[str, Any]:
    """The receipt model as JSON-ready data (tuples become lists), tagged with its kind. Always
    the original, never "KOPIE": the digital receipt is issued once, with the sale."""
    kind = "return" if isinstance(receipt, ReturnReceipt) else "sale"
    data = asdict(receipt)
    data["copy"] = False
    return {"kind": kind, "version": DOCUMENT_VERSION, "receipt": data}


def from_document(document: dict[str, Any]) -> Receipt | ReturnReceipt:
    """The model back from `to_document`'s data; BadDocument when it is not one."""
    try:
        kind, data = document["kind"], dict(document["receipt"])
        tse = None if data.get("tse") is None else ReceiptTse(**data["tse"])
        if kind == "sale":
            return Receipt(**{**_known(Receipt, data),
                              "store_address": tuple(data["store_address"]),
                              "lines": tuple(ReceiptLine(**{**ln, "notes": tuple(ln.get("notes", ()))})
                                             for ln in data["lines"]),
                              "vat_rows": tuple(ReceiptVatRow(**row) for row in data["vat_rows"]),
                              "tenders": tuple(ReceiptTender(**t) for t in data["tenders"]),
                              "footer": tuple(data.get("footer", Receipt.footer)), "tse": tse})
        if kind == "return":
            return ReturnReceipt(**{**_known(ReturnReceipt, data),
                                    "store_address": tuple(data["store_address"]),
                                    "lines": tuple(ReturnReceiptLine(**ln) for ln in data["lines"]),
                                    "tenders": tuple((str(a), int(b)) for a, b in data["tenders"]),
                                    "vouchers": tuple((str(a), int(b)) for a, b in data.get("vouchers", ())),
                                    "tse": tse})
    except (KeyError, TypeError, ValueError) as exc:
        raise BadDocument(f"not a receipt document: {exc}") from None
    raise BadDocument(f"unknown receipt kind {kind!r}")


def _known(cls: type, data: dict[str, Any]) -> dict[str, Any]:
    """Only the fields the model has (a newer till may send more; they are left out)."""
    names = {f.name for f in fields(cls)}
    return {k: v for k, v in data.items() if k in names}


def rows_of(receipt: Receipt | ReturnReceipt, paper: PaperWidth = PAPER_80MM) -> list[Row]:
    """The receipt's rows, laid out by the same code as on paper."""
    if isinstance(receipt, ReturnReceipt):
        return layout_return(receipt, paper)
    return sale_layout(receipt, paper)


def number_of(receipt: Receipt | ReturnReceipt) -> str:
    return receipt.return_number if isinstance(receipt, ReturnReceipt) else receipt.receipt_number
