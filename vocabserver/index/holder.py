"""The current label index of a store: read back from where it was saved, built when the store changed
under it, patched by each change before the change is visible (index/patch.py), rebuilt in the background
when writes pause."""

from __future__ import annotations

import copy
import gc
import threading
import time
from pathlib import Path

from vocabserver.index import build_process
from vocabserver.index.label_index import LabelIndex
from vocabserver.memory import release_freed_memory

REBUILD_AFTER_PATCHES = 200  # patched changes after which the holder rebuilds in the background…
REBUILD_WHEN_IDLE = 5.0  # …once no change has come for this many seconds,
REBUILD_WITHIN = 60.0  # or after this many seconds of a steady stream of changes (bench/bench_soak.py: one a second)


def index_path(store) -> Path | None:
    """Where the index of an on-disk store is saved: inside the store's folder (RocksDB ignores the file)."""
    folder = getattr(store, "local_dir", store.path)
    return Path(folder) / "label-index.pickle" if folder else None


class LabelIndexHolder:
    """The current index of a store, rebuilt when the store changes; persisted beside the store."""

    def __init__(self, store, cache_path: Path | None = None):
        self.store = store
        self.cache_path = cache_path
        self._index: LabelIndex | None = None
        self._lock = threading.Lock()
        self._patches = 0  # changes patched in since the last full build
        self._rebuilding = False
        self._last_patch = 0.0
        self.installed_at = 0.0  # time.time() of the last build, load or patch installed (the metrics' index age)
        # While a rebuild runs: the concepts each change touched since it started ({vocabulary: {URI}}), patched
        # into the rebuilt index before it is installed. `view_of(vocabulary)`: that vocabulary as the store holds
        # it now (the engine sets it: changes/validation.Overlay).
        self._since_build: dict[str, set[str]] | None = None
        self.view_of = None
        self.rebuilds = 0  # background rebuilds installed (/health)

    @property
    def ready(self) -> bool:
        return self._index is not None and self._index.stamp == self.store.modified()

    def prepare(self, stamp: str, parts: list):
        """Before a change commits: the index of the state after it (index/patch.py: each part is (vocabulary,
        touched URIs, would-be view)), and the function that installs it — called by the write path once the
        change is committed and before the new state's stamp is visible, so no reader pairs the new stamp with
        the old index. None when the current index is not of the state the change applies to, or when only a
        rebuild will do (then the next read rebuilds)."""
        index = self._index
        if index is None or index.stamp != self.store.modified():
            return None
        new = _patched(index, stamp, parts)
        if new is None:
            return None
        return lambda: self._install_patched(new, parts)

    def _install_patched(self, new: LabelIndex, parts: list) -> None:
        with self._lock:
            if self._since_build is not None:
                for vocab_id, uris, _view in parts:
                    self._since_build.setdefault(vocab_id, set()).update(uris)
            self._index = new
            self.installed_at = time.time()
            self._patches += 1
            self._last_patch = time.monotonic()
        if self._patches >= REBUILD_AFTER_PATCHES:
            self._rebuild_soon()

    def follow(self, old_stamp: str, stamp: str, parts: list | None) -> None:
        """Another node committed (changes/follow.py): the index of state `stamp`, patched from the one of
        `old_stamp` with `parts` (as `prepare`), installed before the store moves to `stamp`. None, or an index
        of another state: left to `current`, which rebuilds at the next lookup."""
        index = self._index
        if parts is None or index is None or index.stamp != old_stamp:
            return
        new = _patched(index, stamp, parts)
        if new is not None:
            self._install_patched(new, parts)

    def _rebuild_soon(self) -> None:
        """After many patches, rebuild in the background (exact ranking again, no dead entries: a patched index
        grows with every change) once writes pause for REBUILD_WHEN_IDLE seconds — a rebuild competes with writes
        for the interpreter — or, under a steady stream of changes, after REBUILD_WITHIN seconds; the patched
        index answers meanwhile. The changes committed while it was built are patched into it before it is
        installed, so a stream of writes cannot keep it out for ever."""
        if self._rebuilding:
            return
        self._rebuilding = True

        def run() -> None:
            asked = time.monotonic()
            try:
                while True:
                    time.sleep(REBUILD_WHEN_IDLE)
                    busy = time.monotonic() - self._last_patch < REBUILD_WHEN_IDLE
                    if busy and time.monotonic() - asked < REBUILD_WITHIN:
                        continue
                    with self._lock:
                        self._since_build = {}
                    index = build_process.build(self.store)
                    stamp = index.stamp
                    with self._lock:
                        touched, self._since_build = self._since_build, None
                        current = self._index
                        if index.stamp != stamp or current is None:
                            continue
                        if current.stamp != stamp:
                            index = self._caught_up(index, current.stamp, touched)
                            if index is None:
                                continue
                        self._install(index)
                        self._patches = 0
                        self.rebuilds += 1
                    self._save(index)
                    current = index = None  # the replaced index is gone: its memory can go back
                    release_freed_memory()
                    return
            finally:
                self._rebuilding = False
        threading.Thread(target=run, name="label-index-rebuild", daemon=True).start()

    def _caught_up(self, index: LabelIndex, stamp: str, touched: dict[str, set[str]]) -> LabelIndex | None:
        """The index built from an earlier state, with the concepts changed since read again (None: a rebuild
        again will do better — nothing recorded to patch with, or no view of the store to read them from)."""
        if not touched or self.view_of is None:
            return None
        parts = [(vocab_id, sorted(uris), self.view_of(vocab_id)) for vocab_id, uris in touched.items()]
        return _patched(index, stamp, parts)

    def _save(self, index: LabelIndex) -> None:
        if self.cache_path is not None:
            try:
                self.cache_path.parent.mkdir(parents=True, exist_ok=True)
                index.save(self.cache_path)
            except OSError:
                pass  # a read-only deployment builds in memory each start

    def open_saved(self) -> bool:
        """Read the saved index of the store's current state, if there is one (0.2 s at bundled size)."""
        if self.cache_path is None:
            return False
        with self._lock:
            index = LabelIndex.open(self.cache_path, self.store.modified())
            if index is not None:
                self._install(index)
        return index is not None

    def _install(self, index: LabelIndex) -> None:
        # The index lives until the next change: keep the collector from walking its millions of
        # objects (a full pass costs hundreds of milliseconds at 1.5 million labels).
        gc.freeze()
        self.installed_at = time.time()
        self._index = index
        threading.Thread(target=index.warm, name="label-index-warm", daemon=True).start()

    def current(self) -> LabelIndex:
        stamp = self.store.modified()
        index = self._index
        if index is not None and index.stamp == stamp:
            return index
        with self._lock:  # one build at a time; the others wait for it rather than build it again
            index = self._index
            if index is None or index.stamp != stamp:
                index = None
                if self.cache_path is not None:
                    index = LabelIndex.open(self.cache_path, stamp)
                if index is None:
                    index = LabelIndex.build(self.store)
                    self._save(index)
                self._install(index)
                self._patches = 0
            return index


def _patched(index: LabelIndex, stamp: str, parts: list) -> LabelIndex | None:
    """`index` patched with `parts` ((vocabulary, touched URIs, view) each) as the index of state `stamp`; None
    when only a rebuild will do."""
    from vocabserver.index.patch import patched  # imports this module

    index.concepts_of("")  # built on the installed index, so that every patch of it shares them
    if len(index.concept_vocab):
        index.narrower(0)
    new = copy.copy(index)  # a graph that is no vocabulary: the same labels, the new state's stamp
    new.stamp = stamp
    for vocab_id, uris, view in parts:
        new = patched(new, stamp, vocab_id, uris, view)
        if new is None:
            return None
    return new
