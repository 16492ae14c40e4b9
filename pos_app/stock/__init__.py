"""Stock operations in the store (issue 14): goods receipt, adjustments, counts, transfers
between stores and the endless aisle. Each module is one capability; the rules both the store
and the center apply are in pos_app.stock.rules and pos_app.stock.transfer_rules. Qt-free."""
