"""The engine: one object built once by the CLI and by wsgi.py, handed to the web factory, which only wires.

It holds the store (the backend seam), the events a commit announces, the write path (changes.writer), the
label index, the SPARQL service, the users and the API tokens. Building it opens the store; `start()` starts what runs
in the background (the label index build, the SPARQL workers), so tests can build an engine cheaply.
"""

from __future__ import annotations

import threading
from pathlib import Path

from vocabserver.auth.database import ACCOUNTS_FILE, Database
from vocabserver.auth.privacy import Privacy
from vocabserver.auth.tokens import Tokens
from vocabserver.auth.users import Users
from vocabserver.changes.proposals import Proposals
from vocabserver.changes.follow import ChangeFollower
from vocabserver.changes.validation import Overlay
from vocabserver.changes.writer import Writer
from vocabserver.sparql.remote import RemoteEvaluator
from vocabserver.config import Settings
from vocabserver.index.holder import LabelIndexHolder, index_path
from vocabserver.sparql.pool import EvaluatorPool
from vocabserver.sparql.threads import ThreadEvaluator
from vocabserver.store.sources import Checkpoints, source_factory
from vocabserver.sparql.service import Limits, SparqlService
from vocabserver.store.embedded import VocabStore
from vocabserver.store.events import Events


def open_store(settings: Settings, read_only: bool | None = None) -> VocabStore:
    """The store the settings name: embedded in the data directory, or remote (VOCABSERVER_STORE_QUERY_URL…)."""
    return VocabStore(settings.data_dir, settings.base_uri,
                      read_only=settings.read_only if read_only is None else read_only,
                      default_base_uri=settings.default_base_uri, remote=settings.remote)


class Core:
    def __init__(self, settings: Settings, store: VocabStore | None = None):
        self.settings = settings
        self.store = store or open_store(settings)
        self.events = Events()
        self.writer = Writer(self.store, self.events)
        self.labels = LabelIndexHolder(self.store, index_path(self.store))
        self.writer.followers.append(self.labels)  # each commit patches the index before readers see it
        # How a background rebuild reads the concepts changed while it ran (index/holder.py).
        self.labels.view_of = lambda vocab_id: Overlay(self.store, self.store.graph_iri(vocab_id))
        local = self.store.local_dir
        self.accounts = Database(Path(local) / ACCOUNTS_FILE if local else None, settings.database_url)
        self.tokens = Tokens(self.accounts)
        self.users = Users(self.accounts)
        self.privacy = Privacy(self.accounts)
        self.proposals = Proposals(self.accounts, self.store, self.writer)
        limits = Limits(settings.sparql_timeout, settings.sparql_max_rows, settings.sparql_workers,
                        settings.sparql_memory_mb, settings.sparql_max_query, settings.sparql_max_depth)
        self.follower = None
        self._following = threading.Lock()
        if self.store.read_only and self.store.path is not None:
            # A process reading an embedded store another process writes (`serve --workers N`): it reopens the
            # writer's view at each commit and patches its label index from the change log (`current_stamp`).
            self.follower = ChangeFollower(self.store, self.writer, self.labels, self.events)
        if self.store.shared:
            # Other nodes write the same store: follow its change log; SPARQL is the engine's (forwarded).
            self.follower = ChangeFollower(self.store, self.writer, self.labels, self.events)
            self.writer.follower = self.follower
            evaluator = RemoteEvaluator(self.store, limits.workers * 4)
        elif settings.sparql_isolation == "thread":
            evaluator = ThreadEvaluator(limits.workers, self.store)
        else:
            evaluator = EvaluatorPool(limits.workers, source_factory(self.store), memory_mb=limits.memory_mb,
                                      remove=Checkpoints.remove)
        self.sparql = SparqlService(self.store, evaluator, limits)
        self.events.subscribe(self.sparql.on_change)

    def start(self) -> "Core":
        """Read the saved label index of this state, or build it off the start-up path (a lookup arriving
        first waits for it). The saved index is read before the SPARQL workers compete for the CPU."""
        if self.follower is not None and self.store.shared:
            self.follower.start()
        elif self.follower is not None:
            self.follower.seen = self.writer.history.next_number() - 1
        if not self.labels.open_saved():
            threading.Thread(target=self.labels.current, name="label-index", daemon=True).start()
        return self

    def current_stamp(self) -> str:
        """The store state this process answers from, before each request: a read-only process first follows
        the writer's commits (one stat; on a commit, the new view is opened and the index patched), so an edit
        acknowledged by the writer is seen by the next request whatever process answers it."""
        store = self.store
        if store.read_only and store.path is not None:
            with self._following:
                if store.follow_commits(every=0, move=False):
                    self.follower.catch_up()
        return store.modified()
