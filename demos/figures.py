"""The PNG artifacts the demos write: image grids, latent-space scatter plots, confusion matrices.

Uses matplotlib's object API with the Agg canvas (no pyplot, no display, no global figure
state), so it works in a headless subprocess. The pictures a demo writes after every epoch
(`mosaic`, `density_image`) are drawn with Pillow alone: they take milliseconds, not the
fraction of a second a matplotlib figure takes, and their pixels are the samples' own. Imports
numpy, matplotlib and Pillow only; it must not import keras or a backend, so the pictures can
be tested without one.
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


def mosaic(images: np.ndarray, path: Path, *, columns: int, scale: int = 2, gap: int = 2) -> Path:
    """Save images (N×H×W×C floats in [0, 1]) side by side, `columns` per row, each pixel
    `scale`×`scale` screen pixels, on a white background: dark ink on light paper, like
    `image_grid`'s greyscale."""
    from PIL import Image

    images = np.clip(np.asarray(images, dtype="float32"), 0.0, 1.0)
    count, height, width, channels = images.shape
    columns = max(1, min(columns, count))
    rows = math.ceil(count / columns)
    cell_h, cell_w = height * scale + gap, width * scale + gap
    canvas = np.ones((rows * cell_h + gap, columns * cell_w + gap, 3), dtype="float32")
    for index, image in enumerate(images):
        pixels = 1.0 - image if channels == 1 else image  # greyscale as ink, like gray_r
        pixels = np.repeat(np.repeat(pixels, scale, axis=0), scale, axis=1)
        top, left = gap + (index // columns) * cell_h, gap + (index % columns) * cell_w
        canvas[top : top + height * scale, left : left + width * scale] = pixels[..., :3]
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray((canvas * 255).round().astype("uint8")).save(path)
    return path


def density_image(points: np.ndarray, path: Path, *, extent: float = 3.0, size: int = 160) -> Path:
    """Save 2-D points as a density picture, `size`×`size` pixels over [-extent, extent]²
    (darker where more points fall; y upwards): a scatter plot without matplotlib."""
    from PIL import Image

    points = np.asarray(points, dtype="float64")
    counts, _, _ = np.histogram2d(
        points[:, 1], points[:, 0], bins=size, range=[[-extent, extent], [-extent, extent]]
    )
    shade = np.log1p(counts[::-1]) / max(float(np.log1p(counts).max()), 1e-9)
    path.parent.mkdir(parents=True, exist_ok=True)
    Image.fromarray(((1.0 - shade) * 255).round().astype("uint8")).save(path)
    return path


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


def point_clouds(
    panels: Sequence[tuple[str, np.ndarray]],
    path: Path,
    *,
    title: str | None = None,
    colors: np.ndarray | None = None,
) -> Path:
    """Save 2-D point sets side by side, one panel per (title, N×2 points).

    `colors` (one value per point, shared by every panel of the same length) shows where each
    point went, e.g. a flow's data points and their images in latent space.
    """
    height = 4.2 + (0.4 if title else 0.0)
    figure = Figure(figsize=(4.2 * len(panels), height), layout="constrained")
    if title:
        figure.suptitle(title)
    for index, (name, points) in enumerate(panels):
        points = np.asarray(points, dtype="float32")
        axes = figure.add_subplot(1, len(panels), index + 1)
        shade = colors if colors is not None and len(colors) == len(points) else None
        axes.scatter(
            points[:, 0], points[:, 1], c="black" if shade is None else shade,
            cmap=None if shade is None else "viridis", s=3, alpha=0.6,
        )  # fmt: skip
        axes.set_title(name)
        axes.set_aspect("equal", adjustable="datalim")
    return _save(figure, path)


def attention_map(
    weights: np.ndarray,
    tokens: Sequence[str],
    path: Path,
    *,
    title: str,
) -> Path:
    """Save attention weights (heads × T × T, rows the attending token) as one heat map per head."""
    weights = np.asarray(weights, dtype="float32")
    heads, length = weights.shape[0], len(tokens)
    side = max(4.0, 0.32 * length + 1.5)
    figure = Figure(figsize=(side * heads, side + 0.5), layout="constrained")
    figure.suptitle(title)
    for head in range(heads):
        axes = figure.add_subplot(1, heads, head + 1)
        image = axes.imshow(weights[head], cmap="viridis", vmin=0.0, vmax=1.0)
        axes.set_xticks(range(length), labels=list(tokens), rotation=90, fontsize=7)
        axes.set_yticks(range(length), labels=list(tokens), fontsize=7)
        axes.set_xlabel("attended token (key)")
        axes.set_ylabel("attending token (query)")
        axes.set_title(f"head {head + 1}")
        figure.colorbar(image, ax=axes, shrink=0.6)
    return _save(figure, path)
