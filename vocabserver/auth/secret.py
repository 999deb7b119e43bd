"""The key that signs session cookies: VOCABSERVER_SECRET_KEY when set (several servers behind one address
must share it), else made once and kept beside the store (`session.key`, readable by its owner only), so that
sign-ins survive a restart; in memory for a store in memory."""

from __future__ import annotations

import logging
import os
import secrets
import time
from pathlib import Path

KEY_FILE = "session.key"
log = logging.getLogger(__name__)


def session_key(folder: Path | None, database=None) -> str:
    """`database`: the accounts database; when it is PostgreSQL (nodes on several machines) the key is kept there."""
    given = os.environ.get("VOCABSERVER_SECRET_KEY", "")
    if given:
        return given
    if database is not None and database.url:
        return database.shared_secret("session")
    if folder is None:
        return secrets.token_hex(32)
    path = folder / KEY_FILE
    for _ in range(50):  # several worker processes may start at once: one writes, the others read it
        try:
            key = path.read_text(encoding="ascii").strip()
            if key:
                return key
            time.sleep(0.02)  # being written by another process
            continue
        except FileNotFoundError:
            pass
        except OSError as exc:
            return _unshared(path, exc)
        key = secrets.token_hex(32)
        try:
            descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            continue
        except OSError as exc:  # a read-only folder
            return _unshared(path, exc)
        with os.fdopen(descriptor, "w", encoding="ascii") as out:
            out.write(key + "\n")
        return key
    return _unshared(path, TimeoutError("the key file stayed empty"))


def _unshared(path: Path, exc: Exception) -> str:
    log.warning("cannot keep the session key in %s (%s): sign-ins last until this process stops and are not "
                "shared with other processes; set VOCABSERVER_SECRET_KEY", path, exc)
    return secrets.token_hex(32)
