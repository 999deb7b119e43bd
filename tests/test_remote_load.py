"""`vocabserver load` into an empty remote engine (Oxigraph server, Virtuoso 7.2) fills it with the 16 bundled
vocabularies, checked and reported as on the embedded store: the same statistics, the same check report, the
same exported triples."""

from __future__ import annotations

import json

import pytest

from tests.conftest import cli, stats_json
from tests.engines import ENGINES
from tests.test_store_backends import engines  # noqa: F401 - the session's engines


@pytest.mark.parametrize("name", ["oxigraph", "virtuoso"])
def test_the_bundled_vocabularies_load_into_an_empty_engine_as_into_the_embedded_store(
        name, engines, loaded_dir, tmp_path):  # noqa: F811
    kind, binary = ENGINES[name]
    if binary() is None:
        pytest.skip(f"{name} is not installed (`make test` installs it: see the Makefile)")
    if name not in engines:
        engines[name] = kind()
    engine = engines[name]
    engine.clear()
    env = engine.env()
    loaded = cli("load", data_dir=tmp_path, env=env, timeout=600)
    assert loaded.returncode == 0, loaded.stderr
    assert loaded.stdout.count("loaded ") == 16 and " 0 errors" in loaded.stdout
    remote = json.loads(cli("stats", "--json", data_dir=tmp_path, env=env).stdout)
    assert remote == stats_json(loaded_dir)
    ours = cli("check", "--json", data_dir=tmp_path, env=env)
    reference = cli("check", "--json", data_dir=loaded_dir)
    assert ours.returncode == reference.returncode
    assert json.loads(ours.stdout) == json.loads(reference.stdout)
    assert engine.count("http://vocab.test/graph/autr") == 167_512
