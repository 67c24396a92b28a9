"""Type stubs of ``ser._ser``, the Rust core (PyO3). Use the wrappers in ``ser``."""

from typing import List, Optional, Sequence, Tuple

import numpy as np
import numpy.typing as npt

__version__: str

class SerError(Exception):
    """Base class of every error ser raises from its Rust core."""

class AudioError(SerError):
    """A recording could not be read (the message names the file)."""

class FeatureError(SerError):
    """Features could not be computed."""

class ModelError(SerError):
    """A model file could not be read or written, or a model could not be fitted or used."""

F32 = npt.NDArray[np.float32]

def load(path: str, sr: Optional[int], mono: bool, offset: float, duration: Optional[float]) -> Tuple[F32, int]:
    """``librosa.load`` semantics: ``(y, sr)``, ``y`` of shape (n,) or (channels, n)."""
def resample(y: F32, orig_sr: int, target_sr: int) -> F32:
    """``librosa.resample`` with ``res_type="soxr_hq"``."""
def spectrogram(y: F32, n_fft: int, hop_length: int, power: float) -> F32:
    """``|stft(y)|**power``, (1 + n_fft/2, frames)."""
def mel_project(s: F32, sr: int, n_fft: int, n_mels: int, fmin: float, fmax: Optional[float], htk: bool, slaney: bool) -> F32:
    """The mel filterbank applied to a spectrogram."""
def mel_filterbank(sr: int, n_fft: int, n_mels: int, fmin: float, fmax: Optional[float], htk: bool, slaney: bool) -> F32:
    """``librosa.filters.mel``."""
def power_to_db(s: F32, ref_value: float, amin: float, top_db: Optional[float]) -> F32:
    """``librosa.power_to_db`` with a scalar reference."""
def mfcc_plan(y: F32, sr: int, n_mfcc: int, n_fft: int, hop_length: int, n_mels: int, fmin: float, fmax: Optional[float], htk: bool) -> F32:
    """librosa.feature.mfcc of 1-D ``y`` with librosa's spectrum defaults, through the cached
    f32 MFCC plan (the fast path of ``ser.feature.mfcc``)."""
    ...
def dct_ortho(s: F32, n_out: int) -> F32:
    """First ``n_out`` orthonormal DCT-II coefficients of each column."""
def chroma_from_power(s: F32, sr: int, n_fft: int, tuning: Optional[float] = None) -> F32:
    """``librosa.feature.chroma_stft(S=s)``."""
def tuning_of(s: F32, sr: int, n_fft: int) -> float:
    """``librosa.estimate_tuning(S=s)``."""
def spectral(kind: str, y: F32, sr: int, n_fft: int, hop_length: int) -> F32:
    """Spectral centroid / bandwidth / rolloff / flatness / contrast of ``y``."""
def zero_crossing_rate(y: F32, frame_length: int, hop_length: int) -> F32:
    """``librosa.feature.zero_crossing_rate``."""
def rms(y: F32, frame_length: int, hop_length: int) -> F32:
    """``librosa.feature.rms``."""
def delta(data: F32, order: int) -> F32:
    """``librosa.feature.delta`` (width 9, interp) along the columns."""
def onset_from_log_mel(log_mel: F32, n_fft: int, hop_length: int) -> F32:
    """``librosa.onset.onset_strength(S=log_mel)``."""
def tempo(onset: F32, sr: int, hop_length: int) -> float:
    """``librosa.feature.tempo(onset_envelope=onset)`` (one value)."""
def yin(y: F32, fmin: float, fmax: float, sr: int, frame_length: int, hop_length: int, trough_threshold: float) -> F32:
    """``librosa.yin``."""
def extract(paths: Sequence[str], features: str, threads: Optional[int] = None) -> Tuple[List[str], F32, List[Optional[str]]]:
    """Feature names, rows (NaN for failed files) and per-file errors, in input order."""
def feature_names(features: str) -> List[str]:
    """Names of the values of a feature set."""

class Pipeline:
    """A fitted pipeline (immutable, shareable between threads)."""

    @staticmethod
    def load(path: str) -> "Pipeline":
        """Load a model file."""
    @staticmethod
    def fit(
        source: str, preset: str, features: Optional[str] = None, seed: Optional[int] = None, threads: Optional[int] = None
    ) -> Tuple["Pipeline", List[Tuple[str, str]]]:
        """Fit on a folder or manifest; returns the pipeline and the skipped files."""
    def save(self, path: str) -> None:
        """Write the model file."""
    @property
    def classes(self) -> List[str]:
        """Class names in score order."""
    @property
    def features(self) -> str:
        """Feature set name."""
    @property
    def per_speaker(self) -> bool:
        """Whether features are normalised per speaker."""
    @property
    def chosen(self) -> str:
        """The fitted model(s) in words."""
    def predict(
        self,
        paths: Sequence[str],
        speaker_clips: Optional[Sequence[str]] = None,
        same_speaker: bool = False,
        group_by_folder: bool = False,
    ) -> List[Tuple[str, Optional[str], Optional[List[float]], Optional[str], Optional[bool], Optional[str], Optional[str]]]:
        """One tuple per file: path, emotion, scores, normalisation, speech, reason, error."""
