"""ser: speech emotion recognition with a Rust core.

* ``ser.load`` and ``ser.resample``: ``librosa.load`` / ``librosa.resample`` semantics.
* ``ser.feature``: librosa-compatible features (``mfcc``, ``melspectrogram``,
  ``chroma_stft``, spectral shape, ``zero_crossing_rate``, ``rms``, ``delta``, ``tempo``),
  so ``import ser as librosa`` works for the covered functions (see the README).
* ``ser.extract``: the feature vector of many files at once, on every core, as a
  ``pyarrow.Table`` (or a pandas DataFrame); ``ser.dask.extract`` spreads it over a cluster.
* ``ser.Pipeline``: fit, save, load and predict with the model files of the Rust ``train``
  and ``predict`` examples.

Every error from the Rust core is a ``ser.SerError``: ``ser.AudioError`` (a file that cannot be
read; the message names it), ``ser.FeatureError`` and ``ser.ModelError``.
"""

from __future__ import annotations

import csv
import math
import os
import tempfile
import warnings
from typing import Any, Dict, Iterable, List, Optional, Sequence, Tuple, Union

import numpy as np

from . import _ser
from ._ser import AudioError, FeatureError, ModelError, SerError

__version__: str = _ser.__version__

PathLike = Union[str, "os.PathLike[str]"]

__all__ = [
    "AudioError",
    "FeatureError",
    "ModelError",
    "Pipeline",
    "SerError",
    "extract",
    "feature",
    "feature_names",
    "filters",
    "load",
    "onset",
    "power_to_db",
    "resample",
    "yin",
]

#: Feature sets ``extract`` computes.
FEATURE_SETS: Tuple[str, ...] = (
    "functionals",
    "mfcc40",
    "enriched",
    "egemaps",
    "paralinguistic",
)


def _rate(value: Any, name: str) -> int:
    """A sample rate given as a number: a positive whole number of Hz."""
    if isinstance(value, bool) or not isinstance(value, (int, float, np.integer, np.floating)):
        raise TypeError(f"{name} must be a number of Hz, got {type(value).__name__}")
    if not math.isfinite(float(value)) or float(value) <= 0 or float(value) != int(value):
        raise ValueError(f"{name} must be a positive whole number of Hz, got {value!r}")
    return int(value)


def load(
    path: PathLike,
    *,
    sr: Optional[float] = 22050,
    mono: bool = True,
    offset: float = 0.0,
    duration: Optional[float] = None,
    dtype: Any = np.float32,
    res_type: str = "soxr_hq",
) -> Tuple[np.ndarray, int]:
    """Load an audio file as ``librosa.load`` does.

    Decodes WAV, AIFF, FLAC, MP3, Ogg Vorbis, MP4/M4A (AAC, ALAC) and CAF (the container is
    read from the bytes, not the extension), cuts ``offset``/``duration`` seconds at the
    file's rate, averages the channels when ``mono``, and resamples to ``sr`` (``None`` keeps
    the file's rate) with ser's band-limited resampler, fitted to soxr's HQ recipe
    (librosa's default ``res_type``; no other ``res_type`` is available).

    Returns ``(y, sr)``: ``y`` of shape ``(n,)``, or ``(channels, n)`` with ``mono=False`` and
    a multi-channel file; ``dtype`` float32 (default) or float64. An offset at or past the
    end gives an empty array, as in librosa.

    Raises ``ser.AudioError`` (naming the file) when the file is missing or cannot be
    decoded, ``ValueError``/``TypeError`` for unsupported arguments.
    """
    if res_type not in ("soxr_hq", "soxr_vhq"):
        raise ValueError(
            f"res_type {res_type!r} is not supported: ser resamples as soxr_hq (librosa's default)"
        )
    target = None if sr is None else _rate(sr, "sr")
    if not isinstance(mono, (bool, np.bool_)):
        raise TypeError(f"mono must be a bool, got {type(mono).__name__}")
    offset = float(offset)
    duration = None if duration is None else float(duration)
    dt = np.dtype(dtype)
    if dt not in (np.dtype(np.float32), np.dtype(np.float64)):
        raise ValueError(f"dtype must be float32 or float64, got {dt}")
    y, rate = _ser.load(os.fspath(path), target, bool(mono), offset, duration)
    return (y if dt == np.float32 else y.astype(dt)), int(rate)


