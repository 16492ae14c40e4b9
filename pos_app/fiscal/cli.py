"""omnipos-fiscal: the fiscal side of a till from the command line.

    omnipos-fiscal export --data-dir D --from 2026-11-01 --to 2026-11-30 --out DIR [--closings Z.json]
    omnipos-fiscal tse-status --data-dir D
    omnipos-fiscal fiskaly-register --data-dir D     (once per till, with [tse] kind = "fiskaly")
    omnipos-fiscal verify-qr "V0;BER-K1;Kassenbeleg-V1;..."
    omnipos-fiscal --version

D defaults to the one data folder of every OmniPOS command (pos_app.programs).

`export` writes the DSFinV-K CSV set with index.xml for the cash closings in the date range:
the till's own Z reports (pos_app.fiscal.dsfinvk.from_store), or with --closings those of a JSON
file (pos_app.fiscal.dsfinvk.closing.closings_from_json, e.g. closings kept elsewhere). `verify-qr` checks a receipt's QR code
signed by the development TSE.
"""
from __future__ import annotations

import argparse
import json
import sys
from datetime import date
from pathlib import Path

from pos_app.programs import DATA_DIR_HELP, add_version_argument, default_data_dir

_data_dir = default_data_dir


def _day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a date (YYYY-MM-DD): {text!r}") from None


def _open(data_dir: Path):  # type: ignore[no-untyped-def]
    from pos_app.config import load_settings
    from pos_app.store.local import LocalStore

    settings = load_settings(data_dir / "pos.toml")
    db = data_dir / "store.db"
    if not db.exists():
        raise SystemExit(f"omnipos-fiscal: no till database at {db}")
    return settings, LocalStore.open(db, settings.device_id)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="omnipos-fiscal",
                                     description="The till's TSE (KassenSichV) and the DSFinV-K export.")
    add_version_argument(parser)
    sub = parser.add_subparsers(dest="command", required=True)
    data_help = f"the till's data folder ({DATA_DIR_HELP})"
    ex = sub.add_parser("export", help="DSFinV-K export of a date range")
    ex.add_argument("--data-dir", type=Path, default=_data_dir(), help=data_help)
    ex.add_argument("--from", dest="date_from", type=_day, required=True, help="first day, YYYY-MM-DD")
    ex.add_argument("--to", dest="date_to", type=_day, required=True, help="last day, YYYY-MM-DD")
    ex.add_argument("--closings", type=Path, default=None,
                    help="JSON file with the cash closings (without: this till's Z reports)")
    ex.add_argument("--out", type=Path, required=True, help="folder for the CSV files and index.xml")
    st = sub.add_parser("tse-status", help="which TSE signs, and its details")
    st.add_argument("--data-dir", type=Path, default=_data_dir(), help=data_help)
    reg = sub.add_parser("fiskaly-register", help="register this till as a client of the fiskaly TSS")
    reg.add_argument("--data-dir", type=Path, default=_data_dir(), help=data_help)
    qr = sub.add_parser("verify-qr", help="check a receipt's QR code signed by the development TSE")
    qr.add_argument("payload", help='the QR code\'s text, "V0;..."')
    args = parser.parse_args(argv)

    if args.command == "verify-qr":
        from pos_app.fiscal.dev_tse import verify
        from pos_app.fiscal.tse import parse_qr_payload

        try:
            ok = verify(parse_qr_payload(args.payload))
        except ValueError as exc:
            print(f"omnipos-fiscal: {exc}", file=sys.stderr)
            return 2
        print("Signature valid." if ok else "Signature INVALID.")
        return 0 if ok else 1

    settings, store = _open(args.data_dir)
    try:
        if args.command == "fiskaly-register":
            from pos_app.fiscal.fiskaly import FiskalyTse
            from pos_app.fiscal.tse import TseError

            tse_settings = settings.tse
            if tse_settings.kind != "fiskaly":
                print('omnipos-fiscal: pos.toml [tse] kind is not "fiskaly".', file=sys.stderr)
                return 1
            tse = FiskalyTse(tse_settings.fiskaly_url, tse_settings.fiskaly_api_key,
                             tse_settings.fiskaly_api_secret, tse_settings.fiskaly_tss_id,
                             tse_settings.fiskaly_client_id)
            try:
                serial = tse.register_client(tse_settings.client_id or store.device_id)
            except TseError as exc:
                print(f"omnipos-fiscal: {exc}", file=sys.stderr)
                return 1
            print(f"Till {serial} is client {tse_settings.fiskaly_client_id} of TSS {tse_settings.fiskaly_tss_id}.")
            return 0
        if args.command == "tse-status":
            from pos_app.fiscal.setup import signer_for

            signer = signer_for(settings.tse, store.db, store.device_id)
            if signer is None:
                print("No TSE set up (pos.toml: [tse] kind = \"none\").")
                return 1
            info = signer.info()
            if isinstance(info, str):
                print(f"TSE not reachable: {info}")
                return 1
            print(f"{info.description}\nSerial number: {info.serial}\nAlgorithm: {info.signature_algorithm}\n"
                  f"Time format: {info.time_format}\nCertified: {'yes' if info.certified else 'NO'}")
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
        print(f"{result.out_dir}: {len(result.files)} files, {result.closings} closings, "
              f"{result.receipts} receipts")
        if result.unclosed_receipts:
            print(f"Note: {result.unclosed_receipts} receipts after the last closing are not included.")
        for line in result.mismatches:
            print(f"MISMATCH: {line}")
        return 0
    finally:
        store.close()


if __name__ == "__main__":
    raise SystemExit(main())
