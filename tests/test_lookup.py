"""The label index on the real bundled vocabularies: folding, matching, ranking, filters, freshness."""

from __future__ import annotations


import pytest

from vocabserver.index.folding import fold, primary_language
from vocabserver.index.holder import LabelIndexHolder, index_path
from vocabserver.index.label_index import LabelIndex, QueryError
from vocabserver.changes.loading import load_bundled, load_file
from vocabserver.store.embedded import VocabStore

from .conftest import BASE


@pytest.fixture(scope="module")
def store(loaded_dir):
    opened = VocabStore(loaded_dir, BASE, read_only=True)
    yield opened
    opened.close()


@pytest.fixture(scope="module")
def index(store) -> LabelIndex:
    return LabelIndex.build(store)


def labels(index: LabelIndex, query: str, **kwargs) -> list[tuple[str, str, str]]:
    """(matched label, preferred label, vocabulary) of each hit."""
    hits, _ = index.search(query, limit=kwargs.pop("limit", 50), **kwargs)
    return [(index.label_text[h.label], index.label_of(h.concept)[0], index.vocab_of(h.concept)) for h in hits]


@pytest.mark.parametrize("typed, key", [
    ("Œuvre", "oeuvre"), ("œuvre", "oeuvre"), ("ÉPÉE", "epee"), ("L’Arc-en-ciel", "l arc en ciel"),
    ("l'arc  en\u00a0ciel", "l arc en ciel"), ("ʼabc", "abc"), ("Straße", "strasse"), ("ﬁbule", "fibule"),
    ("« vase »", "vase"), ("", ""), ("!!!", ""), ("a\u0301", "a"),
])
def test_folding(typed, key):
    assert fold(typed) == key


def test_languages_fr_and_fr_FR_are_one():
    assert primary_language("fr-FR") == primary_language("FR") == primary_language("fr") == "fr"


def test_epee_finds_epee_first_and_homonyms_have_distinct_paths(index):
    hits, _ = index.search("epee", limit=5)
    first = [h for h in hits if h.exact]
    assert {index.vocab_of(h.concept) for h in first} == {"deno", "repr"}
    assert all(index.label_of(h.concept)[0] == "épée" for h in first)
    assert hits[0].exact and hits[1].exact  # exact matches before any prefix match
    paths = {index.vocab_of(h.concept): [step["prefLabel"] for step in index.path(h.concept)] for h in first}
    assert paths["deno"] == []  # a top concept of DENO
    assert paths["repr"][:2] == ["armement-vie militaire", "armement"] and paths["repr"][-1] == "arme de main"


def test_ligatures_meet(index):
    assert labels(index, "oeuvre") == labels(index, "œuvre") == labels(index, "Œuvre")
    assert labels(index, "oeuvre")  # and they find something


def test_every_word_must_start_a_word_in_any_order(index):
    found = labels(index, "lampe huile")
    assert ("lampe à huile", "lampe à huile", "repr") in found
    assert labels(index, "huile lampe") == found
    assert all("lampe" in fold(m) and "huile" in fold(m) for m, _, _ in found)
    assert labels(index, "lampe zzzz") == []


def test_word_starts_only(index):
    found = [m for m, _, _ in labels(index, "toile", limit=100)]
    assert "armure toile" in found  # at the start of a word inside the label
    assert not any(fold(m).startswith("etoile") for m in found)  # "étoile" does not contain the word "toile"


def test_an_altlabel_hit_returns_its_preferred_concept(index):
    hits, _ = index.search("toile d'araignee", vocabularies=["tech"], limit=3)
    hit = hits[0]
    record = index.record(hit.concept, "fr", hit.label)
    assert record["matchedLabel"] == "toile d'araignée" and record["matchedKind"] == "altLabel"
    assert record["prefLabel"] == "fil d'araignée"


def test_ranking_exact_then_preferred_prefix_then_shorter(index):
    found = labels(index, "vase", vocabularies=["deno"], limit=10)
    assert found[0][0] == "vase"
    starts = [m for m, _, _ in found[1:] if fold(m).startswith("vase")]
    assert [len(m) for m in starts] == sorted(len(m) for m in starts)


def test_one_result_per_concept(index):
    hits, _ = index.search("a", limit=200)
    assert len({h.concept for h in hits}) == len(hits) == 200


