"""考核权重: the center's weights for the unit scorecards (read and set).

Defaults (hotline.domain.supervision.scorecard): 签收及时率 10, 解决率 45, 满意率 45, 履职规范率 50;
a finding counts 3 (推诿 bounce, 未联系即办结), 2 (退单/办结被驳回), 1 (others) or ½ (超时签收).
A saved weight replaces its default; the scorecards are scored with
the weights of the moment each time a page shows them (the counts come from the cached report).
"""

from __future__ import annotations

import math
from collections.abc import Mapping

from django.db import transaction
from django.utils.translation import gettext as _

from hotline.domain.supervision.scorecard import DEFAULT_FINDING_WEIGHTS, DEFAULT_WEIGHTS
from hotline.reference.models import ScoreWeight

MAX_WEIGHT = 1000.0


class ScoreWeightError(ValueError):
    """Bad weights: ``errors`` maps each wrong field (a key) to what is wrong with it."""

    def __init__(self, errors: dict[str, str]) -> None:
        super().__init__("; ".join(f"{k}: {v}" for k, v in errors.items()))
        self.errors = errors


def score_weights() -> tuple[dict[str, float], dict[str, float]]:
    """(rate weights, detector weights): the defaults with the center's saved weights."""
    saved = dict(ScoreWeight.objects.values_list("key", "weight"))
    rates = {key: saved.get(key, default) for key, default in DEFAULT_WEIGHTS.items()}
    detectors = {key: saved.get(key, default) for key, default in DEFAULT_FINDING_WEIGHTS.items()}
    return rates, detectors


def score_weights_set(*, values: Mapping[str, str | float]) -> None:
    """Save every weight in ``values`` (all of DEFAULT_WEIGHTS and DEFAULT_FINDING_WEIGHTS are
    expected), or none: numbers from 0 to MAX_WEIGHT, the rate weights not all 0."""
    errors: dict[str, str] = {}
    parsed: dict[str, float] = {}
    for key in (*DEFAULT_WEIGHTS, *DEFAULT_FINDING_WEIGHTS):
        raw = values.get(key)
        if raw is None or str(raw).strip() == "":
            errors[key] = _("请填写权重。")
            continue
        try:
            number = float(str(raw).strip())
        except ValueError:
            errors[key] = _("权重须是数字。")
            continue
        if not math.isfinite(number) or number < 0 or number > MAX_WEIGHT:
            errors[key] = _("权重须在 0 到 1000 之间。")
            continue
        parsed[key] = number
    if not errors and not any(parsed[key] for key in DEFAULT_WEIGHTS):
        errors[next(iter(DEFAULT_WEIGHTS))] = _("各项指标的权重不能全为 0。")
    if errors:
        raise ScoreWeightError(errors)
    with transaction.atomic():
        for key, weight in parsed.items():
            ScoreWeight.objects.update_or_create(key=key, defaults={"weight": weight})
