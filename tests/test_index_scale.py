"""The index at larger sizes: the FAISS type follows the collection size, IVF keeps
recall against exact search, an IVF index is retrained when the collection has
outgrown it, and BM25 leaves out the commonest terms of a question in a large index.

The vectors here are synthetic (clustered, like text embeddings), the index is the
real SQLite + FAISS one; embedding is not under test."""
from __future__ import annotations

import numpy as np
import pytest

from assistant.fusion import POSTINGS_BUDGET, bm25_terms
from assistant.store import vectors as vectors_mod
from assistant.store.folder import FolderStore
from assistant.store.vectors import ivf_lists
from assistant.types import DocumentMeta, LoadedDocument, Page, Passage

DIM = 32


def _clustered(n: int, rng: np.random.Generator, centres: np.ndarray) -> np.ndarray:
    v = centres[rng.integers(0, len(centres), n)] + rng.normal(0, 0.35, (n, DIM))
    v = v.astype(np.float32)
    return v / np.linalg.norm(v, axis=1, keepdims=True)


def _add(index: FolderStore, start: int, vecs: np.ndarray, per_doc: int = 500) -> None:
    with index.write_lock():
        for s in range(0, len(vecs), per_doc):
            part = vecs[s : s + per_doc]
            texts = [f"passage {start + s + i}" for i in range(len(part))]
            doc = LoadedDocument(source=f"doc-{start + s}.txt", path="", sha256=str(start + s), pages=[Page(1, "")],
                                 meta=DocumentMeta(title=f"doc {start + s}"), media_type="text/plain")
            passages = [Passage(text=t, page=1, page_end=1, ordinal=i) for i, t in enumerate(texts)]
            index.put_document(doc, passages, part, texts)
        index.sync_vectors()


@pytest.fixture
def small_limits(monkeypatch):
    monkeypatch.setattr(vectors_mod, "FLAT_LIMIT", 2_000)


def test_faiss_type_follows_size_and_ivf_keeps_recall(tmp_path, small_limits, monkeypatch):
    import faiss

    rng = np.random.default_rng(7)
    centres = rng.normal(0, 1, (60, DIM))
    index = FolderStore(tmp_path / "idx", model_id="synthetic", dim=DIM, create=True)
    _add(index, 0, _clustered(1_500, rng, centres))
    assert isinstance(faiss.downcast_index(index.faiss_index().index), faiss.IndexFlat)

    _add(index, 1_500, _clustered(2_500, rng, centres))  # 4,000 > FLAT_LIMIT: IVF from now on
    base = faiss.downcast_index(index.faiss_index().index)
    assert isinstance(base, faiss.IndexIVFFlat) and base.nlist == ivf_lists(4_000)
    assert index.faiss_index().ntotal == 4_000

    ids, vecs = index.all_vectors()
    exact = faiss.IndexFlatIP(DIM)
    exact.add(vecs)
    queries = _clustered(50, rng, centres)
    _, want = exact.search(queries, 10)
    got = got_unfiltered = [[pid for pid, _ in index.dense_search(q, 10)] for q in queries]
    recall = np.mean([len(set(ids[w]) & set(g)) / 10 for w, g in zip(want, got)])
    assert recall >= 0.98, recall

    # a filter (documents / dates) still applies on the IVF index
    # (more lists are probed, so the filtered results are as good as the unfiltered ones)
    allowed = ids[:700]
    sub = faiss.IndexFlatIP(DIM)
    sub.add(vecs[:700])
    _, want = sub.search(queries, 10)
    got = [[pid for pid, _ in index.dense_search(q, 10, allowed)] for q in queries]
    assert all(set(g) <= set(allowed.tolist()) for g in got)
    recall = np.mean([len(set(ids[w]) & set(g)) / 10 for w, g in zip(want, got)])
    assert recall >= 0.98, recall

    # a question searches on one OpenMP thread and gives the thread's setting back
    seen = []
    search = vectors_mod.search_faiss

    def watched(*args):
        seen.append(faiss.omp_get_max_threads())
        return search(*args)

    monkeypatch.setattr(vectors_mod, "search_faiss", watched)
    threads = faiss.omp_get_max_threads()
    faiss.omp_set_num_threads(2)
    try:
        assert [pid for pid, _ in index.dense_search(queries[0], 10)] == got_unfiltered[0]
        assert seen == [1] and faiss.omp_get_max_threads() == 2
    finally:
        faiss.omp_set_num_threads(threads)


def test_ivf_is_updated_in_place_then_retrained_when_outgrown(tmp_path, small_limits):
    import faiss

    rng = np.random.default_rng(8)
    centres = rng.normal(0, 1, (40, DIM))
    index = FolderStore(tmp_path / "idx", model_id="synthetic", dim=DIM, create=True)
    _add(index, 0, _clustered(2_500, rng, centres))
    first = faiss.downcast_index(index.faiss_index().index)
    assert first.nlist == ivf_lists(2_500)

    _add(index, 2_500, _clustered(500, rng, centres))  # a few more: added to the trained index
    assert faiss.downcast_index(index.faiss_index().index).nlist == first.nlist
    assert index.faiss_index().ntotal == 3_000

    _add(index, 3_000, _clustered(8_000, rng, centres))  # four times larger: too few lists, retrained
    grown = faiss.downcast_index(index.faiss_index().index)
    assert grown.nlist == ivf_lists(11_000) and index.faiss_index().ntotal == 11_000

    index.close()  # and from disk, the same
    again = FolderStore(tmp_path / "idx")
    assert faiss.downcast_index(again.faiss_index().index).nlist == grown.nlist


def test_bm25_leaves_out_the_commonest_terms_beyond_the_budget():
    df = {"staat": 27_000, "provinciaal": 1_500, "verkies": 300, "onbekend": 0}
    terms = ["verkies", "provinciaal", "staat", "onbekend"]
    assert bm25_terms(terms, df) == ["verkies", "provinciaal", "onbekend"]
    small = {t: d // 100 for t, d in df.items()}  # a small index: every term is searched
    assert bm25_terms(terms, small) == terms
    # only common terms: the rarest one always stays
    assert bm25_terms(["staat", "mini"], {"staat": 27_000, "mini": 19_000}) == ["mini"]
    assert sum(df[t] for t in bm25_terms(terms, df)) <= POSTINGS_BUDGET
