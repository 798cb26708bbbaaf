"""Performance arithmetic (SPEC §5): timeliness, satisfaction, IKI, IKO, rupiah."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal


@dataclass(frozen=True)
class ScoreWeights:
    timeliness: float = 0.8
    satisfaction: float = 0.2


def timeliness(on_time: int, unexcused_breaches: int) -> float:
    """100 × on-time closes ÷ (on-time closes + unexcused breaches); 100 when nothing was due."""
    due = on_time + unexcused_breaches
    return 100.0 if due == 0 else 100.0 * on_time / due


def satisfaction(rating_sum: int, ratings: int) -> float | None:
    """20 × the mean 1–5 rating, or None without ratings."""
    return 20.0 * rating_sum / ratings if ratings else None


def iki(timeliness_score: float, satisfaction_score: float | None,
        weights: ScoreWeights = ScoreWeights()) -> float:   # noqa: B008 - frozen, immutable
    """IKI = 0.8 × timeliness + 0.2 × satisfaction (timeliness alone without ratings)."""
    if satisfaction_score is None:
        return timeliness_score
    return weights.timeliness * timeliness_score + weights.satisfaction * satisfaction_score


def iko(scores: Sequence[tuple[float, int]]) -> float | None:
    """Mean IKI weighted by tickets due; None when nothing was due in the region."""
    total = sum(weight for _, weight in scores)
    if total == 0:
        return None
    return sum(score * weight for score, weight in scores) / total


def rupiah_of(percent: Decimal, base: int) -> int:
    """`percent` % of `base`, in whole rupiah (half up)."""
    return int((Decimal(base) * percent / 100).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def started_days(late_minutes: float, day_minutes: int = 480) -> int:
    """Working days late, each started day counting whole."""
    return math.ceil(late_minutes / day_minutes) if late_minutes > 0 else 0


def compensation(late_minutes: float, per_day: int, day_minutes: int = 480) -> tuple[int, int]:
    """(started working days late, rupiah owed to the citizen)."""
    days = started_days(late_minutes, day_minutes)
    return days, days * max(per_day, 0)