def resample(
    y: np.ndarray,
    *,
    orig_sr: float,
    target_sr: float,
    res_type: str = "soxr_hq",
    fix: bool = True,
    scale: bool = False,
    axis: int = -1,
) -> np.ndarray:
    """Resample ``y`` from ``orig_sr`` to ``target_sr`` Hz as ``librosa.resample`` with its
    default ``res_type="soxr_hq"``: ``ceil(n * target_sr / orig_sr)`` samples along the last
    axis, float32. ``fix=False``, ``scale=True`` and other ``res_type``/``axis`` values are
    not supported (``ValueError``)."""
    if res_type not in ("soxr_hq", "soxr_vhq"):
        raise ValueError(f"res_type {res_type!r} is not supported (soxr_hq only)")
    if not fix or scale or axis != -1:
        raise ValueError("only fix=True, scale=False, axis=-1 are supported")
    a, b = _rate(orig_sr, "orig_sr"), _rate(target_sr, "target_sr")
    x = np.asarray(y, dtype=np.float32)
    if x.ndim == 1:
        return _ser.resample(np.ascontiguousarray(x), a, b)
    rows = [_ser.resample(np.ascontiguousarray(r), a, b) for r in x.reshape(-1, x.shape[-1])]
    return np.stack(rows).reshape(x.shape[:-1] + (rows[0].shape[-1],))


def feature_names(features: Optional[str] = None) -> List[str]:
    """The column names ``extract`` gives for feature set ``features`` (None: the robust
    preset's, as ``extract``)."""
    return list(_ser.feature_names(_feature_set(features)))


def _feature_set(features: Any) -> str:
    """A known feature-set name, lower case; None is the robust preset's."""
    if features is None:
        return _ser.default_feature_set()
    if not isinstance(features, str):
        raise TypeError(f"features must be a str naming a feature set, got {type(features).__name__}")
    if features.strip().lower() not in FEATURE_SETS:
        raise ValueError(f"unknown feature set {features!r}; known: {', '.join(FEATURE_SETS)}")
    return features.strip().lower()


def _threads(n_jobs: Optional[int]) -> Optional[int]:
    """joblib's convention: -1 (or None) every core, -2 all but one, n > 0 exactly n."""
    if n_jobs is None:
        return None
    if isinstance(n_jobs, bool) or not isinstance(n_jobs, (int, np.integer)):
        raise TypeError(f"n_jobs must be an int, got {type(n_jobs).__name__}")
    n_jobs = int(n_jobs)
    if n_jobs == 0:
        raise ValueError("n_jobs must not be 0")
    if n_jobs == -1:
        return None
    if n_jobs < 0:
        return max(1, (os.cpu_count() or 1) + 1 + n_jobs)
    return n_jobs


def _paths(paths: Any) -> List[str]:
    """A sequence of paths as strings (a single path is refused)."""
    if isinstance(paths, (str, bytes, os.PathLike)):
        raise TypeError("paths must be a sequence of paths, not a single path")
    out = []
    for p in paths:
        if not isinstance(p, (str, os.PathLike)):
            raise TypeError(f"every path must be a str or os.PathLike, got {type(p).__name__}")
        out.append(os.fspath(p))
    return out


def extract(
    paths: Iterable[PathLike],
    features: Optional[str] = None,
    n_jobs: Optional[int] = -1,
    as_pandas: bool = False,
) -> Any:
    """The feature vector of every file, one row per file in input order.

    ``features``: None (the robust preset's: ``"paralinguistic"``), ``"functionals"`` (128
    clip statistics of the whole clip), ``"egemaps"`` (92 eGeMAPS-style statistics of the
    whole clip), ``"paralinguistic"`` (the 128 then the 92), ``"mfcc40"`` or ``"enriched"`` (the study's
    40 / 189 means over 3 s from 0.5 s); each file is loaded as the preset computing that set loads it (22050 Hz, mono),
    exactly as the Rust ``features`` example does. ``n_jobs``: threads (-1: every core).

    Returns a ``pyarrow.Table`` (``as_pandas=True``: a pandas DataFrame) with columns
    ``path`` (str), ``error`` (str, null when the file went through) and one float32 column
    per feature (named by ``feature_names``; null for a file that failed). A file that
    cannot be read or computed gets its error message (naming the file); the others are
    still computed. The GIL is released while the Rust core works.
    """
    import pyarrow as pa

    files = _paths(paths)
    names, values, errors = _ser.extract(files, _feature_set(features), _threads(n_jobs))
    failed = np.array([e is not None for e in errors], dtype=bool)
    columns: Dict[str, Any] = {
        "path": pa.array(files, type=pa.string()),
        "error": pa.array(errors, type=pa.string()),
    }
    for i, name in enumerate(names):
        columns[name] = pa.array(values[:, i], type=pa.float32(), mask=failed)
    table = pa.table(columns)
    return table.to_pandas() if as_pandas else table


