"""The [tse] section of pos.toml: which TSE this till signs with. Pure data, read at start-up
(kept apart from the TSE implementations so reading the settings imports no crypto or HTTP)."""
from __future__ import annotations

from dataclasses import dataclass

DEFAULT_BUDGET_S = 2.5  # pos_app.fiscal.signing uses the same default
DEFAULT_BASE_URL = "https://kassensichv-middleware.fiskaly.com/api/v2"

TSE_KINDS = ("dev", "fiskaly", "none")
MAX_BUDGET_S = 3.0  # the till's UI thread waits at most this long for a TSE


class TseSettingsError(ValueError):
    pass


@dataclass(frozen=True)
class TseSettings:
    kind: str = "dev"
    client_id: str = ""  # the till's serial number at the TSE ("" = the device id)
    budget_s: float = DEFAULT_BUDGET_S
    fiskaly_url: str = DEFAULT_BASE_URL
    fiskaly_api_key: str = ""
    fiskaly_api_secret: str = ""
    fiskaly_tss_id: str = ""
    fiskaly_client_id: str = ""  # fiskaly's UUID of this till's client

    def check(self) -> None:
        if self.kind not in TSE_KINDS:
            raise TseSettingsError(f"tse.kind muss eines von {', '.join(TSE_KINDS)} sein, nicht „{self.kind}“.")
        if not 0.2 <= self.budget_s <= MAX_BUDGET_S:
            raise TseSettingsError(f"tse.budget_s muss zwischen 0.2 und {MAX_BUDGET_S} Sekunden liegen.")
        if self.kind == "fiskaly":
            missing = [name for name in ("fiskaly_api_key", "fiskaly_api_secret", "fiskaly_tss_id",
                                         "fiskaly_client_id") if not getattr(self, name)]
            if missing:
                raise TseSettingsError(f"tse.kind = „fiskaly“ braucht tse.{missing[0]}.")
            if not self.fiskaly_url.startswith(("https://", "http://")):
                raise TseSettingsError("tse.fiskaly_url muss mit https:// beginnen.")


DEFAULT_SECTION = """
[tse]
kind = "dev"                  # dev (Entwicklungs-TSE, NICHT ZERTIFIZIERT) | fiskaly | none
client_id = ""                # serial number of this till at the TSE ("" = device_id)
budget_s = 2.5                # a sale waits at most this long for the TSE, then goes on unsigned
# fiskaly_url = "https://kassensichv-middleware.fiskaly.com/api/v2"
# fiskaly_api_key = ""
# fiskaly_api_secret = ""
# fiskaly_tss_id = ""         # the TSS (UUID)
# fiskaly_client_id = ""      # this till's client at fiskaly (UUID)
"""
