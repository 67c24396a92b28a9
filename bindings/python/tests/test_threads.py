"""Several Python threads calling into ser at once get what a serial run gets (the GIL is
released while Rust computes, so they really run together)."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np

import ser
from conftest import voice


def test_threads_give_the_serial_results(corpus):
    rows, _ = corpus
    paths = [r["path"] for r in rows[:8]]
    signals = [voice(22050, 1.0, 100.0 + 20 * i, seed=i) for i in range(8)]
    serial_tables = [ser.extract(paths[i:] + paths[:i], n_jobs=2) for i in range(4)]
    serial_mfcc = [ser.feature.mfcc(y=y) for y in signals]
    serial_chroma = [ser.feature.chroma_stft(y=y) for y in signals]

    def job(k):
        if k % 3 == 0:
            return ser.extract(paths[k % 4:] + paths[: k % 4], n_jobs=2)
        if k % 3 == 1:
            return ser.feature.mfcc(y=signals[k % 8])
        return ser.feature.chroma_stft(y=signals[k % 8])

    with ThreadPoolExecutor(max_workers=6) as pool:
        results = list(pool.map(job, range(36)))
    for k, got in enumerate(results):
        if k % 3 == 0:
            assert got.equals(serial_tables[k % 4])
        elif k % 3 == 1:
            np.testing.assert_array_equal(got, serial_mfcc[k % 8])
        else:
            np.testing.assert_array_equal(got, serial_chroma[k % 8])
