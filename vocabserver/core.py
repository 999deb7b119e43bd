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
        local = self.store.local_dir
        self.accounts = Database(Path(local) / ACCOUNTS_FILE if local else None, settings.database_url)
        self.tokens = Tokens(self.accounts)
        self.users = Users(self.accounts)
        self.privacy = Privacy(self.accounts)
        self.proposals = Proposals(self.accounts, self.store, self.writer)
        limits = Limits(settings.sparql_timeout, settings.sparql_max_rows, settings.sparql_workers,
                        settings.sparql_memory_mb, settings.sparql_max_query, settings.sparql_max_depth)
        self.follower = None
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
        if self.follower is not None:
            self.follower.start()
        if not self.labels.open_saved():
            threading.Thread(target=self.labels.current, name="label-index", daemon=True).start()
        return self
