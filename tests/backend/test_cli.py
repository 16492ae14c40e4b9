"""pos-backend's commands, run in-process against a real database."""
from __future__ import annotations

import stat
from pathlib import Path

import pytest
from sqlalchemy import func, select

from backend import config
from backend.auth import authenticate_device
from backend.cli import main
from backend.db import BackendDatabase
from backend.migrations import HEAD_REVISION
from backend.models import Change


def test_migrate_then_nothing_to_do(empty_database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["migrate", "--database-url", empty_database_url]) == 0
    from backend.migrations import HEAD_REVISION

    assert f"migrated to {HEAD_REVISION}" in capsys.readouterr().err
    assert main(["migrate", "--database-url", empty_database_url]) == 0
    assert f"already at {HEAD_REVISION}" in capsys.readouterr().err


def test_seed_prints_progress_and_is_idempotent(empty_database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["seed", "--customers", "25", "--database-url", empty_database_url]) == 0
    err = capsys.readouterr().err
    assert "products" in err and "customers" in err and "25/25" in err and "seeded" in err
    assert main(["seed", "--database-url", empty_database_url]) == 0
    assert "nothing seeded" in capsys.readouterr().err


def test_register_prints_the_token_once_or_writes_it_owner_only(database_url: str, db: BackendDatabase,
                                                                 tmp_path: Path,
                                                                 capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "register", "--store", "BER", "--name", "Kasse 1", "--id", "BER-K1",
                 "--database-url", database_url]) == 0
    out = capsys.readouterr()
    token = out.out.strip()
    assert authenticate_device(db, token).device_id == "BER-K1"
    token_file = tmp_path / "secrets" / "ber-k2.token"
    assert main(["devices", "register", "--store", "BER", "--name", "Kasse 1", "--token-file", str(token_file),
                 "--database-url", database_url]) == 0
    out = capsys.readouterr()
    assert out.out == "" and "BER-K2" in out.err  # "Kasse 1" is taken: a free id, never a silent rotation
    assert stat.S_IMODE(token_file.stat().st_mode) == 0o600
    assert authenticate_device(db, token_file.read_text().strip()).device_id == "BER-K2"
    assert authenticate_device(db, token).device_id == "BER-K1"  # untouched
    assert main(["devices", "register", "--store", "XXX", "--name", "Kasse", "--database-url", database_url]) == 1
    assert "unknown store" in capsys.readouterr().err


def test_revoke_locks_a_device_out_at_once_and_register_gives_it_a_new_token(
        database_url: str, db: BackendDatabase, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["devices", "register", "--store", "BER", "--name", "Kasse 1", "--id", "BER-K1",
                 "--database-url", database_url]) == 0
    token = capsys.readouterr().out.strip()
    assert main(["devices", "revoke", "--id", "BER-K1", "--database-url", database_url]) == 0
    assert "revoked" in capsys.readouterr().err
    assert authenticate_device(db, token) is None
    assert main(["devices", "revoke", "--id", "NOPE-K9", "--database-url", database_url]) == 1
    assert "no device 'NOPE-K9'" in capsys.readouterr().err
    assert main(["devices", "register", "--store", "BER", "--name", "Kasse 1", "--id", "BER-K1",
                 "--database-url", database_url]) == 0
    assert authenticate_device(db, capsys.readouterr().out.strip()).device_id == "BER-K1"


def test_every_command_answers_version(capsys: pytest.CaptureFixture[str]) -> None:
    import subprocess
    import sys

    from pos_app import __version__

    with pytest.raises(SystemExit) as done:
        main(["--version"])
    assert done.value.code == 0 and capsys.readouterr().out.strip() == f"pos-backend {__version__} (OmniPOS)"
    root = Path(__file__).resolve().parents[2]
    for prog, module in (("pos-backend", "backend"), ("omnipos", "ui"), ("omnipos-demo", "pos_app.demo.cli"),
                         ("omnipos-fiscal", "pos_app.fiscal.cli"), ("omnipos-audit", "pos_app.audit_cli")):
        run = subprocess.run([sys.executable, "-m", module, "--version"], capture_output=True, text=True, cwd=root,
                             env={**__import__("os").environ, "QT_QPA_PLATFORM": "offscreen"}, timeout=60)
        assert run.returncode == 0 and run.stdout.strip() == f"{prog} {__version__} (OmniPOS)", (module, run.stderr)


def test_simulate_puts_news_in_the_feed(database_url: str, db: BackendDatabase,
                                        capsys: pytest.CaptureFixture[str]) -> None:
    with db.reading() as conn:
        before = conn.execute(select(func.max(Change.seq))).scalar_one()
    assert main(["simulate", "--prices", "20", "--stock", "30", "--seed", "1", "--database-url", database_url]) == 0
    assert "20 prices and 30 stock rows" in capsys.readouterr().err
    with db.reading() as conn:
        news = conn.execute(select(Change.kind, Change.store_id).where(Change.seq > before)).all()
    assert [k for k, _ in news].count("price") == 20 and [k for k, _ in news].count("stock") == 30
    assert all(store is not None for _, store in news)
    with pytest.raises(SystemExit):
        main(["simulate", "--help"])
    assert "--carts fills web carts and --cases opens service cases" in " ".join(capsys.readouterr().out.split())
    assert main(["simulate", "--carts", "2", "--cases", "1", "--seed", "1", "--database-url", database_url]) == 0
    out = capsys.readouterr().out.splitlines()
    assert [line.split("\t")[0] for line in out] == ["cart", "cart", "case"]
    case_customer = int(out[2].split("\t")[1])
    from backend.customer_profile import build_profile

    with db.reading() as conn:
        [case] = build_profile(conn, case_customer)["service_cases"]
    assert [s["channel"] for s in case["steps"]] == ["email", "phone"]


def test_simulate_needs_a_catalog(empty_database_url: str, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["simulate", "--prices", "1", "--database-url", empty_database_url]) == 1
    assert "seed" in capsys.readouterr().err


def test_configuration_sources(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.delenv(config.ENV_DATABASE_URL, raising=False)
    monkeypatch.delenv(config.ENV_DATA_DIR, raising=False)
    monkeypatch.setenv("POS_DATA_DIR", str(tmp_path / "shared"))  # the one data folder of every command
    assert config.database_url() == f"sqlite:///{tmp_path / 'shared' / 'backend.db'}"
    assert config.database_url(None, tmp_path / "own") == f"sqlite:///{tmp_path / 'own' / 'backend.db'}"
    monkeypatch.setenv(config.ENV_DATABASE_URL, "postgresql://u@h/db")
    assert config.database_url() == "postgresql+psycopg://u@h/db"
    assert config.database_url("sqlite:///x.db") == "sqlite:///x.db"  # the command line wins
    with pytest.raises(ValueError):
        config.database_url("mysql://u@h/db")
    monkeypatch.delenv(config.ENV_ADMIN_TOKEN, raising=False)
    token, path = config.admin_token_for_serve(tmp_path / "data")
    assert path == tmp_path / "data" / "admin.token" and stat.S_IMODE(path.stat().st_mode) == 0o600
    assert config.admin_token_for_serve(tmp_path / "data") == (token, path)  # kept across restarts
    monkeypatch.setenv(config.ENV_ADMIN_TOKEN, "from-env")
    assert config.admin_token_for_serve(tmp_path / "data") == ("from-env", None)
