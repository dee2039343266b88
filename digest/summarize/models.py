"""Loading torch models for the backends: the device to run on and optional int8 quantisation.

Imported only by backends that need torch, never by ``digest.summarize`` itself.
"""

from __future__ import annotations

import warnings
from typing import Any

import torch

from digest.errors import ConfigError


def pick_device(setting: str) -> torch.device:
    """The torch device for ``setting`` ("auto" = the GPU when one is present)."""
    if setting == "cuda" and not torch.cuda.is_available():
        raise ConfigError('device = "cuda" but no CUDA GPU is available; use "auto" or "cpu"')
    if setting == "cpu" or (setting == "auto" and not torch.cuda.is_available()):
        return torch.device("cpu")
    return torch.device("cuda")


def quantize_int8(model: Any) -> Any:
    """Dynamic int8 quantisation of the model's Linear layers, for CPU inference.

    torch marks its eager quantisation API deprecated in favour of torchao, which is not a
    dependency; the API still works and halves the time of Linear-heavy models on CPU, so its
    warnings are silenced here rather than failing callers that treat warnings as errors.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", DeprecationWarning)
        warnings.simplefilter("ignore", UserWarning)
        return torch.ao.quantization.quantize_dynamic(model, {torch.nn.Linear}, dtype=torch.qint8)