def test_vocabulary_filters(index):
    assert {v for _, _, v in labels(index, "epee", vocabularies=["deno"])} == {"deno"}
    assert {v for _, _, v in labels(index, "epee", vocabularies=["deno", "repr"])} == {"deno", "repr"}
    with pytest.raises(QueryError, match="unknown vocabulary"):
        index.search("epee", vocabularies=["nope"])


def test_language_filter(index):
    assert labels(index, "epee", lang="fr-FR") == labels(index, "epee", lang="fr")
    assert labels(index, "epee", lang="en") == []  # the lexicons are French only


def test_under_a_concept(index):
    sword = index.lookup("épée", vocabularies=["deno"])[0].concept
    found = labels(index, "epee", under=index.uris[sword])
    assert found and all(v == "deno" for _, _, v in found)
    assert "épée" not in [p for _, p, _ in found]  # narrower concepts only
    assert "épée-baïonnette" in [p for _, p, _ in found]
    with pytest.raises(QueryError, match="unknown concept"):
        index.search("epee", under="http://nowhere.test/x")


def test_paging_and_total(index):
    first, total = index.search("arc", limit=10, count=True)
    second, _ = index.search("arc", limit=10, offset=10)
    both, _ = index.search("arc", limit=20)
    assert [h.concept for h in first + second] == [h.concept for h in both]
    everything, _ = index.search("arc", limit=10_000)
    assert total == len(everything) > 20


def test_queries_that_match_nothing_or_everything(index):
    assert index.search("", limit=10) == ([], None)
    assert index.search("   '-  ", limit=10, count=True) == ([], 0)
    assert len(index.search("e", limit=10)[0]) == 10
    assert index.search("x" * 10_000, limit=10)[0] == []


def test_exact_lookup(index):
    hits = index.lookup("EPEE")
    assert {index.vocab_of(h.concept) for h in hits} == {"deno", "repr"}
    assert index.lookup("épée, ") == index.lookup("epee")  # punctuation aside
    assert index.lookup("épé") == []  # whole labels only
    alt = index.lookup("toile d'araignée", vocabularies=["tech"])
    assert index.label_of(alt[0].concept)[0] == "fil d'araignée"


def test_guide_terms_are_flagged(index):
    hits = index.lookup("portraits", vocabularies=["repr"])
    assert hits and index.record(hits[0].concept)["guideTerm"] is True
    assert index.record(index.lookup("épée", vocabularies=["deno"])[0].concept)["guideTerm"] is False


def test_polyhierarchy_paths(index):
    abrase = index.lookup("abrasé", vocabularies=["tech"])[0].concept
    paths = index.paths(abrase)
    assert len(paths) == 4  # TECH repeats each technique under every family of material
    assert len({tuple(step["uri"] for step in path) for path in paths}) == 4


def test_alphabetical_index(index):
    letters = index.letters("autr")
    assert letters[:2] == ["0-9", "A"] and "Z" in letters
    page, total = index.index_entries("autr", "B", limit=50)
    second, _ = index.index_entries("autr", "B", limit=50, offset=50)
    texts = [fold(index.label_text[i]) for i in page + second]
    assert total > 1000 and texts == sorted(texts) and all(t.startswith("b") for t in texts)
    with pytest.raises(QueryError):
        index.index_entries("autr", "BC")


def test_wildcard_semantics(index):
    prefix, _ = index.wildcard("epee*", vocabularies=["deno"])
    assert all(fold(index.label_text[h.label]).startswith("epee") for h in prefix) and len(prefix) >= 3
    exact, _ = index.wildcard("Epee", vocabularies=["deno"])
    assert [index.label_text[h.label] for h in exact] == ["épée"]
    inner, total = index.wildcard("*baionnette*", vocabularies=["deno"])
    assert "épée-baïonnette" in [index.label_text[h.label] for h in inner] and total == len(inner)
    with pytest.raises(QueryError):
        index.wildcard("**")


def test_saved_index_is_reused_only_for_the_same_store_state(store, index, tmp_path):
    path = tmp_path / "labels.pickle"
    index.save(path)
    reopened = LabelIndex.open(path, store.modified())
    assert reopened is not None and reopened.loaded_from == "file"
    assert labels(reopened, "epee") == labels(index, "epee")
    assert LabelIndex.open(path, "another state") is None
    path.write_bytes(b"not a pickle")
    assert LabelIndex.open(path, store.modified()) is None


def test_cli_load_saves_the_index_beside_the_store(loaded_dir, store):
    saved = index_path(store)
    assert saved is not None and saved.exists()
    assert LabelIndex.open(saved, store.modified()) is not None


