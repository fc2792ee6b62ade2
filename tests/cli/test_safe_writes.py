"""Files written safely (issue 13 item 6): `secret export --to` never follows a symlink, never writes into a
directory, names a missing folder (exit 2, checked before any AWS call), creates the file 0600 and replaces
it atomically; `-o json secret export` prints the envelope; state files are 0600 in a 0700 directory."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path

import boto3
import pytest

from tests.cli.test_config_cli import envelope
from vegaops import dotenv

pytestmark = pytest.mark.usefixtures("aws", "project")

VALUE = "export-hunter2-value"


@pytest.fixture
def stores(aws: None) -> None:
    boto3.client("secretsmanager").create_secret(Name="vega/staging/db-password", SecretString=VALUE)


@pytest.mark.usefixtures("stores")
def test_export_refuses_a_symlink_and_leaves_its_target_alone(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    victim = tmp_path / "victim.txt"
    victim.write_text("precious\n")
    link = tmp_path / "out.env"
    link.symlink_to(victim)
    r = cli("secret", "export", "--to", str(link))
    assert r.exit_code == 2, r.output
    assert "symbolic link" in r.stderr and str(link) in r.stderr and "--to" in r.stderr
    assert victim.read_text() == "precious\n" and link.is_symlink()
    dangling = tmp_path / "dangling.env"
    dangling.symlink_to(tmp_path / "nowhere.txt")
    assert cli("secret", "export", "--to", str(dangling)).exit_code == 2
    assert not (tmp_path / "nowhere.txt").exists()


@pytest.mark.usefixtures("stores")
def test_export_refuses_a_directory(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    folder = tmp_path / "dir"
    folder.mkdir()
    r = cli("secret", "export", "--to", str(folder))
    assert r.exit_code == 2 and "is a directory" in r.stderr and "Traceback" not in r.output
    assert list(folder.iterdir()) == []


@pytest.mark.usefixtures("stores")
def test_export_into_a_missing_folder_names_it(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    missing = tmp_path / "no" / "such"
    r = cli("secret", "export", "--to", str(missing / "out.env"))
    assert r.exit_code == 2, r.output
    assert str(missing) in r.stderr and "does not exist" in r.stderr and "--to" in r.stderr
    assert len(r.stderr.strip().splitlines()) <= 2


@pytest.mark.usefixtures("stores")
def test_export_file_is_0600_whatever_the_umask_and_replaced_whole(cli, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "out.env"
    target.write_text("old")
    os.chmod(target, 0o644)
    before = target.stat().st_ino
    old_umask = os.umask(0)
    try:
        r = cli("secret", "export", "--to", str(target))
    finally:
        os.umask(old_umask)
    assert r.exit_code == 0, r.output
    assert stat.S_IMODE(target.stat().st_mode) == 0o600
    assert target.stat().st_ino != before  # a new file renamed over the old one, not the old one rewritten
    assert dotenv.parse(target.read_text()) == {"DB_PASSWORD": VALUE}
    assert [p.name for p in target.parent.iterdir()] == ["out.env"]  # no temporary file left behind


@pytest.mark.usefixtures("stores")
def test_json_export_prints_the_envelope(cli) -> None:  # type: ignore[no-untyped-def]
    r = cli("-o", "json", "secret", "export")
    assert r.exit_code == 0, r.output
    doc = envelope(r.stdout)
    assert doc["command"] == "secret export" and doc["data"]["variables"] == {"DB_PASSWORD": VALUE}  # type: ignore[index]
    # the plain formats to a pipe are unchanged
    assert json.loads(cli("secret", "export", "--format", "json").stdout) == {"DB_PASSWORD": VALUE}


def test_state_files_are_0600_in_a_0700_directory(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from vegaops.paths import append_private, state_dir

    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(tmp_path / "state"))
    old_umask = os.umask(0)
    try:
        d = state_dir()
        append_private(d / "journal.jsonl", "{}\n")
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(d.stat().st_mode) == 0o700
    assert stat.S_IMODE((d / "journal.jsonl").stat().st_mode) == 0o600
    os.chmod(d, 0o755)
    assert stat.S_IMODE(state_dir().stat().st_mode) == 0o700  # an old, wider directory is tightened
    (d / "audit.jsonl").symlink_to(tmp_path / "elsewhere")
    with pytest.raises(OSError):
        append_private(d / "audit.jsonl", "{}\n")
    assert not (tmp_path / "elsewhere").exists()


def test_journal_of_a_mutating_command_is_0600(cli) -> None:  # type: ignore[no-untyped-def]
    from vegaops.paths import state_dir

    assert cli("config", "set", "log-level", "info").exit_code == 0
    journal = state_dir() / "journal.jsonl"
    assert stat.S_IMODE(journal.stat().st_mode) == 0o600
    assert stat.S_IMODE(journal.parent.stat().st_mode) == 0o700


# --- keyed fingerprints -------------------------------------------------------------------------------------------


def test_fingerprints_are_keyed_per_installation(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import hashlib

    from vegaops import sensitive

    short = "1234"
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(tmp_path / "one"))
    first = sensitive.fingerprint(short)
    assert first == sensitive.fingerprint(short)  # stable within an installation
    assert sensitive.fingerprint("1235") != first
    plain = hashlib.sha256(short.encode()).hexdigest()
    assert first.split(":", 1)[1] not in plain  # not a plain hash anyone can recompute from a guess
    key = tmp_path / "one" / sensitive.KEY_FILE
    assert stat.S_IMODE(key.stat().st_mode) == 0o600
    sensitive._key_in.cache_clear()  # a new process of the same installation reads the same key
    assert sensitive.fingerprint(short) == first
    monkeypatch.setenv("VEGAOPS_STATE_DIR", str(tmp_path / "two"))
    assert sensitive.fingerprint(short) != first  # another installation, another key
    assert short not in sensitive.mask(short) and sensitive.fingerprint(short) in sensitive.mask(short)


def test_secret_diff_across_environments_still_compares(cli) -> None:  # type: ignore[no-untyped-def]
    from vegaops.sensitive import fingerprint

    sm = boto3.client("secretsmanager")
    sm.create_secret(Name="vega/staging/db", SecretString="same-value")
    sm.create_secret(Name="vega/prod/db", SecretString="same-value")
    sm.create_secret(Name="vega/staging/key", SecretString="a")
    sm.create_secret(Name="vega/prod/key", SecretString="b")
    doc = envelope(cli("-o", "json", "secret", "diff", "staging", "prod").stdout)
    data = doc["data"]
    assert data["same"] == ["db"] and data["different"] == ["key"]  # type: ignore[index]
    prints = data["fingerprints"]  # type: ignore[index]
    assert prints["db"]["a"] == prints["db"]["b"] == fingerprint("same-value")
    assert prints["key"]["a"] != prints["key"]["b"]


def test_sandbox_state_file_is_0600(tmp_path: Path) -> None:
    from vegaops.sandbox.state import SandboxState, read_state, write_state

    path = tmp_path / "state" / "sandbox.json"
    old_umask = os.umask(0)
    try:
        write_state(path, SandboxState(1, 2, "http://127.0.0.1:2", "eu-central-1", "now", 1.0))
    finally:
        os.umask(old_umask)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert stat.S_IMODE(path.parent.stat().st_mode) == 0o700
    got = read_state(path)
    assert got is not None and got.port == 2
