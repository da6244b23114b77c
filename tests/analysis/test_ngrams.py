from __future__ import annotations

import numpy as np
import pytest
from sklearn.feature_extraction.text import TfidfVectorizer

from koubei.analysis.ngrams import CharNgramTfidf, ngram_hashes
from koubei.errors import BadInputError, NotFittedError

DOCS = ["很好很好用", "不好用", "质量很好", "abcab", "很差质量", "x"]


def _sorted_rows(matrix: np.ndarray) -> np.ndarray:
    return np.sort(matrix, axis=1)


@pytest.mark.parametrize("ngram_range", [(1, 1), (1, 3), (2, 4)])
def test_matches_sklearn_tfidf_up_to_column_order(ngram_range: tuple[int, int]) -> None:
    ref = TfidfVectorizer(analyzer="char", ngram_range=ngram_range, sublinear_tf=True, min_df=1).fit(DOCS)
    ours = CharNgramTfidf(ngram_range, min_df=1).fit(DOCS)
    assert ours.n_features_out_ == len(ref.vocabulary_)
    np.testing.assert_allclose(
        _sorted_rows(ours.transform(DOCS).toarray()), _sorted_rows(ref.transform(DOCS).toarray()), atol=1e-12
    )


def test_ngram_offsets_are_exact() -> None:
    _hashes, docs, starts, lengths = ngram_hashes(["abc", "d"], (1, 2))
    triples = sorted(zip(docs.tolist(), starts.tolist(), lengths.tolist(), strict=True))
    assert triples == [(0, 0, 1), (0, 0, 2), (0, 1, 1), (0, 1, 2), (0, 2, 1), (1, 0, 1)]
    # Same n-gram, same hash: "a" in both docs.
    h2, _, _, _ = ngram_hashes(["a", "ba"], (1, 1))
    assert h2[0] == h2[2]


def test_min_df_and_unknown_ngrams() -> None:
    vec = CharNgramTfidf((1, 1), min_df=2).fit(["ab", "ac", "ad"])
    assert vec.n_features_out_ == 1  # only "a" occurs in >= 2 documents
    out = vec.transform(["zzz", "a"]).toarray()
    assert out[0].sum() == 0 and out[1, 0] == pytest.approx(1.0)


def test_short_and_empty_documents() -> None:
    vec = CharNgramTfidf((1, 4), min_df=1).fit(["好", "很好", "", "很好用吗"])
    assert vec.transform(["", "好"]).shape == (2, vec.n_features_out_)


def test_errors() -> None:
    with pytest.raises(NotFittedError):
        CharNgramTfidf().transform(["x"])
    with pytest.raises(BadInputError):
        CharNgramTfidf((3, 1)).fit(["abc"])
    with pytest.raises(BadInputError):
        CharNgramTfidf(min_df=5).fit(["abc"])


def test_state_round_trip() -> None:
    vec = CharNgramTfidf((1, 3), min_df=1).fit(DOCS)
    copy = CharNgramTfidf((1, 3), min_df=1).set_state(vec.state())
    np.testing.assert_array_equal(copy.transform(DOCS).toarray(), vec.transform(DOCS).toarray())
