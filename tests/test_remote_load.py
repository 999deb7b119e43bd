"""`vocabserver load` into an empty remote engine (Oxigraph server, Virtuoso 7.2) fills it with the 16 bundled
vocabularies, checked and reported as on the embedded store: the same statistics, the same check report, the
same exported triples."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cli, stats_json
from tests.engines import started


def _sorted(reports: list[dict]) -> list[dict]:
    """The same findings, whatever order the engine's answers came in."""
    return [report | {"findings": sorted(({**f, "resources": sorted(f["resources"])} for f in report["findings"]),
                                         key=json.dumps)} for report in reports]


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_the_bundled_vocabularies_load_into_an_empty_engine_as_into_the_embedded_store(
        name, engines, loaded_dir, tmp_path):
    engine = started(engines, name)
    env = engine.env()
    loaded = cli("load", data_dir=tmp_path, env=env, timeout=600)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.count("loaded ") == 16 and " 0 errors" in loaded.stdout
    remote = json.loads(cli("stats", "--json", data_dir=tmp_path, env=env).stdout)
    reference = stats_json(loaded_dir)
    assert [v["id"] for v in remote] == [v["id"] for v in reference]
    for ours, theirs in zip(remote, reference):
        differ = {key for key in ours.keys() | theirs.keys() if ours.get(key) != theirs.get(key)}
        assert differ <= {"modified"}, {key: (ours.get(key), theirs.get(key)) for key in differ}  # when it was loaded
    ours = cli("check", "--json", data_dir=tmp_path, env=env)
    theirs = cli("check", "--json", data_dir=loaded_dir)
    assert ours.returncode == theirs.returncode
    assert _sorted(json.loads(ours.stdout)) == _sorted(json.loads(theirs.stdout))
    assert engine.count("http://vocab.test/graph/autr") == 167_512
