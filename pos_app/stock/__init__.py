"""Stock: goods in, transfers between stores, counts, adjustments and the endless aisle."""
