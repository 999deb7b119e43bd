"""A background rebuild of the label index in a process of its own.

Building the index allocates several times what the index keeps (at bundled size: about 170 MB above the
finished index), and a long-running server never gives that memory back to the system: each rebuild in the
server's own process raised its resident size by about 250 MB for good (bench/bench_soak.py). The child
process builds from an immutable view of the store — the view a read-only worker has open (held while the
child reads it), or a checkpoint of the writer's store — saves the index, and exits; the server reads the file
back (0.2 s at bundled size, only the index's own memory).
"""

from __future__ import annotations

import multiprocessing
import shutil
import tempfile
from pathlib import Path

from vocabserver.index.label_index import LabelIndex


def _child(source: str, base_uri: str, target: str) -> None:  # runs in the child process
    from vocabserver.store.embedded import VocabStore

    store = VocabStore(Path(source), base_uri, read_only=True)
    try:
        LabelIndex.build(store).save(Path(target))
    finally:
        store.close()


def build(store, timeout: float = 900.0) -> LabelIndex:
    """The index of the store's current state (or of a later one), built in a child process when the store is
    on disk; in this process otherwise (a store in memory, a remote store)."""
    if store.path is None or store.remote is not None:
        return LabelIndex.build(store)
    from vocabserver.store import reader_views

    folder = Path(tempfile.mkdtemp(prefix="vocabserver-index-", dir=store.path))
    held = None
    try:
        if store.read_only:
            source = Path(store.view_path)
            held = reader_views.hold(source)  # kept on disk while the child reads it
        else:
            source = folder / "checkpoint"
            store.backup(source)
        target = folder / "index.pickle"
        context = multiprocessing.get_context("spawn")
        child = context.Process(target=_child, args=(str(source), store.base_uri, str(target)),
                                name="label-index-build", daemon=True)
        child.start()
        child.join(timeout)
        if child.is_alive():
            child.kill()
            child.join()
        index = LabelIndex.open(target, None) if child.exitcode == 0 else None
        if index is None:
            return LabelIndex.build(store)  # the child failed: the memory cost is better than no rebuild
        index.loaded_from = "build process"
        return index
    finally:
        if held is not None:
            held.close()
        shutil.rmtree(folder, ignore_errors=True)
