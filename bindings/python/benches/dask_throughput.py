"""Files per second of ser.extract and of ser.dask.extract on a LocalCluster of 1 and 2
workers, on a synthetic corpus this script writes (no recordings are read or downloaded).

    python bindings/python/benches/dask_throughput.py [--files 240] [--seconds 3] [--features functionals]

Each worker is one process with one thread and runs ser.extract(batch, n_jobs=1), so the
figures are per single-threaded worker. The cluster is started and warmed up (one batch)
before the clock starts; the time covers scheduling, extraction and gathering the table.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import time

import soundfile as sf

import ser


def write_corpus(folder: str, n: int, seconds: float) -> list:
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "tests"))
    from conftest import voice

    paths = []
    for i in range(n):
        p = os.path.join(folder, f"clip_{i:05d}.wav")
        sf.write(p, voice(16000, seconds, 100.0 + (i % 17) * 10, seed=i), 16000, subtype="PCM_16")
        paths.append(p)
    return paths


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--files", type=int, default=240)
    ap.add_argument("--seconds", type=float, default=3.0)
    ap.add_argument("--features", default="functionals")
    ap.add_argument("--batch-size", type=int, default=16)
    ap.add_argument("--scheduler", help="address of a running Dask scheduler (tcp://HOST:8786) instead of LocalClusters; "
                    "the corpus is then written under --folder, which must be shared storage")
    ap.add_argument("--folder", help="where to write the corpus (default: a temporary folder)")
    args = ap.parse_args()
    from dask.distributed import Client, LocalCluster

    with tempfile.TemporaryDirectory(dir=args.folder) as tmp:
        paths = write_corpus(tmp, args.files, args.seconds)
        print(f"corpus: {args.files} WAV files, {args.seconds} s at 16 kHz (loaded at 22050 Hz), features={args.features}, cores={os.cpu_count()}")
        ser.extract(paths[:4], features=args.features)
        for n_jobs in (1, -1):
            t = time.perf_counter()
            ref = ser.extract(paths, features=args.features, n_jobs=n_jobs)
            dt = time.perf_counter() - t
            print(f"ser.extract n_jobs={n_jobs:>2}: {dt:6.2f} s, {args.files / dt:7.1f} files/s")
        if args.scheduler:
            with Client(args.scheduler) as client:
                ser.dask.extract(paths[: args.batch_size], features=args.features, client=client, batch_size=args.batch_size)
                t = time.perf_counter()
                got = ser.dask.extract(paths, features=args.features, client=client, batch_size=args.batch_size)
                dt = time.perf_counter() - t
                assert got.equals(ref)
                print(f"ser.dask.extract on {args.scheduler}: {dt:6.2f} s, {args.files / dt:7.1f} files/s")
            return
        for workers in (1, 2):
            with LocalCluster(n_workers=workers, threads_per_worker=1, processes=True, dashboard_address=None) as cluster, Client(cluster) as client:
                ser.dask.extract(paths[: args.batch_size * workers], features=args.features, client=client, batch_size=args.batch_size, n_jobs=1)
                t = time.perf_counter()
                got = ser.dask.extract(paths, features=args.features, client=client, batch_size=args.batch_size, n_jobs=1)
                dt = time.perf_counter() - t
                assert got.equals(ref)
                print(f"ser.dask.extract, LocalCluster {workers} worker(s) x 1 thread: {dt:6.2f} s, {args.files / dt:7.1f} files/s")


if __name__ == "__main__":
    main()
