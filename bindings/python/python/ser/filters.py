"""Filterbanks, as ``librosa.filters``."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _ser
from .feature import _count, _fmax, _mel_norm, _number, _only, _rate

__all__ = ["mel"]


def mel(
    *,
    sr: float,
    n_fft: int,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    htk: bool = False,
    norm: Optional[str] = "slaney",
    dtype: Any = np.float32,
) -> np.ndarray:
    """Mel filterbank, ``(n_mels, 1 + n_fft // 2)``, as ``librosa.filters.mel`` (Slaney
    scale unless ``htk``; ``norm`` "slaney" or None)."""
    _only("dtype", np.dtype(dtype), np.dtype(np.float32))
    return _ser.mel_filterbank(
        _rate(sr), _count(n_fft, "n_fft", 2), _count(n_mels, "n_mels"), _number(fmin, "fmin"),
        _fmax(fmax), bool(htk), _mel_norm(norm),
    )