class Pipeline:
    """A fitted emotion pipeline: features, per-speaker normalisation, scaling, model(s).

    Model files are those of the Rust ``train`` and ``predict`` examples, both ways:
    ``Pipeline.load`` reads a file ``train`` wrote, and ``predict`` loads one that
    ``Pipeline.save`` wrote. Use ``Pipeline.fit`` to train from Python.
    """

    def __init__(self, inner: Any, skipped: Optional[List[Tuple[str, str]]] = None) -> None:
        """Wrap a ``ser._ser.Pipeline`` (use ``Pipeline.load`` or ``Pipeline.fit``)."""
        self._inner = inner
        #: Files skipped while fitting, as ``(file, reason)``.
        self.skipped: List[Tuple[str, str]] = list(skipped or [])

    @classmethod
    def load(cls, model_path: PathLike) -> "Pipeline":
        """Load a model file; ``ser.ModelError`` if it is missing or not a valid model."""
        return cls(_ser.Pipeline.load(os.fspath(model_path)))

    @classmethod
    def fit(
        cls,
        df_or_paths: Any,
        labels: Optional[Sequence[str]] = None,
        speakers: Optional[Sequence[str]] = None,
        preset: str = "robust",
        *,
        features: Optional[str] = None,
        seed: Optional[int] = None,
        n_jobs: Optional[int] = -1,
    ) -> "Pipeline":
        """Fit a pipeline as the Rust ``train`` example does (without its held-out report).

        ``df_or_paths`` is one of:

        * a pandas DataFrame (or pyarrow Table) with columns ``path`` and ``label`` and,
          optionally, ``speaker``;
        * a sequence of paths, with ``labels`` (and optionally ``speakers``) alongside;
        * a folder or a manifest file path (read as ``train --data`` reads it).

        ``preset``: ``"robust"`` (paralinguistic functionals, per-speaker standardisation, SVM ensemble,
        self-training) or ``"study"``; ``features``/``seed`` replace the preset's. Files that
        could not be used are listed in ``.skipped`` (and a warning is issued).
        """
        if not isinstance(preset, str) or preset.strip().lower() not in ("robust", "study"):
            raise ValueError(f"preset must be 'robust' or 'study', got {preset!r}")
        feats = None if features is None else _feature_set(features)
        if seed is not None and (isinstance(seed, bool) or not isinstance(seed, (int, np.integer)) or seed < 0):
            raise ValueError(f"seed must be a non-negative int, got {seed!r}")
        threads = _threads(n_jobs)
        if isinstance(df_or_paths, (str, os.PathLike)):
            if labels is not None or speakers is not None:
                raise ValueError("labels/speakers go with a list of paths, not a folder or manifest")
            inner, skipped = _ser.Pipeline.fit(os.fspath(df_or_paths), preset, feats, seed, threads)
            return cls._fitted(inner, skipped)
        paths, labels, speakers = _rows(df_or_paths, labels, speakers)
        with tempfile.TemporaryDirectory(prefix="ser-fit-") as tmp:
            manifest = os.path.join(tmp, "manifest.csv")
            with open(manifest, "w", newline="", encoding="utf-8") as f:
                w = csv.writer(f)
                w.writerow(["path", "label", "speaker"] if speakers is not None else ["path", "label"])
                for i, (p, l) in enumerate(zip(paths, labels)):
                    row = [os.path.abspath(p), l]
                    if speakers is not None:
                        row.append(speakers[i])
                    w.writerow(row)
            inner, skipped = _ser.Pipeline.fit(manifest, preset, feats, seed, threads)
        return cls._fitted(inner, skipped)

    @classmethod
    def _fitted(cls, inner: Any, skipped: List[Tuple[str, str]]) -> "Pipeline":
        if skipped:
            warnings.warn(
                f"{len(skipped)} file(s) skipped while fitting; see Pipeline.skipped "
                f"(first: {skipped[0][0]}: {skipped[0][1]})",
                stacklevel=3,
            )
        return cls(inner, skipped)

    def save(self, path: PathLike) -> None:
        """Write the model file (the Rust ``predict`` example loads it)."""
        self._inner.save(os.fspath(path))

    @property
    def classes(self) -> List[str]:
        """Class names, in the order of the scores."""
        return list(self._inner.classes)

    @property
    def features(self) -> str:
        """The feature set's name."""
        return str(self._inner.features)

    @property
    def per_speaker(self) -> bool:
        """Whether features are normalised per speaker (then tell ``predict`` who speaks)."""
        return bool(self._inner.per_speaker)

    def predict(
        self,
        paths: Iterable[PathLike],
        speaker_clips: Optional[Union[PathLike, Sequence[PathLike]]] = None,
        *,
        same_speaker: bool = False,
        group_by_folder: bool = False,
        as_pandas: bool = False,
    ) -> Any:
        """Predict the emotion of every file, as the Rust ``predict`` example does.

        ``speaker_clips`` (files or folders of the speaker, as ``--speaker-clips``),
        ``same_speaker`` (``--same-speaker``) and ``group_by_folder``
        (``--group-by-folder``) say who speaks; with none, a per-speaker pipeline uses its
        training speakers' statistics (``normalisation == "training-fallback"``).

        Returns a list of dicts, one per file in order: ``path``, ``emotion`` (None when no
        speech was heard or the file failed), ``scores`` (class -> probability), ``normalisation``,
        ``speech``, ``reason`` and ``error`` (None when fine). With ``as_pandas=True``, a
        DataFrame with those columns, the scores as one column per class.
        """
        files = _paths(paths)
        clips = None
        if speaker_clips is not None:
            clips = [os.fspath(speaker_clips)] if isinstance(speaker_clips, (str, os.PathLike)) else _paths(speaker_clips)
        rows = self._inner.predict(files, clips, bool(same_speaker), bool(group_by_folder))
        classes = self.classes
        out = []
        for path, emotion, scores, norm, speech, reason, error in rows:
            out.append(
                {
                    "path": path,
                    "emotion": emotion,
                    "scores": None if scores is None else dict(zip(classes, scores)),
                    "normalisation": norm,
                    "speech": speech,
                    "reason": reason,
                    "error": error,
                }
            )
        if not as_pandas:
            return out
        import pandas as pd

        flat = []
        for r in out:
            row = {k: v for k, v in r.items() if k != "scores"}
            for c in classes:
                row[c] = None if r["scores"] is None else r["scores"][c]
            flat.append(row)
        return pd.DataFrame(flat, columns=["path", "emotion", "normalisation", "speech", "reason", "error", *classes])

    def __repr__(self) -> str:
        """The features, classes and fitted models."""
        return repr(self._inner)


