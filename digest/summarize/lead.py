"""The lead backend: the article's first sentences, through the shared post-processing."""

from __future__ import annotations

from collections.abc import Sequence
from typing import TYPE_CHECKING

from digest.summarize.bullets import select_bullets
from digest.summarize.sentences import split_sentences

if TYPE_CHECKING:
    from digest.summarize import Context, SummarizerSettings

ALGORITHM_VERSION = 3


class LeadSummarizer:
    """The first sentences that make acceptable bullets; needs no model."""

    name = "lead"
    model_id = "lead"

    def __init__(self, settings: SummarizerSettings) -> None:
        self.settings = settings
        self.cache_key = (
            f"lead|v{ALGORITHM_VERSION}|bullets={settings.bullets}|max_words={settings.max_words}"
        )

    def summarize(
        self,
        texts: Sequence[str],
        titles: Sequence[str] | None = None,
        contexts: Sequence[Context] | None = None,
    ) -> list[list[str]]:
        """One list of bullets per text: its first sentences that pass the post-processing."""
        results = []
        for text in texts:
            chosen = select_bullets(
                split_sentences(text), text, self.settings.bullets, self.settings.max_words
            )
            results.append([bullet for _, bullet in chosen])
        return results
