"""Statistics for benchmark samples: percentiles, medians and ratios measured within one run."""

import math
from collections.abc import Sequence


def percentile(samples: Sequence[float], fraction: float) -> float:
    """The ``fraction`` (0..1) percentile, interpolated linearly between the two nearest ranks."""
    if not samples:
        raise ValueError("percentile of no samples")
    if not 0.0 <= fraction <= 1.0:
        raise ValueError(f"fraction must lie in [0, 1], received {fraction}")
    ordered = sorted(samples)
    position = fraction * (len(ordered) - 1)
    lower, upper = math.floor(position), math.ceil(position)
    return ordered[lower] + (ordered[upper] - ordered[lower]) * (position - lower)


def median(samples: Sequence[float]) -> float:
    return percentile(samples, 0.5)


def ratio(numerator: float | None, denominator: float | None) -> float | None:
    """``numerator / denominator``; None when either side is missing or the denominator is zero."""
    if numerator is None or denominator is None or denominator == 0:
        return None
    return numerator / denominator


def rate(count: float, seconds: float) -> float | None:
    """Events per second; None for an empty interval."""
    return ratio(count, seconds)


def latency_summary(seconds: Sequence[float]) -> dict:
    """p50/p99/mean/max of round-trip samples, in milliseconds."""
    millis = [s * 1000.0 for s in seconds]
    return {"n": len(millis), "p50_ms": percentile(millis, 0.5), "p99_ms": percentile(millis, 0.99),
            "mean_ms": sum(millis) / len(millis), "max_ms": max(millis)}
