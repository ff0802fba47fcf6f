"""Small, numpy-only versions of the objectivity statistics (INDICATORS.md §B, §C).

The generator uses them to make its planted cases real and its clean schools clean (it
re-draws a school's paper until they hold, with a safety margin); the truth file reports
their values. They are not the pipeline's implementation and deliberately stay simple.
"""
from __future__ import annotations

import math
from collections.abc import Sequence

import numpy as np


def mean_ci95(values: Sequence[float]) -> tuple[float, float, float]:
    """(mean, lower, upper) of x̄ ± 1.96·s/√n, s the sample standard deviation (ddof=1)."""
    x = np.asarray(values, dtype=float)
    if len(x) < 2:
        m = float(x.mean()) if len(x) else float("nan")
        return m, m, m
    half = 1.96 * float(x.std(ddof=1)) / math.sqrt(len(x))
    m = float(x.mean())
    return m, m - half, m + half


def ranks(values: Sequence[float]) -> np.ndarray:
    """Ranks 1..n with ties given their average rank."""
    x = np.asarray(values, dtype=float)
    order = np.argsort(x, kind="mergesort")
    r = np.empty(len(x))
    r[order] = np.arange(1, len(x) + 1)
    for v in np.unique(x):
        tie = x == v
        r[tie] = r[tie].mean()
    return r


def spearman(x: Sequence[float], y: Sequence[float]) -> float | None:
    """Spearman's rho; None when either side is constant or there are fewer than 2 pairs."""
    if len(x) < 2 or len(set(x)) < 2 or len(set(y)) < 2:
        return None
    return float(np.corrcoef(ranks(x), ranks(y))[0, 1])


def boundary_fit(histogram: Sequence[int], boundaries: Sequence[int], degree: int = 5) -> np.ndarray:
    """Counterfactual histogram: a degree-5 polynomial fitted on scores outside b−1..b+1 of
    every boundary b (Dee et al.), evaluated at every score 0..max."""
    counts = np.asarray(histogram, dtype=float)
    scores = np.arange(len(counts))
    keep = np.ones(len(counts), dtype=bool)
    for b in boundaries:
        keep[max(0, b - 1): b + 2] = False
    poly = np.polynomial.Polynomial.fit(scores[keep], counts[keep], degree)
    return poly(scores)


def binom_sf(k: int, n: int, p: float) -> float:
    """P(X ≥ k) for X ~ Binomial(n, p), exactly."""
    p = min(max(p, 1e-12), 1 - 1e-12)
    return float(sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k, n + 1)))


def bunching_test(school_scores: Sequence[int], fit: np.ndarray, b: int) -> tuple[int, int, float, float]:
    """The O4 school test at boundary b: (pupils in b−2..b, pupils at b, expected share, p)."""
    s = np.asarray(school_scores)
    window = int(((s >= b - 2) & (s <= b)).sum())
    at_b = int((s == b).sum())
    f = np.clip(fit[b - 2: b + 1], 1e-9, None)
    share = float(f[2] / f.sum())
    return window, at_b, share, binom_sf(at_b, window, share) if window else 1.0
