"""librosa-compatible features computed by ser's Rust core (``ser-features``).

Names, keyword defaults and output shapes are librosa 0.11's, so ``import ser as librosa``
works for the functions covered here. Every spectrogram is librosa's: periodic Hann window,
centred frames with zero padding (``pad_mode="constant"``), computed in float64 and returned as
float32. Keywords librosa accepts but ser does not implement with another value (another
window, ``center=False``, ``S=`` for the spectral-shape features, …) raise ``ValueError`` rather
than being ignored; arguments of the wrong type raise ``TypeError``. Multi-channel input
``(..., n)`` is computed channel by channel, as librosa does.
"""

from __future__ import annotations

import math
from typing import Any, Callable, Optional, Union

import numpy as np

from . import _ser

__all__ = [
    "chroma_stft",
    "delta",
    "melspectrogram",
    "mfcc",
    "rms",
    "spectral_bandwidth",
    "spectral_centroid",
    "spectral_contrast",
    "spectral_flatness",
    "spectral_rolloff",
    "tempo",
    "zero_crossing_rate",
]


# --- argument checks -------------------------------------------------------------------------


def _rate(sr: Any) -> int:
    """A sample rate: a positive whole number of Hz (int or float)."""
    if isinstance(sr, bool) or not isinstance(sr, (int, float, np.integer, np.floating)):
        raise TypeError(f"sr must be a number of Hz, got {type(sr).__name__}")
    if not math.isfinite(float(sr)) or float(sr) <= 0 or float(sr) != int(sr):
        raise ValueError(f"sr must be a positive whole number of Hz, got {sr!r}")
    return int(sr)


def _count(value: Any, name: str, minimum: int = 1) -> int:
    """An int keyword, at least ``minimum``."""
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {type(value).__name__}")
    if int(value) < minimum:
        raise ValueError(f"{name} must be at least {minimum}, got {value}")
    return int(value)


def _number(value: Any, name: str) -> float:
    """A real-number keyword as a float."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number, got {type(value).__name__}")
    return float(value)


def _only(name: str, value: Any, allowed: Any) -> None:
    """``value`` must equal librosa's default ``allowed``: nothing else is implemented."""
    same = value is allowed or (
        not isinstance(value, np.ndarray) and not callable(value) and value == allowed
    )
    if not same:
        raise ValueError(f"{name}={value!r} is not supported by ser (only {allowed!r})")


def _framing(n_fft: int, win_length: Any, window: Any, center: Any, pad_mode: Any) -> None:
    """The STFT framing must be librosa's default (Hann, n_fft long, centred, zero padded)."""
    if win_length is not None and win_length != n_fft:
        raise ValueError(f"win_length={win_length!r} is not supported (only None = n_fft)")
    if not (isinstance(window, str) and window in ("hann", "hanning")):
        raise ValueError(f"window={window!r} is not supported (only 'hann')")
    _only("center", center, True)
    _only("pad_mode", pad_mode, "constant")


def _signal(y: Any) -> np.ndarray:
    """``y`` as a C-contiguous float32 array of at least one dimension."""
    if y is None:
        raise ValueError("y is required (a 1-D or (..., n) float array)")
    try:
        x = np.asarray(y)
    except Exception as e:  # pragma: no cover - numpy's own message is clear
        raise TypeError(f"y must be an array of floats: {e}") from e
    if x.dtype.kind not in "fiu":
        raise TypeError(f"y must hold real floating-point samples, got dtype {x.dtype}")
    if x.ndim == 0:
        raise ValueError("y must have at least one dimension")
    return np.ascontiguousarray(x, dtype=np.float32)


def _matrix(S: Any, name: str = "S") -> np.ndarray:
    """A spectrogram-like array (..., rows, frames) as C-contiguous float32."""
    x = np.asarray(S)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"{name} must be a real array, got dtype {x.dtype}")
    if x.ndim < 2:
        raise ValueError(f"{name} must have at least 2 dimensions (…, bins, frames), got {x.ndim}")
    return np.ascontiguousarray(x, dtype=np.float32)


