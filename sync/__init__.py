"""Sync between the store and the center: the outbox reader, the worker, the HTTP client and the
wire protocol. No Qt. (The worker and the protocol come with the backend issue; the outbox rows
are already written by pos_app.store in the same transaction as each sale.)"""
