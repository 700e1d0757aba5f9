"""Aggregate statistics across seeds, after Agarwal et al. 2021 ("Deep RL at the Edge of the
Statistical Precipice", the rliable protocol): interquartile mean and stratified bootstrap
confidence intervals; the Wilson interval of a success rate. Small numpy functions, tested against direct
computations."""

from __future__ import annotations

import math

import numpy as np


def iqm(x) -> float:
    """Interquartile mean: the mean after trimming ⌊n/4⌋ values from each end of the sorted values
    (``scipy.stats.trim_mean(x, 0.25)``, which rliable uses). With fewer than 4 values it is the mean."""
    x = np.sort(np.asarray(x, np.float64).ravel())
    if len(x) == 0:
        return math.nan
    k = int(0.25 * len(x))
    return float(np.mean(x[k:len(x) - k]))


def stratified_bootstrap_ci(strata: list, statistic, reps: int = 2000, confidence: float = 0.95, seed: int = 0):
    """Percentile confidence interval of ``statistic`` over the pooled values, resampling each stratum
    (one stratum per task: that task's runs) with replacement independently, as rliable does.

    Args:
      strata: a list of 1-D arrays (values of one task each).
      statistic: function of the pooled 1-D array, e.g. ``np.mean`` or :func:`iqm`.
    Returns ``(low, high)``; both equal the point estimate when every stratum has a single value.
    """
    rng = np.random.default_rng(seed)
    strata = [np.asarray(s, np.float64).ravel() for s in strata if len(s)]
    if not strata:
        return math.nan, math.nan
    stats = np.empty(reps)
    for r in range(reps):
        stats[r] = statistic(np.concatenate([s[rng.integers(0, len(s), len(s))] for s in strata]))
    alpha = (1.0 - confidence) / 2.0
    return float(np.quantile(stats, alpha)), float(np.quantile(stats, 1.0 - alpha))


def bootstrap_mean_band(matrix, reps: int = 2000, confidence: float = 0.95, seed: int = 0):
    """Mean over seeds and a percentile bootstrap band for each column of ``matrix`` [seeds, points]
    (NaN where a seed has no value at that point; such entries are left out of that column)."""
    rng = np.random.default_rng(seed)
    m = np.asarray(matrix, np.float64)
    mean, low, high = (np.full(m.shape[1], np.nan) for _ in range(3))
    alpha = (1.0 - confidence) / 2.0
    for j in range(m.shape[1]):
        col = m[:, j][~np.isnan(m[:, j])]
        if not len(col):
            continue
        mean[j] = col.mean()
        boots = col[rng.integers(0, len(col), (reps, len(col)))].mean(axis=1)
        low[j], high[j] = np.quantile(boots, alpha), np.quantile(boots, 1.0 - alpha)
    return mean, low, high


def wilson_interval(successes: int, trials: int, z: float = 1.96) -> tuple[float, float]:
    """Wilson score interval of a success rate: (low, high), within [0, 1] even for 0 or ``trials`` successes."""
    p = successes / trials
    centre = (p + z * z / (2 * trials)) / (1 + z * z / trials)
    half = z / (1 + z * z / trials) * ((p * (1 - p) / trials + z * z / (4 * trials * trials)) ** 0.5)
    return max(0.0, centre - half), min(1.0, centre + half)