def _channels(x: np.ndarray, fn: Callable[[np.ndarray], np.ndarray], core: int = 1) -> np.ndarray:
    """``fn`` over the last ``core`` axes of ``x`` for every leading index, stacked back."""
    if x.ndim == core:
        return fn(x)
    lead = x.shape[:-core]
    parts = [fn(np.ascontiguousarray(p)) for p in x.reshape((-1,) + x.shape[-core:])]
    out = np.stack(parts)
    return out.reshape(lead + out.shape[1:])


def _mel_norm(norm: Any) -> bool:
    """Mel filter normalisation: True for "slaney", False for None."""
    if norm == "slaney":
        return True
    if norm is None:
        return False
    raise ValueError(f"norm={norm!r} is not supported (only 'slaney' or None)")


def _fmax(fmax: Any) -> Optional[float]:
    """The upper mel edge (None: Nyquist)."""
    return None if fmax is None else _number(fmax, "fmax")


# --- spectrograms --------------------------------------------------------------------------


def melspectrogram(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    htk: bool = False,
    norm: Optional[str] = "slaney",
    dtype: Any = np.float32,
) -> np.ndarray:
    """Mel spectrogram, ``(..., n_mels, frames)``, as ``librosa.feature.melspectrogram``.

    From ``y``: ``|stft(y)|**power`` (``power`` 1 or 2) projected on the mel filterbank
    (Slaney scale and normalisation unless ``htk=True`` / ``norm=None``). From ``S`` (a
    magnitude or power spectrogram, ``(..., 1 + n_fft/2, frames)``): the projection only,
    with ``n_fft = 2 * (bins - 1)`` as librosa infers it.
    """
    sr_ = _rate(sr)
    _framing(n_fft, win_length, window, center, pad_mode)
    _only("dtype", np.dtype(dtype), np.dtype(np.float32))
    slaney = _mel_norm(norm)
    n_mels = _count(n_mels, "n_mels")
    fmin = _number(fmin, "fmin")
    fmax_ = _fmax(fmax)
    htk = bool(htk)
    if S is not None:
        spec = _matrix(S)
        n_fft = 2 * (spec.shape[-2] - 1)
    else:
        n_fft = _count(n_fft, "n_fft", 2)
        hop = _count(hop_length, "hop_length")
        p = _number(power, "power")
        if p not in (1.0, 2.0):
            raise ValueError(f"power={power!r} is not supported (only 1.0 or 2.0)")
        spec = _channels(_signal(y), lambda c: _ser.spectrogram(c, n_fft, hop, p))
    return _channels(
        spec, lambda s: _ser.mel_project(s, sr_, n_fft, n_mels, fmin, fmax_, htk, slaney), core=2
    )


def power_to_db(
    S: np.ndarray,
    *,
    ref: Union[float, Callable[[np.ndarray], Any]] = 1.0,
    amin: float = 1e-10,
    top_db: Optional[float] = 80.0,
) -> np.ndarray:
    """Power to decibels, ``10 * log10(max(amin, S) / ref)`` floored at ``max - top_db``, as
    ``librosa.power_to_db`` (``ref`` a number or a function of ``|S|`` such as ``np.max``)."""
    x = np.asarray(S)
    if x.dtype.kind == "c":
        raise TypeError("power_to_db of a complex array: pass np.abs(S)**2")
    x = np.ascontiguousarray(x, dtype=np.float32)
    ref_value = float(ref(np.abs(x))) if callable(ref) else abs(_number(ref, "ref"))
    top = None if top_db is None else _number(top_db, "top_db")
    if top is not None and top < 0:
        raise ValueError(f"top_db must be non-negative, got {top_db}")
    flat = x.reshape(1, -1) if x.ndim < 2 else x.reshape(-1, x.shape[-1])
    if flat.size == 0:
        return x.copy()
    return _ser.power_to_db(np.ascontiguousarray(flat), ref_value, _number(amin, "amin"), top).reshape(x.shape)


