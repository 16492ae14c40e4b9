"""German fiscal rules (KassenSichV, DSFinV-K): the TSE interface and its two implementations,
the signing step every sale (and any other till transaction) goes through, and the DSFinV-K
export. No Qt in here."""
