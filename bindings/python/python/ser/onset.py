"""Onset detection, as ``librosa.onset``."""

from __future__ import annotations

from typing import Any, Optional

import numpy as np

from . import _ser
from .feature import _count, _matrix, _only, melspectrogram, power_to_db

__all__ = ["onset_strength"]


def onset_strength(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    lag: int = 1,
    max_size: int = 1,
    ref: Optional[np.ndarray] = None,
    detrend: bool = False,
    center: bool = True,
    feature: Any = None,
    aggregate: Any = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    **kwargs: Any,
) -> np.ndarray:
    """Spectral-flux onset strength per frame, as ``librosa.onset.onset_strength``: the mean
    over mel bands of the positive difference of ``power_to_db(melspectrogram(y))`` (or of
    the log-power mel spectrogram ``S``), aligned with centred frames. Further keywords go
    to ``melspectrogram``. Only librosa's defaults (``lag=1``, ``max_size=1``, no ``ref``, no
    detrending, mean aggregation) are implemented."""
    _only("lag", lag, 1)
    _only("max_size", max_size, 1)
    _only("ref", ref, None)
    _only("detrend", detrend, False)
    _only("center", center, True)
    _only("feature", feature, None)
    _only("aggregate", aggregate, None)
    n_fft = _count(n_fft, "n_fft", 2)
    hop = _count(hop_length, "hop_length")
    if S is None:
        S = power_to_db(melspectrogram(y=y, sr=sr, n_fft=n_fft, hop_length=hop, **kwargs))
    elif kwargs:
        raise TypeError(f"unsupported keyword argument(s) with S: {', '.join(sorted(kwargs))}")
    spec = _matrix(S)
    if spec.ndim != 2:
        raise ValueError("only one channel (a 2-D S, or a 1-D y) is supported")
    return _ser.onset_from_log_mel(spec, n_fft, hop)
