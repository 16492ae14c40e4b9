"""Customers: the pure rules both the till and the center apply (folding of names for search).
The store's customer tables live in pos_app.store; the center's in backend."""
