"""ser from Python beside its peers, in one sitting (issue 17 item 4): per-clip MFCC against
librosa on one thread, a corpus's features against librosa + joblib and opensmile-python on
the same cores. Prints one JSON object; docs/PERFORMANCE.md quotes it.

usage: python peers.py CORPUS_DIR [N_FILES] [N_JOBS]
needs: the ser wheel, librosa, joblib, opensmile (a measuring venv, never the project's tests)
"""
import json, os, pathlib, sys, time

os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("NUMBA_NUM_THREADS", "1")
import numpy as np
import librosa
import joblib
import ser


def median_time(f, reps=30):
    f()
    ts = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        ts.append(time.perf_counter() - t0)
    return float(np.median(ts))


def wall(f):
    t0 = time.perf_counter()
    f()
    return time.perf_counter() - t0


def librosa_mfcc40(path):
    # The study's input, as ser's "mfcc40" loads it: 3 s from 0.5 s at 22050 Hz.
    y, sr = librosa.load(path, sr=22050, offset=0.5, duration=3.0)
    return librosa.feature.mfcc(y=y, sr=sr, n_mfcc=40).mean(axis=1)


_SMILES = {}


def smile_file(feature_set, path):
    # One Smile per worker process and feature set, as a user would keep it.
    import opensmile
    if feature_set not in _SMILES:
        _SMILES[feature_set] = opensmile.Smile(
            feature_set=getattr(opensmile.FeatureSet, feature_set))
    return _SMILES[feature_set].process_file(path).to_numpy()


def main():
    corpus = pathlib.Path(sys.argv[1])
    n = int(sys.argv[2]) if len(sys.argv) > 2 else 300
    jobs = int(sys.argv[3]) if len(sys.argv) > 3 else 2
    paths = [str(p) for p in sorted(corpus.rglob("*.wav"))][:: max(1, 1456 // n)][:n]
    out = {"librosa": librosa.__version__, "files": len(paths), "jobs": jobs}

    # 1. One 3 s clip at 22050 Hz, 40 MFCCs, one thread each.
    rng = np.random.default_rng(0)
    t = np.arange(66150) / 22050
    y = (0.3 * np.sin(2 * np.pi * 180 * t * (1 + 0.1 * np.sin(3 * t)))
         + 0.05 * rng.standard_normal(66150)).astype(np.float32)
    a = median_time(lambda: librosa.feature.mfcc(y=y, sr=22050, n_mfcc=40))
    b = median_time(lambda: ser.feature.mfcc(y=y, sr=22050, n_mfcc=40))
    out["mfcc40_clip_ms"] = {"librosa": 1e3 * a, "ser": 1e3 * b, "ratio": a / b}

    # 2. A corpus: load (resampled to 22050 Hz) + 40 mean MFCCs per file.
    ta = wall(lambda: joblib.Parallel(n_jobs=jobs)(
        joblib.delayed(librosa_mfcc40)(p) for p in paths))
    tb = wall(lambda: ser.extract(paths, features="mfcc40", n_jobs=jobs))
    tb1 = wall(lambda: ser.extract(paths, features="mfcc40", n_jobs=1))
    out["corpus_mfcc40_s"] = {"librosa_joblib": ta, "ser": tb, "ser_1_thread": tb1,
                              "ratio": ta / tb}

    # 3. Functionals: ser's 128 against opensmile's eGeMAPSv02 and ComParE_2016 functionals.
    try:
        import opensmile
    except ImportError:
        opensmile = None
    tf = wall(lambda: ser.extract(paths, features="functionals", n_jobs=jobs))
    res = {"ser_functionals": tf}
    if opensmile is not None:
        for name in ["eGeMAPSv02", "ComParE_2016"]:
            res["opensmile_" + name] = wall(lambda: joblib.Parallel(n_jobs=jobs)(
                joblib.delayed(smile_file)(name, p) for p in paths))
            res["ratio_" + name] = res["opensmile_" + name] / tf
    out["corpus_functionals_s"] = res
    print(json.dumps(out, indent=1))


if __name__ == "__main__":
    main()
