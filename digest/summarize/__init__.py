"""The "In Short" step: article text in, a few short, faithful bullets out.

One protocol, :class:`Summarizer`, with backends registered by name:

    lead         the article's first sentences, shortened: the baseline to measure against
    extractive   the embedded default: picks the sentences that best cover the article with the
                 packaged all-MiniLM-L6-v2 sentence model, then shortens them; works offline
    abstractive  a Hugging Face seq2seq summariser (BART, PEGASUS, T5) by hub name or local path
    auto         abstractive when its model loads, else extractive (``model_id`` says which served)
    generative   an instruct model (in process, or an OpenAI-compatible endpoint) rewrites the
                 extractive bullets or writes its own; each bullet is guarded (``guards.py``)

Every backend's output passes the same post-processing (see ``bullets.py``). Importing this package
is cheap: torch and transformers are imported when a model backend is loaded.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Protocol

from digest.errors import ConfigError, ModelUnavailableError
from digest.summarize.sentences import unsuitable

__all__ = [
    "BACKENDS",
    "Context",
    "DEFAULT_ABSTRACTIVE_MODEL",
    "Summarizer",
    "SummarizerSettings",
    "load_summarizer",
    "unsuitable",
    "written_by",
]

logger = logging.getLogger(__name__)

# distilbart-cnn-12-6: BART-large-CNN distilled to 6 decoder layers. Fine-tuned on CNN/DailyMail,
# whose highlights are the "In Short" style; about three quarters of BART-large-CNN's size and
# faster to decode, with ROUGE close to it.
DEFAULT_ABSTRACTIVE_MODEL = "sshleifer/distilbart-cnn-12-6"


@dataclass(frozen=True)
class Context:
    """What the page says about an article besides its text, when known: the publisher's own
    description (``og:description`` or a summary box), the byline, and the kind of piece
    ("opinion", "review", "news"). Opinion pieces and reviews are attributed to their author."""

    description: str = ""
    author: str = ""
    kind: str = ""


class Summarizer(Protocol):
    """Text in, bullets out, batched.

    ``summarize(texts, titles)`` returns one list of bullets per text, in order: at most
    ``settings.bullets`` bullets, each one sentence of at most ``settings.max_words`` words,
    supported by its text. A text with nothing usable gets an empty list (see :func:`unsuitable`).
    ``name`` is the backend that served, ``model_id`` the model (stored with each summary), and
    ``cache_key`` changes whenever any setting that changes the output does. ``contexts`` (one per
    text, optional) carries the description, byline and kind of piece where the backend uses them.
    """

    name: str
    model_id: str
    cache_key: str

    def summarize(
        self,
        texts: Sequence[str],
        titles: Sequence[str] | None = None,
        contexts: Sequence[Context] | None = None,
    ) -> list[list[str]]: ...


@dataclass(frozen=True)
class SummarizerSettings:
    """How to summarise; ``model`` is for the abstractive backend ("" = the default model)."""

    backend: str = "extractive"  # extractive | abstractive | lead | auto | generative
    model: str = ""  # abstractive, generative: hub name, local path (generative: a .gguf too)
    bullets: int = 3
    max_words: int = 25
    device: str = "auto"  # auto | cpu | cuda
    quantize: bool = False  # dynamic int8 on CPU (abstractive; extractive too)
    batch_size: int = 8
    max_input_tokens: int = (
        1024  # abstractive: the article's lead up to this (or the model's) limit
    )
    mode: str = "rewrite"  # generative: rewrite (the extractive bullets) | write (from the lead)
    endpoint: str = ""  # generative: an OpenAI-compatible API's base URL; "" = in process
    timeout: float = 60.0  # generative endpoint: seconds per request
    retries: int = 2  # generative endpoint: retries of a request that may pass next time
    concurrency: int = 4  # generative endpoint: requests in flight at once


def written_by(summarizer: Summarizer, index: int) -> str:
    """Which model wrote the bullets of the ``index``-th text of ``summarizer``'s last call.

    Most backends have one model for everything (``model_id``); the generative backend falls
    back to the extractive bullet where the model's failed its guards, and says which model wrote
    which bullet.
    """
    attributed = getattr(summarizer, "written_by", None)
    return (attributed(index) if callable(attributed) else "") or summarizer.model_id


def _load_lead(settings: SummarizerSettings) -> Summarizer:
    from digest.summarize.lead import LeadSummarizer

    return LeadSummarizer(settings)


def _load_extractive(settings: SummarizerSettings) -> Summarizer:
    from digest.summarize.extractive import ExtractiveSummarizer

    return ExtractiveSummarizer(settings)


def _load_abstractive(settings: SummarizerSettings) -> Summarizer:
    from digest.summarize.abstractive import AbstractiveSummarizer

    return AbstractiveSummarizer(settings)


def _load_auto(settings: SummarizerSettings) -> Summarizer:
    try:
        summarizer = _load_abstractive(settings)
    except ModelUnavailableError as error:
        logger.warning("abstractive model unavailable (%s); falling back to extractive", error)
        summarizer = _load_extractive(settings)
    logger.info("summaries served by %s (%s)", summarizer.name, summarizer.model_id)
    return summarizer


def _load_generative(settings: SummarizerSettings) -> Summarizer:
    from digest.summarize.generative import GenerativeSummarizer

    return GenerativeSummarizer(settings)


_REGISTRY: dict[str, Callable[[SummarizerSettings], Summarizer]] = {
    "extractive": _load_extractive,
    "abstractive": _load_abstractive,
    "lead": _load_lead,
    "auto": _load_auto,
    "generative": _load_generative,
}
BACKENDS: tuple[str, ...] = tuple(_REGISTRY)


def load_summarizer(settings: SummarizerSettings) -> Summarizer:
    """Build the summariser ``settings`` name, loading its model once.

    Raises ConfigError for an unknown backend or an invalid setting, ModelUnavailableError when the
    abstractive model is neither on disk nor downloadable (quickly: never waits on a dead network).
    """
    _check(settings)
    return _REGISTRY[settings.backend](settings)


def _check(settings: SummarizerSettings) -> None:
    if settings.backend not in _REGISTRY:
        raise ConfigError(
            f"unknown summarizer backend {settings.backend!r}; choose one of {', '.join(BACKENDS)}"
        )
    if settings.device not in ("auto", "cpu", "cuda"):
        raise ConfigError(f"unknown device {settings.device!r}; choose auto, cpu or cuda")
    if not 1 <= settings.bullets <= 10:
        raise ConfigError(f"bullets must be between 1 and 10, not {settings.bullets}")
    if not 8 <= settings.max_words <= 60:
        raise ConfigError(f"max_words must be between 8 and 60, not {settings.max_words}")
    if settings.batch_size < 1:
        raise ConfigError(f"batch_size must be at least 1, not {settings.batch_size}")
    if settings.mode not in ("rewrite", "write"):
        raise ConfigError(f"unknown generative mode {settings.mode!r}; choose rewrite or write")
    if settings.timeout <= 0 or settings.retries < 0 or settings.concurrency < 1:
        raise ConfigError(
            "the endpoint's timeout must be positive, retries at least 0, concurrency at least 1"
        )
    if settings.max_input_tokens < 16:
        raise ConfigError(f"max_input_tokens must be at least 16, not {settings.max_input_tokens}")
