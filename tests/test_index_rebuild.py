"""A label index patched by a steady stream of changes is rebuilt anyway (a patched index grows with every
change), and the changes committed while the rebuild ran are in the rebuilt index: none is lost, and the stream
cannot keep the rebuild out. In process, over a real store; the rebuild is slowed down so changes land during it."""

from __future__ import annotations

import threading
import time

from .test_editing import E, make_engine


def test_a_rebuild_under_a_stream_of_edits_keeps_every_edit(tmp_path, monkeypatch):
    from vocabserver.changes import editing
    from vocabserver.index import holder as holder_module
    from vocabserver.index.label_index import LabelIndex
    from vocabserver.web import create_app

    monkeypatch.setattr(holder_module, "REBUILD_AFTER_PATCHES", 5)
    monkeypatch.setattr(holder_module, "REBUILD_WHEN_IDLE", 0.05)
    monkeypatch.setattr(holder_module, "REBUILD_WITHIN", 0.2)
    built = LabelIndex.build.__func__

    def slow_build(cls, store):
        index = built(cls, store)
        time.sleep(0.3)  # changes commit meanwhile
        return index

    monkeypatch.setattr(LabelIndex, "build", classmethod(slow_build))
    core = make_engine(tmp_path)
    client = create_app(core).test_client()
    labels: list[tuple[str, str]] = []
    stop = threading.Event()

    def stream():
        number = 0
        while not stop.is_set():
            uri = E + ("vase", "statue", "statuette")[number % 3]
            label = f"zqrebuild{number}x"
            core.writer.apply(editing.update(core.store, "objets", uri, {"altLabel": {"fr": [label]}}, "marie"))
            labels.append((uri, label))
            number += 1
            time.sleep(0.01)  # never idle for REBUILD_WHEN_IDLE

    thread = threading.Thread(target=stream)
    thread.start()
    deadline = time.monotonic() + 20
    while core.labels.rebuilds < 2 and time.monotonic() < deadline:
        time.sleep(0.05)
    stop.set()
    thread.join()
    assert core.labels.rebuilds >= 2, "no rebuild under a steady stream of edits"
    index = core.labels.current()
    assert index.stamp == core.store.modified()
    # Each concept's last label is found; the ones it replaced are not.
    last = {}
    for uri, label in labels:
        last[uri] = label
    for uri, label in labels:
        hits = client.get("/api/v1/autocomplete", query_string={"q": label}).json["results"]
        if last[uri] == label:
            assert [h["uri"] for h in hits] == [uri], label
        else:
            assert not hits, label
