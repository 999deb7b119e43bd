"""Deployment settings: options win over environment variables, which win over defaults."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

from vocabserver.store.remote import RemoteSettings

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_DATA_DIR = "vocabserver-data"  # inside the working directory


class ConfigError(ValueError):
    pass


def normalise_base_uri(value: str) -> str:
    parts = urlsplit(value)
    if parts.scheme not in ("http", "https") or not parts.netloc or parts.query or parts.fragment:
        raise ConfigError(f"base URI must be an absolute http(s) URI without query or fragment: {value!r}")
    # Minted IRIs are resolved against it as relative references: it must end with "/".
    return value if value.endswith("/") else value + "/"


def _env_number(name: str, default: float, kind=float, allow_zero: bool = False):
    raw = os.environ.get(name)
    if raw is None or raw == "":
        return default
    try:
        value = kind(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a number, not {raw!r}") from None
    if value < 0 or (value == 0 and not allow_zero):
        raise ConfigError(f"{name} must be {'zero or ' if allow_zero else ''}positive, not {raw!r}")
    return value


def _choice(name: str, choices: tuple[str, ...]) -> str:
    value = os.environ.get(name) or choices[0]
    if value not in choices:
        raise ConfigError(f"{name} must be one of {', '.join(choices)}, not {value!r}")
    return value


@dataclass(frozen=True)
class Settings:
    data_dir: Path
    base_uri: str | None  # None: not configured; a store keeps the base it was loaded with
    default_base_uri: str
    sparql_timeout: float = 10.0
    sparql_max_rows: int = 10_000
    sparql_workers: int = 2
    cache_control: str = "public, max-age=300"
    read_only: bool = False  # open the store read-only: several server processes may share it
    sparql_isolation: str = "process"  # or "thread": faster, but a runaway query keeps a CPU until it ends
    answer_cache: int = 10_000  # lookup answers kept per process (0: none)
    sparql_memory_mb: int = 2048  # address space of one SPARQL worker process (0: no cap)
    sparql_max_query: int = 65_536  # characters of one query
    sparql_max_depth: int = 128  # nested brackets in one query
    max_request_bytes: int = 1_048_576  # body of one HTTP request (forms, queries)
    session_hours: float = 12.0  # how long a sign-in to the pages lasts
    jobs_max: int = 8  # validation jobs queued or running, in all
    jobs_per_client: int = 2  # of one client (a token, a user, or an address without an account)
    jobs_queue_mb: int = 256  # megabytes of files waiting to be checked, in all
    jobs_anonymous: bool = True  # whether a caller without an account may start jobs
    load_limits: "LoadLimits" = None  # type: ignore[assignment]
    # A remote SPARQL 1.1 store (VOCABSERVER_STORE_QUERY_URL…, store/remote.py) instead of the embedded one.
    remote: "RemoteSettings | None" = None
    # The accounts database (users, tokens, sessions, proposals…): PostgreSQL for nodes on several machines;
    # empty: accounts.sqlite3 in the data directory.
    database_url: str = ""
    front_cache_mb: int = 64  # encoded answers kept per process (web/front_cache.py; 0: none)
    access_log: str = "-"  # one JSON line per request: "-" standard error, "off", or a file
    metrics_public: bool = False  # /metrics without an admin token (a scraper on a private network)
    writer_socket: str = ""  # a worker of `serve --workers N`: the writer's socket, where writes go (web/forward.py)

    def __post_init__(self):
        if self.load_limits is None:
            object.__setattr__(self, "load_limits", LoadLimits())

    @classmethod
    def load(cls, data_dir: str | os.PathLike | None = None, base_uri: str | None = None,
             port: int | None = None) -> "Settings":
        data = data_dir or os.environ.get("VOCABSERVER_DATA_DIR") or DEFAULT_DATA_DIR
        base = base_uri or os.environ.get("VOCABSERVER_BASE_URI")
        default = f"http://localhost:{port or DEFAULT_PORT}/"
        return cls(
            Path(data).resolve(), normalise_base_uri(base) if base else None, default,
            sparql_timeout=_env_number("VOCABSERVER_SPARQL_TIMEOUT", 10.0),
            sparql_max_rows=_env_number("VOCABSERVER_SPARQL_MAX_ROWS", 10_000, int),
            sparql_workers=_env_number("VOCABSERVER_SPARQL_WORKERS", 2, int),
            cache_control=os.environ.get("VOCABSERVER_CACHE_CONTROL") or "public, max-age=300",
            read_only=os.environ.get("VOCABSERVER_READ_ONLY", "").lower() in ("1", "true", "yes"),
            sparql_isolation=_choice("VOCABSERVER_SPARQL_ISOLATION", ("process", "thread")),
            answer_cache=_env_number("VOCABSERVER_ANSWER_CACHE", 10_000, int, allow_zero=True),
            sparql_memory_mb=_env_number("VOCABSERVER_SPARQL_MEMORY", 2048, int, allow_zero=True),
            sparql_max_query=_env_number("VOCABSERVER_SPARQL_MAX_QUERY", 65_536, int),
            sparql_max_depth=_env_number("VOCABSERVER_SPARQL_MAX_DEPTH", 128, int),
            max_request_bytes=_env_number("VOCABSERVER_MAX_REQUEST", 1_048_576, int),
            session_hours=_env_number("VOCABSERVER_SESSION_HOURS", 12.0),
            jobs_max=_env_number("VOCABSERVER_JOBS_MAX", 8, int),
            jobs_per_client=_env_number("VOCABSERVER_JOBS_PER_CLIENT", 2, int),
            jobs_queue_mb=_env_number("VOCABSERVER_JOBS_QUEUE_MB", 256, int),
            jobs_anonymous=os.environ.get("VOCABSERVER_JOBS_ANONYMOUS", "1").lower() not in ("0", "false", "no"),
            load_limits=LoadLimits.from_environment(),
            remote=RemoteSettings.from_environment(),
            database_url=os.environ.get("VOCABSERVER_DATABASE_URL", "").strip(),
            front_cache_mb=_env_number("VOCABSERVER_FRONT_CACHE_MB", 64, int, allow_zero=True),
            access_log=os.environ.get("VOCABSERVER_ACCESS_LOG", "-").strip(),
            metrics_public=os.environ.get("VOCABSERVER_METRICS_PUBLIC", "").lower() in ("1", "true", "yes"),
            writer_socket=os.environ.get("VOCABSERVER_WRITER_SOCKET", "").strip(),
        )


@dataclass(frozen=True)
class LoadLimits:
    """Bounds of one load, so that a hostile or broken file cannot exhaust the machine."""
    max_bytes: int = 268_435_456  # decompressed size of one file (256 MiB)
    max_triples: int = 3_000_000  # triples of one file

    @classmethod
    def from_environment(cls) -> "LoadLimits":
        return cls(_env_number("VOCABSERVER_MAX_LOAD_BYTES", cls.max_bytes, int),
                   _env_number("VOCABSERVER_MAX_LOAD_TRIPLES", cls.max_triples, int))