def mfcc(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_mfcc: int = 20,
    dct_type: int = 2,
    norm: Optional[str] = "ortho",
    lifter: float = 0,
    mel_norm: Optional[str] = "slaney",
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    power: float = 2.0,
    n_mels: int = 128,
    fmin: float = 0.0,
    fmax: Optional[float] = None,
    htk: bool = False,
) -> np.ndarray:
    """MFCCs, ``(..., n_mfcc, frames)``, as ``librosa.feature.mfcc``.

    From ``y``: ``power_to_db(melspectrogram(y, …))`` (top_db 80 over all channels, as
    librosa), then the orthonormal DCT-II; from ``S`` (a log-power mel spectrogram): the DCT
    only. ``lifter > 0`` applies librosa's sinusoidal liftering. Only ``dct_type=2`` with
    ``norm="ortho"`` is implemented.
    """
    _only("dct_type", dct_type, 2)
    _only("norm", norm, "ortho")
    n_mfcc = _count(n_mfcc, "n_mfcc")
    lift = _number(lifter, "lifter")
    if lift < 0:
        raise ValueError(f"lifter must be non-negative, got {lifter}")
    fast = (
        S is None and y is not None and win_length in (None, n_fft) and window == "hann"
        and center is True and pad_mode == "constant" and power == 2.0 and mel_norm == "slaney"
        and isinstance(htk, bool)
    )
    if fast:
        x = _signal(y)
        fast = x.ndim == 1
    if fast:
        # librosa's defaults for the spectrum: one call to the Rust MFCC plan (f32 STFT).
        out = _ser.mfcc_plan(
            x, _rate(sr), n_mfcc, _count(n_fft, "n_fft"), _count(hop_length, "hop_length"),
            _count(n_mels, "n_mels"), _number(fmin, "fmin"), _fmax(fmax), htk,
        )
    else:
        if S is None:
            mel = melspectrogram(
                y=y, sr=sr, n_fft=n_fft, hop_length=hop_length, win_length=win_length,
                window=window, center=center, pad_mode=pad_mode, power=power, n_mels=n_mels,
                fmin=fmin, fmax=fmax, htk=htk, norm=mel_norm,
            )
            S = power_to_db(mel)
        spec = _matrix(S)
        out = _channels(spec, lambda s: _ser.dct_ortho(s, n_mfcc), core=2)
    if lift > 0:
        li = np.sin(np.pi * np.arange(1, 1 + n_mfcc, dtype=out.dtype) / lift)
        out = out * (1 + (lift / 2) * li[:, None])
    return out


def chroma_stft(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    norm: Optional[float] = np.inf,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    tuning: Optional[float] = None,
    n_chroma: int = 12,
) -> np.ndarray:
    """Chromagram, ``(..., 12, frames)``, as ``librosa.feature.chroma_stft``: tuning estimated
    from the power spectrogram (``librosa.estimate_tuning``) unless given, the chroma
    filterbank, each frame scaled to a maximum of 1 (``norm=np.inf``). ``S`` is a power
    spectrogram. Only ``n_chroma=12`` and ``norm=np.inf`` are implemented."""
    sr_ = _rate(sr)
    _framing(n_fft, win_length, window, center, pad_mode)
    _only("n_chroma", n_chroma, 12)
    if norm is None or not (isinstance(norm, (int, float)) and math.isinf(norm) and norm > 0):
        raise ValueError(f"norm={norm!r} is not supported (only np.inf)")
    tune = None if tuning is None else _number(tuning, "tuning")
    if S is not None:
        spec = _matrix(S)
        n_fft = 2 * (spec.shape[-2] - 1)
    else:
        n_fft = _count(n_fft, "n_fft", 2)
        hop = _count(hop_length, "hop_length")
        spec = _channels(_signal(y), lambda c: _ser.spectrogram(c, n_fft, hop, 2.0))
    if tune is None and spec.ndim > 2:
        # librosa estimates one tuning from every channel's peaks together.
        frames = np.concatenate(list(spec.reshape((-1,) + spec.shape[-2:])), axis=-1)
        tune = _ser.tuning_of(np.ascontiguousarray(frames), sr_, n_fft)
    return _channels(spec, lambda s: _ser.chroma_from_power(s, sr_, n_fft, tune), core=2)


def _spectral(kind: str, y: Any, sr: Any, S: Any, n_fft: Any, hop_length: Any, framing: tuple) -> np.ndarray:
    """One spectral-shape feature of ``y`` (per channel) from the Rust core."""
    if S is not None:
        raise ValueError(f"S= is not supported by ser's spectral_{kind}; pass y")
    sr_ = _rate(sr)
    n_fft = _count(n_fft, "n_fft", 2)
    hop = _count(hop_length, "hop_length")
    _framing(n_fft, *framing)
    return _channels(_signal(y), lambda c: _ser.spectral(kind, c, sr_, n_fft, hop))


