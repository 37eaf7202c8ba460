"""`--reference`: a demo trained in the book's exact setup, and the book's figure next to ours.

For checking the book's numbers on a GPU (the chapter 2 classifiers: batch 32, 10 epochs, the
full CIFAR-10; the book reports test accuracies of 0.484 and 0.7183). A demo that has such a
setup names it in its `DemoSpec.reference`; the entry point applies it to the options and adds
the comparison to the `done` event.

Standard library only: demo modules import it before the backend is chosen.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import Any

from demos.options import DemoOptions, OptionsError


@dataclass(frozen=True)
class BookReference:
    """The book's exact setup of a demo, and the figure the book reports."""

    metric: str
    """The `done` metric the book's figure is compared with, e.g. "test_accuracy"."""
    book_value: float
    batch_size: int
    epochs: int
    setup: str
    """The setup in words, for the `done` event ("batch 32, 10 epochs, full CIFAR-10")."""


def reference_options(
    demo: str, reference: BookReference | None, options: DemoOptions
) -> DemoOptions:
    """The options of a `--reference` run: the book's batch size and epochs, on the full
    dataset, uncapped; `OptionsError` for a demo without one or a run that cannot be it."""
    if not options.reference:
        return options
    if reference is None:
        raise OptionsError(f"--reference: {demo} has no book setup to reproduce")
    if options.data != "auto" or options.quick or options.lesson:
        raise OptionsError(
            f"--reference trains the book's setup ({reference.setup}): "
            "use it with --data auto and without --quick or --lesson"
        )
    if options.max_steps_per_epoch is not None:
        raise OptionsError("--reference trains full epochs: drop --steps and the step cap")
    return replace(options, batch_size=reference.batch_size, epochs=reference.epochs)


def reference_outcome(reference: BookReference, metrics: Mapping[str, Any]) -> dict[str, Any]:
    """The `done` event's `reference` field: our figure, the book's, and the setup."""
    return {
        "metric": reference.metric,
        "value": metrics.get(reference.metric),
        "book": reference.book_value,
        "setup": reference.setup,
    }