def _column(table: Any, name: str) -> Optional[List[Any]]:
    """Column ``name`` of a pandas DataFrame or pyarrow Table as a list (None if absent)."""
    if hasattr(table, "column_names"):  # pyarrow
        return table.column(name).to_pylist() if name in table.column_names else None
    return list(table[name]) if name in table.columns else None


def _rows(data: Any, labels: Any, speakers: Any) -> Tuple[List[str], List[str], Optional[List[str]]]:
    """(paths, labels, speakers) from a DataFrame / Table or from parallel sequences."""
    if hasattr(data, "columns") or hasattr(data, "column_names"):
        if labels is not None or speakers is not None:
            raise ValueError("with a DataFrame, labels and speakers come from its columns")
        paths = _column(data, "path")
        labels = _column(data, "label")
        if paths is None or labels is None:
            raise ValueError("the DataFrame needs 'path' and 'label' columns")
        speakers = _column(data, "speaker")
    else:
        paths = _paths(data)
        if labels is None:
            raise ValueError("labels are required with a list of paths")
        labels = list(labels)
        speakers = None if speakers is None else list(speakers)
    paths = [os.fspath(p) for p in paths]
    if len(labels) != len(paths) or (speakers is not None and len(speakers) != len(paths)):
        raise ValueError("paths, labels and speakers must have the same length")
    for v in labels + (speakers or []):
        if not isinstance(v, str):
            raise TypeError(f"labels and speakers must be str, got {type(v).__name__}")
    return paths, labels, speakers


from . import feature, filters, onset  # noqa: E402  (they import the names above)
from .feature import power_to_db, yin  # noqa: E402
from . import dask  # noqa: E402,F401  (ser.dask without a separate import)