def spectral_centroid(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    freq: Optional[np.ndarray] = None,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
) -> np.ndarray:
    """Spectral centroid per frame (Hz), ``(..., 1, frames)``, as
    ``librosa.feature.spectral_centroid`` (``y`` only; ``freq`` must be None)."""
    _only("freq", freq, None)
    return _spectral("centroid", y, sr, S, n_fft, hop_length, (win_length, window, center, pad_mode))


def spectral_bandwidth(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    freq: Optional[np.ndarray] = None,
    centroid: Optional[np.ndarray] = None,
    norm: bool = True,
    p: float = 2,
) -> np.ndarray:
    """Spectral bandwidth (order 2, Hz), ``(..., 1, frames)``, as
    ``librosa.feature.spectral_bandwidth`` (``y`` only; librosa's defaults otherwise)."""
    _only("freq", freq, None)
    _only("centroid", centroid, None)
    _only("norm", norm, True)
    _only("p", p, 2)
    return _spectral("bandwidth", y, sr, S, n_fft, hop_length, (win_length, window, center, pad_mode))


def spectral_rolloff(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    freq: Optional[np.ndarray] = None,
    roll_percent: float = 0.85,
) -> np.ndarray:
    """Roll-off frequency (85 % of the magnitude), ``(..., 1, frames)``, as
    ``librosa.feature.spectral_rolloff`` (``y`` only; ``roll_percent=0.85`` only)."""
    _only("freq", freq, None)
    _only("roll_percent", roll_percent, 0.85)
    return _spectral("rolloff", y, sr, S, n_fft, hop_length, (win_length, window, center, pad_mode))


def spectral_flatness(
    *,
    y: Optional[np.ndarray] = None,
    S: Optional[np.ndarray] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    amin: float = 1e-10,
    power: float = 2.0,
) -> np.ndarray:
    """Spectral flatness, ``(..., 1, frames)``, as ``librosa.feature.spectral_flatness``
    (``y`` only; ``amin=1e-10``, ``power=2.0`` only)."""
    _only("amin", amin, 1e-10)
    _only("power", power, 2.0)
    return _spectral("flatness", y, 22050, S, n_fft, hop_length, (win_length, window, center, pad_mode))


def spectral_contrast(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    S: Optional[np.ndarray] = None,
    n_fft: int = 2048,
    hop_length: int = 512,
    win_length: Optional[int] = None,
    window: str = "hann",
    center: bool = True,
    pad_mode: str = "constant",
    freq: Optional[np.ndarray] = None,
    fmin: float = 200.0,
    n_bands: int = 6,
    quantile: float = 0.02,
    linear: bool = False,
) -> np.ndarray:
    """Spectral contrast, ``(..., 7, frames)``, as ``librosa.feature.spectral_contrast``
    (``y`` only; six octave bands from 200 Hz, quantile 0.02, in dB)."""
    _only("freq", freq, None)
    _only("fmin", fmin, 200.0)
    _only("n_bands", n_bands, 6)
    _only("quantile", quantile, 0.02)
    _only("linear", linear, False)
    return _spectral("contrast", y, sr, S, n_fft, hop_length, (win_length, window, center, pad_mode))


# --- time domain ---------------------------------------------------------------------------


def zero_crossing_rate(
    y: np.ndarray,
    *,
    frame_length: int = 2048,
    hop_length: int = 512,
    center: bool = True,
    threshold: float = 1e-10,
    ref_magnitude: Optional[float] = None,
    pad: bool = False,
    zero_pos: bool = True,
    axis: int = -1,
) -> np.ndarray:
    """Zero-crossing rate per frame, ``(..., 1, frames)``, as
    ``librosa.feature.zero_crossing_rate`` (librosa's defaults only)."""
    frame_length = _count(frame_length, "frame_length")
    hop = _count(hop_length, "hop_length")
    _only("center", center, True)
    _only("threshold", threshold, 1e-10)
    _only("ref_magnitude", ref_magnitude, None)
    _only("pad", pad, False)
    _only("zero_pos", zero_pos, True)
    _only("axis", axis, -1)
    return _channels(_signal(y), lambda c: _ser.zero_crossing_rate(c, frame_length, hop))


