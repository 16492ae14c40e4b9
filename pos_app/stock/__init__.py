"""Stock operations in the store (issue 14): goods receipt, adjustments, transfers, counts.
Each module is one capability; the rules both the store and the center apply are in
pos_app.stock.rules. Qt-free."""
