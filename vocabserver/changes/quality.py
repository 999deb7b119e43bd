"""The quality report of a stored vocabulary: its findings grouped by check, what a curator works through
after an import. Computed from the live graph with the load's own checks, once per store version."""

from __future__ import annotations

import threading

import pyoxigraph as ox

from vocabserver.changes.checks import ERROR, INFO, WARNING, run_checks
from vocabserver.store.embedded import VocabStore

_SEVERITY_ORDER = {ERROR: 0, WARNING: 1, INFO: 2}
_cache: dict[tuple[str, str], dict] = {}
_lock = threading.Lock()


def quality_report(store: VocabStore, vocab_id: str, per_check: int = 500) -> dict:
    """{"vocabulary", "policy", "modified", "counts": {severity: findings}, "checks": [{"check", "severity",
    "count", "findings": [{"message", "resources"}] (the first `per_check`)}]}, errors first."""
    info = store.info(vocab_id)
    key = (store.modified(), vocab_id)
    with _lock:
        if key in _cache:
            return _cache[key]
    report = run_checks(store, ox.NamedNode(info.graph), vocab_id, full=True)
    groups: dict[tuple[str, str], list] = {}
    for finding in report.findings:
        groups.setdefault((finding.severity, finding.check), []).append(finding)
    checks = [{"check": check, "severity": severity, "count": len(found),
               "findings": [{"message": f.message, "resources": f.resources} for f in found[:per_check]]}
              for (severity, check), found in sorted(groups.items(), key=lambda i: (_SEVERITY_ORDER[i[0][0]], i[0][1]))]
    result = {"vocabulary": vocab_id, "policy": info.policy, "modified": info.modified,
              "counts": {s: sum(g["count"] for g in checks if g["severity"] == s) for s in (ERROR, WARNING, INFO)},
              "depth": report.depth, "checks": checks}
    with _lock:
        for old in [k for k in _cache if k[0] != key[0]]:
            del _cache[old]  # another store version: those reports are stale
        _cache[key] = result
    return result
