"""Immutable views of an embedded store for the processes that only read it (`serve --workers N`, or read-only
servers beside `vocabserver load`).

pyoxigraph leaves a read-only open of a store another process writes undefined: the writer's compactions
delete files the reader has not opened yet. So, while readers are present, the writer publishes a RocksDB
checkpoint after each commit (hard links: milliseconds) in `<store>/.reader-views/`, names it in the commit
file, and readers open that checkpoint. A reader holds a shared lock on the view's `.hold` file while it (or
one of its SPARQL workers) has it open; the writer deletes a superseded view only when it can take that lock
exclusively, so no view disappears under a reader.
"""

from __future__ import annotations

import fcntl
import itertools
import os
import shutil
import time
from pathlib import Path
from typing import IO

VIEWS = ".reader-views"
KEEP_SECONDS = 5.0  # a superseded view stays this long at least: a reader may be about to open it


def publish(store, commit_file: Path) -> None:
    """Writer side: a checkpoint of the state just committed, then the commit file naming it (stamp, view)."""
    folder = Path(store.path) / VIEWS
    folder.mkdir(exist_ok=True)
    name = f"view-{time.time_ns()}-{next(_numbers)}"
    store.backup(folder / name)
    (folder / f"{name}.hold").touch()
    previous = named_view(Path(store.path), commit_file)
    if previous is not None:
        # Superseded now: kept KEEP_SECONDS from this moment (a reader may have just read its name).
        previous.with_name(previous.name + ".hold").touch()
    temporary = commit_file.with_name(f"{commit_file.name}.{os.getpid()}.tmp")
    temporary.write_text(f"{store.modified()}\n{name}\n", encoding="utf-8")
    temporary.replace(commit_file)  # atomic: a reader reads the old name or the new one
    collect(folder, keep=name)


_numbers = itertools.count(1)


def collect(folder: Path, keep: str = "") -> None:
    """Delete the views no reader holds, except `keep` and those superseded less than KEEP_SECONDS ago."""
    now = time.time()
    for hold in folder.glob("view-*.hold"):
        name = hold.name[:-len(".hold")]
        if name == keep:
            continue
        try:
            if now - hold.stat().st_mtime < KEEP_SECONDS:
                continue
            with open(hold, "rb") as lock_file:
                try:
                    fcntl.flock(lock_file, fcntl.LOCK_EX | fcntl.LOCK_NB)
                except BlockingIOError:
                    continue  # a reader has it open
                shutil.rmtree(folder / name, ignore_errors=True)
                hold.unlink(missing_ok=True)
        except OSError:
            continue


def named_view(store_dir: Path, commit_file: Path) -> Path | None:
    """Reader side: the view the commit file names, if it still exists (else the store directory is read)."""
    try:
        lines = commit_file.read_text(encoding="utf-8").splitlines()
    except OSError:
        return None
    if len(lines) < 2 or not lines[1].startswith("view-"):
        return None
    view = store_dir / VIEWS / lines[1]
    return view if (view / "CURRENT").exists() else None


def hold(view: Path) -> IO | None:
    """A shared lock on a view while it is open (None for the store directory itself)."""
    if view.parent.name != VIEWS:
        return None
    try:
        lock_file = open(view.with_name(view.name + ".hold"), "rb")
    except OSError:
        return None
    try:
        fcntl.flock(lock_file, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError:
        lock_file.close()
        return None
    return lock_file


def remove_all(store_dir: Path) -> None:
    """A writer starting: views of an earlier run that no reader holds are deleted."""
    folder = store_dir / VIEWS
    if folder.exists():
        collect(folder)
