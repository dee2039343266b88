"""The abstractive backend: a Hugging Face seq2seq summariser (BART, PEGASUS, T5), by name or path.

Long articles: the model reads the article's lead section, up to its input limit (1024 tokens for
BART and PEGASUS, 512 for T5). News puts what matters first, and the CNN/DailyMail summarisers were
trained on inputs truncated the same way, so this is what they do best; it never fails on length.

Loading never waits on a dead network: it tries the local cache (or the path) first, then checks in
a few seconds whether the hub answers at all before letting transformers download.
"""

from __future__ import annotations

import logging
import os
import socket
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

import torch
from transformers import AutoModelForSeq2SeqLM, AutoTokenizer

from digest.errors import ModelUnavailableError, SummarizeError
from digest.summarize.bullets import select_bullets
from digest.summarize.models import pick_device, quantize_int8
from digest.summarize.sentences import split_sentences

if TYPE_CHECKING:
    from digest.summarize import Context, SummarizerSettings

logger = logging.getLogger(__name__)

ALGORITHM_VERSION = 3
HUB_PROBE_SECONDS = 3.0
TOKENS_PER_WORD = 1.5  # generous: BPE splits names and numbers into several tokens
FALLBACK_SENTENCES = 10  # source sentences offered when a generated bullet fails the checks


def hub_reachable(timeout: float = HUB_PROBE_SECONDS) -> bool:
    """Whether the model hub accepts a TCP connection within ``timeout`` seconds (DNS included)."""
    endpoint = urlsplit(os.environ.get("HF_ENDPOINT", "https://huggingface.co"))
    host = endpoint.hostname or "huggingface.co"
    port = endpoint.port or (443 if endpoint.scheme == "https" else 80)
    answer: list[bool] = []

    def probe() -> None:
        try:
            with socket.create_connection((host, port), timeout=timeout):
                answer.append(True)
        except OSError:
            answer.append(False)

    # A thread, because socket timeouts do not cover a hanging DNS lookup.
    thread = threading.Thread(target=probe, daemon=True)
    thread.start()
    thread.join(timeout)
    return bool(answer and answer[0])


def _offline() -> bool:
    return os.environ.get("HF_HUB_OFFLINE", "").lower() in ("1", "true", "yes", "on")


def load_seq2seq(name: str) -> tuple[Any, Any]:
    """Tokenizer and model for ``name`` (hub name or local path), from disk if possible.

    Raises ModelUnavailableError, without waiting on the network, when the model is not on disk and
    the hub cannot be reached (or HF_HUB_OFFLINE is set).
    """
    looks_like_path = name.startswith((".", "/", "~")) or Path(name).expanduser().exists()
    source = str(Path(name).expanduser()) if looks_like_path else name
    try:
        return _from_pretrained(source, local_files_only=True)
    except (OSError, ValueError) as error:
        if looks_like_path:
            raise ModelUnavailableError(
                f"cannot load a seq2seq model from {name}: {error}"
            ) from error
        reason = error
    if _offline():
        raise ModelUnavailableError(
            f"model {name!r} is not in the local cache and HF_HUB_OFFLINE is set"
        ) from reason
    if not hub_reachable():
        raise ModelUnavailableError(
            f"model {name!r} is not in the local cache and the model hub cannot be reached"
        ) from reason
    try:
        return _from_pretrained(source, local_files_only=False)
    except (OSError, ValueError) as error:
        raise ModelUnavailableError(f"cannot download model {name!r}: {error}") from error


def _from_pretrained(source: str, *, local_files_only: bool) -> tuple[Any, Any]:
    tokenizer = AutoTokenizer.from_pretrained(source, local_files_only=local_files_only)
    model = AutoModelForSeq2SeqLM.from_pretrained(source, local_files_only=local_files_only)
    return tokenizer, model


