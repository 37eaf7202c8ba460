"""Evaluation and artifacts shared by the two chapter 2 classifiers (MLP and CNN on CIFAR-10).

Predicts the test set once, and from those predictions writes the confusion matrix PNG and a
`metrics.json` artifact, returning the metrics for the `done` event. Imports numpy and keras
(a demo process only).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from demos.data import ImageData
from demos.entrypoint import TrainingRun
from demos.figures import confusion_matrix, confusion_matrix_plot


def scale_images(images: np.ndarray) -> np.ndarray:
    """uint8 0..255 -> float32 0..1, as the book does for CIFAR-10."""
    return images.astype("float32") / 255.0


def report_classifier(
    run: TrainingRun, model: Any, data: ImageData, *, batch_size: int = 1000
) -> dict[str, float]:
    """Test accuracy and loss, confusion matrix PNG and metrics JSON; returns the metrics."""
    assert data.y_test is not None
    probabilities = np.asarray(
        model.predict(scale_images(data.x_test), batch_size=batch_size, verbose=0),
        dtype="float64",
    )
    predicted = probabilities.argmax(axis=-1)
    # KERAS_MAX_STEPS_PER_EPOCH caps predict() too, so there may be fewer predictions.
    truth = data.y_test[: len(probabilities)].astype("int64")
    num_classes = probabilities.shape[-1]
    picked = probabilities[np.arange(len(truth)), truth]
    metrics = {
        "test_accuracy": float((predicted == truth).mean()),
        "test_loss": float(-np.log(np.clip(picked, 1e-7, 1.0)).mean()),
        "test_examples": len(truth),
    }
    matrix = confusion_matrix(truth, predicted, num_classes)
    names = data.class_names or tuple(str(i) for i in range(num_classes))
    png = confusion_matrix_plot(
        matrix,
        names,
        run.out_dir / "confusion_matrix.png",
        title=f"{run.options.demo} on {data.name}: test accuracy {metrics['test_accuracy']:.1%}",
    )
    run.artifact("confusion-matrix", png)
    run.write_json(
        "metrics",
        "metrics.json",
        {
            **metrics,
            "dataset": data.name,
            "dataset_source": data.source,
            "classes": list(names),
            "confusion_matrix": matrix.tolist(),
        },
    )
    return metrics
