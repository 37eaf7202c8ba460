"""The PNG artifacts the demos write: image grids, latent-space scatter plots, confusion matrices.

Uses matplotlib's object API with the Agg canvas (no pyplot, no display, no global figure
state), so it works in a headless subprocess. Imports numpy and matplotlib only; it must not
import keras or a backend, so the pictures can be tested without one.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from pathlib import Path

import numpy as np
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure


def _save(figure: Figure, path: Path) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    FigureCanvasAgg(figure)
    figure.savefig(path, format="png", dpi=100)
    return path


def image_grid(
    images: np.ndarray,
    path: Path,
    *,
    columns: int = 10,
    title: str | None = None,
    row_labels: Sequence[str] | None = None,
) -> Path:
    """Save images (N×H×W×C floats in [0, 1]) as a grid, `columns` per row."""
    images = np.clip(np.asarray(images, dtype="float32"), 0.0, 1.0)
    count = len(images)
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    figure = Figure(figsize=(columns * 1.1, rows * 1.1 + (0.4 if title else 0.0)))
    if title:
        figure.suptitle(title)
    for i in range(rows * columns):
        axes = figure.add_subplot(rows, columns, i + 1)
        axes.set_axis_off()
        if i < count:
            image = images[i]
            if image.shape[-1] == 1:
                axes.imshow(image[..., 0], cmap="gray_r", vmin=0.0, vmax=1.0)
            else:
                axes.imshow(image)
        if row_labels and i % columns == 0 and i // columns < len(row_labels):
            axes.set_title(row_labels[i // columns], fontsize=8, loc="left")
    return _save(figure, path)


def latent_scatter(
    points: np.ndarray,
    path: Path,
    *,
    labels: np.ndarray | None = None,
    class_names: Sequence[str] = (),
    title: str = "Latent space",
    highlight: np.ndarray | None = None,
) -> Path:
    """Save a scatter plot of 2-D latent points, coloured by label when labels are given.

    `highlight` draws extra points (e.g. the latent points a sample grid was decoded from).
    """
    points = np.asarray(points, dtype="float32")
    figure = Figure(figsize=(7, 6), layout="constrained")
    axes = figure.add_subplot()
    if labels is not None:
        count = max(len(class_names), int(np.max(labels)) + 1 if len(labels) else 1)
        collection = axes.scatter(
            points[:, 0],
            points[:, 1],
            c=labels,
            cmap="tab10" if count <= 10 else "tab20" if count <= 20 else "viridis",
            s=4,
            alpha=0.7,
            vmin=-0.5,
            vmax=count - 0.5,
        )
        if count <= 20:
            colorbar = figure.colorbar(collection, ax=axes, ticks=range(count))
            if class_names:
                colorbar.ax.set_yticklabels(list(class_names)[:count])
        else:
            figure.colorbar(collection, ax=axes)
    else:
        axes.scatter(points[:, 0], points[:, 1], c="black", s=3, alpha=0.5)
    if highlight is not None:
        axes.scatter(highlight[:, 0], highlight[:, 1], c="#00B0F0", s=30, edgecolors="black")
    axes.set_xlabel("z[0]")
    axes.set_ylabel("z[1]")
    axes.set_title(title)
    return _save(figure, path)


def confusion_matrix(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    """Counts[i, j] = examples of class i predicted as class j."""
    y_true = np.asarray(y_true, dtype="int64").reshape(-1)
    y_pred = np.asarray(y_pred, dtype="int64").reshape(-1)
    flat = np.bincount(y_true * num_classes + y_pred, minlength=num_classes * num_classes)
    return flat.reshape(num_classes, num_classes)


def confusion_matrix_plot(
    matrix: np.ndarray, class_names: Sequence[str], path: Path, *, title: str
) -> Path:
    """Save a confusion matrix as a heat map with the counts written in the cells."""
    matrix = np.asarray(matrix)
    figure = Figure(figsize=(8, 7), layout="constrained")
    axes = figure.add_subplot()
    image = axes.imshow(matrix, cmap="Blues")
    figure.colorbar(image, ax=axes)
    ticks = range(len(class_names))
    axes.set_xticks(ticks, labels=list(class_names), rotation=45, ha="right")
    axes.set_yticks(ticks, labels=list(class_names))
    axes.set_xlabel("predicted")
    axes.set_ylabel("true")
    axes.set_title(title)
    threshold = matrix.max() / 2 if matrix.size else 0
    for (i, j), count in np.ndenumerate(matrix):
        axes.text(
            j,
            i,
            str(count),
            ha="center",
            va="center",
            fontsize=7,
            color="white" if count > threshold else "black",
        )
    return _save(figure, path)