DEPRECATED_TTL = """
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix owl: <http://www.w3.org/2002/07/owl#> .
@prefix dct: <http://purl.org/dc/terms/> .
<http://ex.test/s> a skos:ConceptScheme ; skos:prefLabel "Essai"@fr ; skos:hasTopConcept <http://ex.test/a>, <http://ex.test/b> .
<http://ex.test/a> a skos:Concept ; skos:inScheme <http://ex.test/s> ; skos:topConceptOf <http://ex.test/s> ;
    skos:prefLabel "Zéphyrine ancienne"@fr ; owl:deprecated true ; dct:isReplacedBy <http://ex.test/b> .
<http://ex.test/b> a skos:Concept ; skos:inScheme <http://ex.test/s> ; skos:topConceptOf <http://ex.test/s> ;
    skos:prefLabel "Zéphyrine"@fr-FR ; skos:prefLabel "Zephyrina"@en ; skos:hiddenLabel "zefirine"@fr .
"""


def test_index_follows_the_store_without_restart(tmp_path):
    """A load changes the store: the holder serves a new index on the next request."""
    vocab_store = VocabStore(tmp_path / "store", BASE)
    try:
        load_bundled(vocab_store, ["gene"])
        holder = LabelIndexHolder(vocab_store, index_path(vocab_store))
        before = holder.current()
        assert before.search("zephyrine")[0] == []
        source = tmp_path / "essai.ttl"
        source.write_text(DEPRECATED_TTL, encoding="utf-8")
        load_file(vocab_store, source, "essai", None, False, True)
        after = holder.current()
        assert after is not before and after.stamp == vocab_store.modified()
        hits, _ = after.search("zephyrine")
        assert [after.label_of(h.concept)[0] for h in hits] == ["Zéphyrine"]  # the deprecated one is left out
        with_deprecated, _ = after.search("zephyrine", deprecated=True)
        assert len(with_deprecated) == 2
        assert after.lookup("ZEFIRINE")[0].concept == hits[0].concept  # hiddenLabel: found, never shown
        assert after.label_of(hits[0].concept, "en")[0] == "Zephyrina"
        assert after.label_of(hits[0].concept, "fr")[0] == "Zéphyrine"  # fr-FR is fr
        assert LabelIndex.open(index_path(vocab_store), vocab_store.modified()) is not None
    finally:
        vocab_store.close()


def test_api_answers_follow_the_store_without_restart(tmp_path):
    """Over real HTTP, in the server's own process: a load changes the answers at once (answer cache and
    label index both follow the store's state)."""
    import threading

    import requests
    from werkzeug.serving import make_server

    from vocabserver.config import Settings
    from vocabserver.web import create_app

    from .conftest import free_port

    vocab_store = VocabStore(tmp_path / "store", BASE)
    load_bundled(vocab_store, ["gene"])
    app = create_app(Settings(tmp_path / "store", BASE, BASE, sparql_isolation="thread", sparql_workers=1),
                     store=vocab_store)
    port = free_port()
    server = make_server("127.0.0.1", port, app, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        url = f"http://127.0.0.1:{port}/api/v1/autocomplete?q=zephyrine"
        assert requests.get(url, timeout=30).json()["results"] == []
        assert requests.get(url, timeout=30).json()["results"] == []  # now from the answer cache
        source = tmp_path / "essai.ttl"
        source.write_text(DEPRECATED_TTL, encoding="utf-8")
        load_file(vocab_store, source, "essai", None, False, True)
        results = requests.get(url, timeout=30).json()["results"]
        assert [r["prefLabel"] for r in results] == ["Zéphyrine"] and results[0]["vocab"] == "essai"
    finally:
        server.shutdown()
        vocab_store.close()


def test_answer_cache_is_bounded_and_tied_to_the_store_state():
    from vocabserver.web.caching import AnswerCache

    cache = AnswerCache(2)
    cache.put("s1", "a", b"1")
    cache.put("s1", "b", b"2")
    assert cache.get("s1", "a") == b"1"
    cache.put("s1", "c", b"3")  # "b" was the least recently used
    assert cache.get("s1", "b") is None and cache.get("s1", "c") == b"3"
    assert cache.get("s2", "a") is None and cache.get("s1", "a") is None  # a new state empties it
    off = AnswerCache(0)
    off.put("s1", "a", b"1")
    assert off.get("s1", "a") is None
