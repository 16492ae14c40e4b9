"""The signer this till uses, built from its [tse] settings (pos_app.fiscal.settings).

kind = "dev": the development TSE (NOT certified; fine for development, tests and the demo,
not for selling in Germany: receipts and the status screen say so). kind = "fiskaly": the
fiskaly SIGN DE cloud TSE (certified), with its API key, TSS and client. kind = "none": no
signing at all (receipts carry no fiscal block).
Thread: start-up (UI thread); building the signer does no I/O.
"""
from __future__ import annotations

from pos_app.fiscal.settings import TseSettings
from pos_app.fiscal.signing import FiscalSigner
from pos_app.store.db import Database


def signer_for(settings: TseSettings, db: Database, device_id: str) -> FiscalSigner | None:
    settings.check()
    client_id = settings.client_id or device_id
    if settings.kind == "none":
        return None
    if settings.kind == "fiskaly":
        from pos_app.fiscal.fiskaly import FiskalyTse

        tse = FiskalyTse(settings.fiskaly_url, settings.fiskaly_api_key, settings.fiskaly_api_secret,
                         settings.fiskaly_tss_id, settings.fiskaly_client_id)
        return FiscalSigner(tse, client_id, budget_s=settings.budget_s)
    from pos_app.fiscal.dev_tse import DevelopmentTse

    return FiscalSigner(DevelopmentTse(db), client_id, budget_s=settings.budget_s)