def rms(
    *,
    y: Optional[np.ndarray] = None,
    S: Optional[np.ndarray] = None,
    frame_length: int = 2048,
    hop_length: int = 512,
    center: bool = True,
    pad_mode: str = "constant",
    dtype: Any = np.float32,
) -> np.ndarray:
    """Root-mean-square level per frame, ``(..., 1, frames)``, as ``librosa.feature.rms``
    (``y`` only; centred frames, zero padding)."""
    if S is not None:
        raise ValueError("S= is not supported by ser's rms; pass y")
    frame_length = _count(frame_length, "frame_length")
    hop = _count(hop_length, "hop_length")
    _only("center", center, True)
    _only("pad_mode", pad_mode, "constant")
    _only("dtype", np.dtype(dtype), np.dtype(np.float32))
    return _channels(_signal(y), lambda c: _ser.rms(c, frame_length, hop))


def delta(
    data: np.ndarray,
    *,
    width: int = 9,
    order: int = 1,
    axis: int = -1,
    mode: str = "interp",
) -> np.ndarray:
    """Deltas along the last axis, as ``librosa.feature.delta`` (``width=9``,
    ``mode="interp"``; ``order`` 1 or 2). Needs at least 9 frames."""
    _only("width", width, 9)
    _only("axis", axis, -1)
    _only("mode", mode, "interp")
    order = _count(order, "order")
    if order not in (1, 2):
        raise ValueError(f"order={order} is not supported (only 1 or 2)")
    x = np.asarray(data)
    if x.dtype.kind not in "fiu":
        raise TypeError(f"data must be a real array, got dtype {x.dtype}")
    x = np.ascontiguousarray(x, dtype=np.float32)
    if x.ndim == 0:
        raise ValueError("data must have at least one dimension")
    flat = x.reshape(-1, x.shape[-1])
    return _ser.delta(flat, order).reshape(x.shape)


def tempo(
    *,
    y: Optional[np.ndarray] = None,
    sr: float = 22050,
    onset_envelope: Optional[np.ndarray] = None,
    hop_length: int = 512,
    start_bpm: float = 120,
    std_bpm: float = 1.0,
    ac_size: float = 8.0,
    max_tempo: Optional[float] = 320.0,
    aggregate: Any = np.mean,
) -> np.ndarray:
    """Global tempo (BPM), shape ``(1,)``, as ``librosa.feature.tempo`` with its defaults
    (8 s autocorrelation, log-normal prior around 120 BPM, below 320 BPM)."""
    _only("start_bpm", start_bpm, 120)
    _only("std_bpm", std_bpm, 1.0)
    _only("ac_size", ac_size, 8.0)
    _only("max_tempo", max_tempo, 320.0)
    if aggregate is not np.mean:
        raise ValueError("aggregate must be np.mean (the global tempo)")
    sr_ = _rate(sr)
    hop = _count(hop_length, "hop_length")
    if onset_envelope is None:
        from .onset import onset_strength

        onset_envelope = onset_strength(y=y, sr=sr_, hop_length=hop)
    env = np.ascontiguousarray(np.asarray(onset_envelope, dtype=np.float32))
    if env.ndim != 1:
        raise ValueError("only a 1-D onset envelope (one channel) is supported")
    return np.array([_ser.tempo(env, sr_, hop)], dtype=np.float64)


def yin(
    y: np.ndarray,
    *,
    fmin: float,
    fmax: float,
    sr: float = 22050,
    frame_length: int = 2048,
    hop_length: Optional[int] = None,
    trough_threshold: float = 0.1,
    center: bool = True,
    pad_mode: str = "constant",
) -> np.ndarray:
    """Fundamental frequency per frame (Hz) with YIN, as ``librosa.yin``
    (``hop_length`` defaults to ``frame_length // 4``; centred, zero padded)."""
    _only("center", center, True)
    _only("pad_mode", pad_mode, "constant")
    sr_ = _rate(sr)
    frame_length = _count(frame_length, "frame_length", 2)
    hop = frame_length // 4 if hop_length is None else _count(hop_length, "hop_length")
    lo, hi = _number(fmin, "fmin"), _number(fmax, "fmax")
    th = _number(trough_threshold, "trough_threshold")
    return _channels(_signal(y), lambda c: _ser.yin(c, lo, hi, sr_, frame_length, hop, th))
