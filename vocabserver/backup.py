"""Backup and restore of a server's data directory, consistent while it serves and writes.

A backup is a folder:
- `store/`: a RocksDB checkpoint of the embedded store (pyoxigraph's `Store.backup`), taken under the write
  path's lock, so it holds every change acknowledged before it and none after — the vocabularies, the
  catalogue and the change log (history, reverts) are one store;
- `accounts.sqlite3`: the accounts database (users, tokens, sessions, proposals, private vocabularies), copied
  with SQLite's online backup while the server uses it;
- `session.key`: the key that signs the pages' sessions, so that signed-in curators stay signed in;
- `label-index.pickle`: the label index of that state, when the one in memory is of it (a restored server
  starts without rebuilding it);
- `manifest.json`: what a restore needs and checks — the base URI (minted URIs must stay the same), the
  state's stamp, the last change number, the vocabularies and their triples, every file's SHA-256.

Only the process holding the store can checkpoint it: `vocabserver backup` asks the running server through its
control socket (vocabserver/control.py), or opens the store itself when no server holds it. A remote store, or
accounts in PostgreSQL, are backed up with their engine's tools (the manifest says so).
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import sqlite3
import time
from dataclasses import dataclass
from datetime import datetime, timezone
from pathlib import Path

from vocabserver.auth.database import ACCOUNTS_FILE
from vocabserver.auth.secret import KEY_FILE

MANIFEST = "manifest.json"
FORMAT = 1
INDEX_FILE = "label-index.pickle"


class BackupError(Exception):
    """Said to the operator as is: what is wrong and what to do."""


@dataclass
class BackupResult:
    folder: Path
    manifest: dict

    def summary(self) -> str:
        m = self.manifest
        return (f"backup of {m['store']['vocabularies_count']} vocabularies ({m['store']['triples']} triples), "
                f"change log up to change {m['store']['last_change']}, state {m['store']['modified']}, "
                f"{m['accounts']['users']} users and {m['accounts']['tokens']} tokens, in {self_seconds(m)} s → "
                f"{self.folder}")


def self_seconds(manifest: dict) -> str:
    return f"{manifest.get('seconds', 0):.2f}"


def _empty_target(target: Path) -> None:
    if target.exists() and (not target.is_dir() or any(target.iterdir())):
        raise BackupError(f"{target} exists and is not an empty folder: choose a new folder")


def make_backup(core, target: Path) -> BackupResult:
    """In the process holding the store (the server, or the command when no server runs)."""
    store = core.store
    if store.path is None or store.remote is not None:
        raise BackupError("this store is not an embedded store on disk: back up the remote engine with its own "
                          "tools (Oxigraph's `oxigraph backup`, Virtuoso's checkpoint and backup)")
    target = Path(target).resolve()
    _empty_target(target)
    target.mkdir(parents=True, exist_ok=True)
    started = time.perf_counter()
    try:
        with core.writer.exclusive():  # no change between the checkpoint and the state described
            stamp = store.modified()
            last_change = core.writer.history.next_number() - 1
            store.backup(target / "store")
            vocabularies = {v.id: {"triples": v.triples, "concepts": v.concepts, "modified": v.modified}
                            for v in store.vocabularies().values()}
            index = core.labels._index
            if index is not None and index.stamp == stamp:
                index.save(target / INDEX_FILE)
        accounts = _backup_accounts(core, target)
        local = Path(store.local_dir)
        if (local / KEY_FILE).exists():
            shutil.copy2(local / KEY_FILE, target / KEY_FILE)
            os.chmod(target / KEY_FILE, 0o600)
    except BaseException:
        shutil.rmtree(target, ignore_errors=True)
        raise
    manifest = {
        "format": FORMAT,
        "made": datetime.now(timezone.utc).isoformat(timespec="seconds"),
        "seconds": round(time.perf_counter() - started, 3),
        "settings": {"base_uri": store.base_uri},
        "store": {"modified": stamp, "last_change": last_change, "vocabularies": vocabularies,
                  "vocabularies_count": len(vocabularies),
                  "triples": sum(v["triples"] or 0 for v in vocabularies.values())},
        "accounts": accounts,
        "files": _checksums(target),
    }
    (target / MANIFEST).write_text(json.dumps(manifest, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    return BackupResult(target, manifest)


def _backup_accounts(core, target: Path) -> dict:
    database = core.accounts
    if database.url:
        return {"database": "postgresql", "copied": False, "users": 0, "tokens": 0,
                "note": "accounts live in PostgreSQL (VOCABSERVER_DATABASE_URL): back them up with pg_dump"}
    source = database.path
    if source is None or not Path(source).exists():
        return {"database": "sqlite", "copied": False, "users": 0, "tokens": 0}
    with sqlite3.connect(source, timeout=30) as live, sqlite3.connect(target / ACCOUNTS_FILE) as copy:
        live.backup(copy)  # SQLite's online backup: a consistent copy while the server writes
    with sqlite3.connect(target / ACCOUNTS_FILE) as copy:
        users = _count(copy, "users")
        tokens = _count(copy, "tokens")
    return {"database": "sqlite", "copied": True, "users": users, "tokens": tokens}


def _count(connection, table: str) -> int:
    try:
        return connection.execute(f"SELECT COUNT(*) FROM {table}").fetchone()[0]  # noqa: S608 - fixed names
    except sqlite3.Error:
        return 0


def _checksums(folder: Path) -> dict:
    sums = {}
    for path in sorted(p for p in folder.rglob("*") if p.is_file() and p.name != MANIFEST):
        digest = hashlib.sha256()
        with open(path, "rb") as stream:
            for chunk in iter(lambda: stream.read(1 << 20), b""):
                digest.update(chunk)
        sums[str(path.relative_to(folder))] = digest.hexdigest()
    return sums


def read_manifest(folder: Path) -> dict:
    path = Path(folder) / MANIFEST
    try:
        manifest = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a backup: {MANIFEST} is missing") from None
    except (OSError, ValueError) as exc:
        raise BackupError(f"{path}: unreadable ({exc})") from None
    if manifest.get("format") != FORMAT:
        raise BackupError(f"{path}: backup format {manifest.get('format')!r}, this version reads {FORMAT}")
    return manifest


def restore(folder: Path, data_dir: Path, base_uri: str | None = None) -> dict:
    """Copy a backup into an empty data directory, after checking every file against the manifest; then open
    the restored store and check it holds the backed-up state. Returns the manifest."""
    folder, data_dir = Path(folder).resolve(), Path(data_dir).resolve()
    manifest = read_manifest(folder)
    expected = manifest.get("files", {})
    found = _checksums(folder)
    damaged = sorted(name for name, digest in expected.items() if found.get(name) != digest)
    if damaged:
        raise BackupError(f"{folder}: {len(damaged)} files missing or changed since the backup "
                          f"({', '.join(damaged[:5])}): refusing to restore it")
    backed_base = manifest["settings"]["base_uri"]
    if base_uri and base_uri != backed_base:
        raise BackupError(f"the backup was made with base URI {backed_base!r}, not {base_uri!r}: its minted URIs "
                          "would not resolve; unset VOCABSERVER_BASE_URI or set it to the backup's")
    _empty_target(data_dir)
    data_dir.mkdir(parents=True, exist_ok=True)
    try:
        for entry in (folder / "store").iterdir():
            if entry.is_dir():
                shutil.copytree(entry, data_dir / entry.name)
            else:
                shutil.copy2(entry, data_dir / entry.name)
        for name in (ACCOUNTS_FILE, KEY_FILE, INDEX_FILE):
            if (folder / name).exists():
                shutil.copy2(folder / name, data_dir / name)
        if (data_dir / KEY_FILE).exists():
            os.chmod(data_dir / KEY_FILE, 0o600)
        _check_restored(data_dir, manifest)
    except BaseException:
        shutil.rmtree(data_dir, ignore_errors=True)
        data_dir.mkdir(parents=True, exist_ok=True)
        raise
    return manifest


def _check_restored(data_dir: Path, manifest: dict) -> None:
    from vocabserver.store.embedded import VocabStore

    store = VocabStore(data_dir, manifest["settings"]["base_uri"])
    try:
        if store.modified() != manifest["store"]["modified"]:
            raise BackupError(f"the restored store is at state {store.modified()}, the backup says "
                              f"{manifest['store']['modified']}")
        held = {v.id: v.triples for v in store.vocabularies().values()}
        wanted = {k: v["triples"] for k, v in manifest["store"]["vocabularies"].items()}
        if held != wanted:
            raise BackupError(f"the restored vocabularies differ from the backup's: {held} != {wanted}")
    finally:
        store.close()
