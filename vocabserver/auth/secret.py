"""The key that signs session cookies: VOCABSERVER_SECRET_KEY when set (several servers behind one address
must share it), else made once and kept beside the store (`session.key`, readable by its owner only), so that
sign-ins survive a restart; in memory for a store in memory."""

from __future__ import annotations

import os
import secrets
from pathlib import Path

KEY_FILE = "session.key"


def session_key(folder: Path | None) -> str:
    given = os.environ.get("VOCABSERVER_SECRET_KEY", "")
    if given:
        return given
    if folder is None:
        return secrets.token_hex(32)
    path = folder / KEY_FILE
    try:
        return path.read_text(encoding="ascii").strip()
    except FileNotFoundError:
        pass
    key = secrets.token_hex(32)
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(descriptor, "w", encoding="ascii") as out:
        out.write(key + "\n")
    return key