class AbstractiveSummarizer:
    """Generated bullets from a seq2seq model, checked against the article; the model loads once."""

    name = "abstractive"

    def __init__(self, settings: SummarizerSettings) -> None:
        from digest.summarize import DEFAULT_ABSTRACTIVE_MODEL

        self.settings = settings
        self.model_id = settings.model or DEFAULT_ABSTRACTIVE_MODEL
        self.device = pick_device(settings.device)
        self.tokenizer, model = load_seq2seq(self.model_id)
        model.eval().to(self.device)
        self.quantized = settings.quantize and self.device.type == "cpu"
        if settings.quantize and not self.quantized:
            logger.info("quantize ignored: dynamic int8 quantisation is for CPU inference")
        self.model = quantize_int8(model) if self.quantized else model
        self.prefix = _task_prefix(model.config)
        self.max_input_tokens = _input_limit(
            settings.max_input_tokens, self.tokenizer, model.config
        )
        self.cache_key = (
            f"abstractive|{self.model_id}|v{ALGORITHM_VERSION}|bullets={settings.bullets}"
            f"|max_words={settings.max_words}|quantize={self.quantized}"
            f"|max_input_tokens={self.max_input_tokens}"
        )

    def summarize(
        self,
        texts: Sequence[str],
        titles: Sequence[str] | None = None,
        contexts: Sequence[Context] | None = None,
    ) -> list[list[str]]:
        """One list of bullets per text: generated sentences that pass the checks, topped up from
        the article's own sentences when fewer pass."""
        generated = self.generate(texts)
        results = []
        for text, summary in zip(texts, generated, strict=True):
            candidates = split_sentences(summary) + split_sentences(text)[:FALLBACK_SENTENCES]
            chosen = select_bullets(
                candidates, text, self.settings.bullets, self.settings.max_words
            )
            results.append([bullet for _, bullet in chosen])
        return results

    @torch.inference_mode()
    def generate(self, texts: Sequence[str]) -> list[str]:
        """The model's raw summary of each text ("" for a blank text), in batches of batch_size."""
        summaries = [""] * len(texts)
        todo = sorted((i for i, t in enumerate(texts) if t.strip()), key=lambda i: len(texts[i]))
        options = self._generation_options()
        for start in range(0, len(todo), self.settings.batch_size):
            chunk = todo[start : start + self.settings.batch_size]
            batch = self.tokenizer(
                [self.prefix + " ".join(texts[i].split()) for i in chunk],
                padding=True,
                truncation=True,
                max_length=self.max_input_tokens,
                return_tensors="pt",
            ).to(self.device)
            try:
                output = self.model.generate(**batch, **options)
            except (RuntimeError, IndexError) as error:
                raise SummarizeError(f"{self.model_id} failed to generate: {error}") from error
            for i, summary in zip(
                chunk, self.tokenizer.batch_decode(output, skip_special_tokens=True), strict=True
            ):
                summaries[i] = summary.strip()
        return summaries

    def _generation_options(self) -> dict[str, Any]:
        """The checkpoint's own settings (beams, length penalty), with lengths for our bullets.

        Lengths are given as ``max_length``/``min_length`` (decoder tokens, start token included)
        rather than ``max_new_tokens``, which transformers warns about next to a checkpoint's own
        ``max_length``.
        """
        budget = int(self.settings.bullets * self.settings.max_words * TOKENS_PER_WORD)
        config = self.model.generation_config
        longest = max(16, min(budget, config.max_length) if config.max_length else budget)
        positions = getattr(self.model.config, "max_position_embeddings", None)
        if isinstance(positions, int) and positions > 2:
            longest = min(longest, positions - 2)  # a summary cannot outgrow the decoder
        shortest = min(config.min_length or 0, longest // 2)
        return {"max_length": longest + 1, "min_length": shortest}


def _task_prefix(config: Any) -> str:
    """T5 needs "summarize: " in front of the text; the checkpoint says so in its config."""
    params = getattr(config, "task_specific_params", None) or {}
    prefix = params.get("summarization", {}).get("prefix")
    if prefix is None and config.model_type in ("t5", "mt5", "umt5"):
        prefix = "summarize: "
    return prefix or ""


def _input_limit(setting: int, tokenizer: Any, config: Any) -> int:
    limits = [setting]
    positions = getattr(config, "max_position_embeddings", None)
    if isinstance(positions, int) and positions > 0:
        limits.append(positions)
    model_max = getattr(tokenizer, "model_max_length", None)
    if isinstance(model_max, int) and 0 < model_max < 1_000_000:
        limits.append(model_max)
    return min(limits)
