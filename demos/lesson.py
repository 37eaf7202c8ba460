"""The verdict of a lesson run: the catalogue's lesson plan against the metrics a demo returned.

`python -m demos.NAME --lesson` trains the demo's lesson (its sizes come from the plan, applied
by `demos.options`), and its `done` event carries `lesson_outcome(plan, metrics)`: the metric,
the value reached, the target, and whether the value (and every further requirement of the
plan, such as the number of classes a GAN's samples cover) reached it. The demos compute their
lesson metrics with `demos.lesson_metrics`, always, so every run reports them.

Standard library only: the entry point imports this before the backend is chosen.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

from studyapp.demos.catalogue import LessonPlan
from studyapp.demos.protocol import Lesson


class LessonMetricMissing(RuntimeError):
    """The demo did not report the metric its lesson is about (a bug, or data without labels)."""


def lesson_outcome(plan: LessonPlan, metrics: Mapping[str, Any]) -> Lesson:
    """The `done` event's lesson: the plan's metric in `metrics`, its target, and the verdict."""
    value = metrics.get(plan.metric)
    if isinstance(value, bool) or not isinstance(value, int | float) or math.isnan(value):
        known = ", ".join(sorted(metrics)) or "none"
        raise LessonMetricMissing(
            f"the lesson is about {plan.metric}, which this run did not measure "
            f"(its metrics: {known})"
        )
    return Lesson(plan.metric, float(value), plan.target, plan.reached(metrics))
