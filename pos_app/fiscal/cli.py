"""omnipos-fiscal: the fiscal side of a till from the command line.

    omnipos-fiscal export --data-dir D --from 2026-11-01 --to 2026-11-30 --out DIR [--closings Z.json]
    omnipos-fiscal tse-status --data-dir D
    omnipos-fiscal fiskaly-register --data-dir D     (once per till, with [tse] kind = "fiskaly")
    omnipos-fiscal verify-qr "V0;BER-K1;Kassenbeleg-V1;..."

`export` writes the DSFinV-K CSV set with index.xml for the cash closings in the date range:
the till's own Z reports (pos_app.fiscal.dsfinvk.from_store), or with --closings those of a JSON
file (pos_app.fiscal.dsfinvk.closing.closings_from_json, e.g. closings kept elsewhere). `verify-qr` checks a receipt's QR code
signed by the development TSE.
"""
from __future__ import annotations

import argparse
import json
import os
import sys
from datetime import date
from pathlib import Path


def _data_dir() -> Path:
    env = os.environ.get("POS_DATA_DIR")
    if env:
        return Path(env)
    return Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share")) / "omnipos"


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"kein Datum (JJJJ-MM-TT): {text!r}") from None


def _open(data_dir: Path):  # type: ignore[no-untyped-def]
    from pos_app.config import load_settings
    from pos_app.store.local import LocalStore

    settings = load_settings(data_dir / "pos.toml")
    db = data_dir / "store.db"
    if not db.exists():
        raise SystemExit(f"omnipos-fiscal: kein Kassenspeicher in {db}")
    return settings, LocalStore.open(db, settings.device_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omnipos-fiscal", description="TSE und DSFinV-K-Export")
    sub = parser.add_subparsers(dest="command", required=True)
    ex = sub.add_parser("export", help="DSFinV-K-Export eines Zeitraums")
    ex.add_argument("--data-dir", type=Path, default=_data_dir())
    ex.add_argument("--from", dest="date_from", type=_day, required=True)
    ex.add_argument("--to", dest="date_to", type=_day, required=True)
    ex.add_argument("--closings", type=Path, default=None,
                    help="JSON-Datei mit den Kassenabschlüssen (ohne: die Z-Bons dieser Kasse)")
    ex.add_argument("--out", type=Path, required=True)
    st = sub.add_parser("tse-status", help="Welche TSE signiert, und ihre Daten")
    st.add_argument("--data-dir", type=Path, default=_data_dir())
    reg = sub.add_parser("fiskaly-register", help="Diese Kasse als Client der fiskaly-TSS anmelden")
    reg.add_argument("--data-dir", type=Path, default=_data_dir())
    qr = sub.add_parser("verify-qr", help="QR-Code eines Belegs der Entwicklungs-TSE prüfen")
    qr.add_argument("payload")
    args = parser.parse_args(argv)

    if args.command == "verify-qr":
        from pos_app.fiscal.dev_tse import verify
        from pos_app.fiscal.tse import parse_qr_payload

        try:
            ok = verify(parse_qr_payload(args.payload))
        except ValueError as exc:
            print(f"omnipos-fiscal: {exc}", file=sys.stderr)
            return 2
        print("Signatur gültig." if ok else "Signatur UNGÜLTIG.")
        return 0 if ok else 1

    settings, store = _open(args.data_dir)
    try:
        if args.command == "fiskaly-register":
            from pos_app.fiscal.fiskaly import FiskalyTse
            from pos_app.fiscal.tse import TseError

            tse_settings = settings.tse
            if tse_settings.kind != "fiskaly":
                print("omnipos-fiscal: pos.toml [tse] kind ist nicht „fiskaly“.", file=sys.stderr)
                return 1
            tse = FiskalyTse(tse_settings.fiskaly_url, tse_settings.fiskaly_api_key,
                             tse_settings.fiskaly_api_secret, tse_settings.fiskaly_tss_id,
                             tse_settings.fiskaly_client_id)
            try:
                serial = tse.register_client(tse_settings.client_id or store.device_id)
            except TseError as exc:
                print(f"omnipos-fiscal: {exc}", file=sys.stderr)
                return 1
            print(f"Kasse {serial} ist Client {tse_settings.fiskaly_client_id} der TSS {tse_settings.fiskaly_tss_id}.")
            return 0
        if args.command == "tse-status":
            from pos_app.fiscal.setup import signer_for

            signer = signer_for(settings.tse, store.db, store.device_id)
            if signer is None:
                print("Keine TSE eingestellt (pos.toml: [tse] kind = \"none\").")
                return 1
            info = signer.info()
            if isinstance(info, str):
                print(f"TSE nicht erreichbar: {info}")
                return 1
            print(f"{info.description}\nSeriennummer: {info.serial}\nAlgorithmus: {info.signature_algorithm}\n"
                  f"Zeitformat: {info.time_format}\nZertifiziert: {'ja' if info.certified else 'NEIN'}")
            return 0
        from pos_app.fiscal.dsfinvk import ExportError, export
        from pos_app.fiscal.dsfinvk.closing import closings_from_json
        from pos_app.fiscal.dsfinvk.from_store import closings_from_store

        try:
            closings = (closings_from_store(store) if args.closings is None
                        else closings_from_json(json.loads(args.closings.read_text(encoding="utf-8"))))
            result = export(store, args.date_from, args.date_to, closings, args.out)
        except (OSError, ValueError, ExportError) as exc:
            print(f"omnipos-fiscal: {exc}", file=sys.stderr)
            return 1
        print(f"{result.out_dir}: {len(result.files)} Dateien, {result.closings} Abschlüsse, "
              f"{result.receipts} Belege")
        if result.unclosed_receipts:
            print(f"Hinweis: {result.unclosed_receipts} Belege nach dem letzten Abschluss sind nicht enthalten.")
        for line in result.mismatches:
            print(f"ABWEICHUNG: {line}")
        return 0
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
