"""Gift cards: multi-purpose vouchers (Mehrzweckgutscheine) sold at the till and in the web shop
and spent in every channel. A gift card is a voucher (pos_app.vouchers, backend.returns_models)
with one balance at the center; this package holds the rules both sides apply: the offline
limit (rules.py), the DSFinV-K business cases (fiscal.py), the till's check (check.py) and the
till's sale of a card (sale.py). See docs/prices.md, "Gift cards"."""
