"""Small statistics and formatting helpers (no numpy: the figures are few)."""

from __future__ import annotations

import math
import statistics
from typing import Sequence


def median(xs: Sequence[float]) -> float:
    return statistics.median(xs) if xs else math.nan


def pct(xs: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100), nearest-rank (no interpolation): p95 of 20 values is the 19th."""
    if not xs:
        return math.nan
    s = sorted(xs)
    k = max(0, min(len(s) - 1, math.ceil(q / 100 * len(s)) - 1))
    return s[k]


def ratio(x: float, base: float) -> float:
    if base is None or x is None or not base or math.isnan(base) or math.isnan(x):
        return math.nan
    return x / base


def fmt_s(x: float) -> str:
    if x is None or math.isnan(x):
        return "-"
    if x < 0.01:
        return f"{x * 1000:.2f} ms"
    if x < 1:
        return f"{x * 1000:.0f} ms"
    return f"{x:.2f} s"


def fmt_mb(x: float) -> str:
    if x is None or math.isnan(x):
        return "-"
    return f"{x / 1e6:.0f} MB"


def fmt_x(x: float) -> str:
    if x is None or math.isnan(x):
        return "-"
    return f"{x:.2f}×"


class Row:
    """One line of the results table: a figure, its baseline (measured in the same run) and the ratio."""

    def __init__(self, section: str, what: str, value: float, baseline: float | None = None,
                 baseline_label: str = "", kind: str = "s", note: str = "") -> None:
        self.section, self.what, self.value = section, what, value
        self.baseline, self.baseline_label, self.kind, self.note = baseline, baseline_label, kind, note

    def fmt(self, x: float | None) -> str:
        if x is None:
            return "-"
        if self.kind == "s":
            return fmt_s(x)
        if self.kind == "mb":
            return fmt_mb(x)
        if self.kind == "n":
            return "-" if math.isnan(x) else f"{x:,.0f}"
        return f"{x:.3g}"

    @property
    def ratio(self) -> float:
        return ratio(self.value, self.baseline) if self.baseline is not None else math.nan

    def cells(self) -> list[str]:
        return [self.section, self.what, self.fmt(self.value),
                f"{self.baseline_label}: {self.fmt(self.baseline)}" if self.baseline is not None else "-",
                fmt_x(self.ratio) if self.baseline is not None else "-", self.note]
