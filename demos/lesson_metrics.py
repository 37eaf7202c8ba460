"""The numbers the lessons are judged on, and their honest baselines: plain numpy functions.

Each lesson compares what the model reached with something that knows nothing about the card's
idea, fitted to the same training data and measured on the same held-out data:

* `knn_accuracy`: how well a point's 5 nearest neighbours in a latent space predict its class
  (does the space order itself by class?);
* `mean_image_mse`: the reconstruction error of always predicting the mean training image;
* `gaussian_nll`: the test negative log-likelihood of one Gaussian fitted to the data;
* `unigram_perplexity`: the perplexity of a model that ignores context (word frequencies);
* `independent_pixel_nll`: the NLL of a model whose pixels ignore one another, and
  `pixel_log_likelihood`, such a model as a scoring function;
* `auroc`: the probability that a score ranks a positive above a negative (0.5 is chance).

Imports numpy only, so the CI tests can check every function on synthetic inputs.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence

import numpy as np

#: Test rows compared with all training rows at once in `knn_accuracy` (bounds the memory).
_KNN_CHUNK = 512


def knn_accuracy(
    train_points: np.ndarray,
    train_labels: np.ndarray,
    test_points: np.ndarray,
    test_labels: np.ndarray,
    *,
    k: int = 5,
) -> float:
    """Accuracy of a k-nearest-neighbour vote (Euclidean; ties go to the nearest neighbour's
    class) of each test point among the training points."""
    train = np.asarray(train_points, dtype="float64")
    labels = np.asarray(train_labels, dtype="int64").reshape(-1)
    test = np.asarray(test_points, dtype="float64")
    truth = np.asarray(test_labels, dtype="int64").reshape(-1)
    k = min(k, len(train))
    classes = int(max(labels.max(), truth.max())) + 1
    correct = 0
    for start in range(0, len(test), _KNN_CHUNK):
        chunk = test[start : start + _KNN_CHUNK]
        distances = ((chunk[:, None, :] - train[None, :, :]) ** 2).sum(axis=-1)
        nearest = np.argsort(distances, axis=1, kind="stable")[:, :k]
        votes = np.zeros((len(chunk), classes))
        # Closer neighbours vote a hair more, so a tie goes to the class of the nearest one.
        weights = 1.0 + 1e-6 * np.arange(k, 0, -1)
        np.add.at(votes, (np.arange(len(chunk))[:, None], labels[nearest]), weights)
        correct += int((votes.argmax(axis=1) == truth[start : start + _KNN_CHUNK]).sum())
    return correct / len(test) if len(test) else 0.0


def mean_image_mse(train_images: np.ndarray, test_images: np.ndarray) -> float:
    """Mean squared error on `test_images` of predicting the mean training image for each."""
    mean = np.asarray(train_images, dtype="float64").mean(axis=0)
    return float(((np.asarray(test_images, dtype="float64") - mean) ** 2).mean())


def mse(images: np.ndarray, reconstructions: np.ndarray) -> float:
    """Mean squared error per pixel."""
    difference = np.asarray(images, dtype="float64") - np.asarray(reconstructions, "float64")
    return float((difference**2).mean())


def gaussian_nll(train_points: np.ndarray, test_points: np.ndarray) -> float:
    """Mean negative log-likelihood (nats per point) of `test_points` under the Gaussian whose
    mean and covariance are the maximum-likelihood fit to `train_points`."""
    train = np.asarray(train_points, dtype="float64")
    test = np.asarray(test_points, dtype="float64")
    mean = train.mean(axis=0)
    covariance = np.atleast_2d(np.cov(train, rowvar=False, bias=True))
    dim = train.shape[1]
    _, log_det = np.linalg.slogdet(covariance)
    centred = test - mean
    mahalanobis = np.einsum("ni,ij,nj->n", centred, np.linalg.inv(covariance), centred)
    return float(0.5 * (dim * math.log(2 * math.pi) + log_det + mahalanobis).mean())


def unigram_perplexity(
    train_ids: Sequence[int] | np.ndarray, test_ids: Sequence[int] | np.ndarray, vocab_size: int
) -> float:
    """Perplexity on `test_ids` of word frequencies counted on `train_ids` (add-one smoothed
    over the `vocab_size` ids, so an id never seen in training still has a probability)."""
    counts = np.bincount(np.asarray(train_ids, dtype="int64"), minlength=vocab_size)[:vocab_size]
    probabilities = (counts + 1.0) / (counts.sum() + vocab_size)
    test = np.asarray(test_ids, dtype="int64")
    return float(np.exp(-np.log(probabilities[test]).mean()))


def _position_log_probabilities(levels: np.ndarray, count: int) -> np.ndarray:
    """log P(level | position) counted on integer `levels` (N images), add-one smoothed:
    an array positions × `count`."""
    flat = np.asarray(levels, dtype="int64").reshape(len(levels), -1)
    counts = np.stack([(flat == level).sum(axis=0) for level in range(count)], axis=-1)
    return np.log((counts + 1.0) / (len(flat) + count))


def independent_pixel_nll(train_levels: np.ndarray, test_levels: np.ndarray, levels: int) -> float:
    """Mean NLL per pixel (nats) of `test_levels` when every pixel position has its own level
    distribution, counted on `train_levels` (add-one smoothed) and blind to the other pixels."""
    log_probabilities = _position_log_probabilities(train_levels, levels)
    test = np.asarray(test_levels, dtype="int64").reshape(len(test_levels), -1)
    return float(-log_probabilities[np.arange(test.shape[1]), test].mean())


def pixel_log_likelihood(
    train_images: np.ndarray, bins: int = 16
) -> Callable[[np.ndarray], np.ndarray]:
    """A model of images as independent pixels: each position's histogram of `bins` values,
    counted on `train_images` (values in [-1, 1]); returns the function giving each image's
    log-likelihood under it."""

    def quantised(images: np.ndarray) -> np.ndarray:
        scaled = (np.asarray(images, dtype="float64") + 1.0) / 2.0 * bins
        return np.clip(scaled.astype("int64"), 0, bins - 1).reshape(len(images), -1)

    log_probabilities = _position_log_probabilities(quantised(train_images), bins)
    positions = np.arange(log_probabilities.shape[0])

    def log_likelihood(images: np.ndarray) -> np.ndarray:
        return log_probabilities[positions, quantised(images)].sum(axis=1)

    return log_likelihood


def auroc(positive_scores: np.ndarray, negative_scores: np.ndarray) -> float:
    """The probability that a random positive scores above a random negative (ties count
    half): 1 separates them perfectly, 0.5 is chance."""
    positive = np.asarray(positive_scores, dtype="float64").reshape(-1)
    negative = np.asarray(negative_scores, dtype="float64").reshape(-1)
    scores = np.concatenate([positive, negative])
    # Ranks 1..n, tied scores sharing their average rank (the Mann-Whitney U statistic).
    _, inverse, counts = np.unique(scores, return_inverse=True, return_counts=True)
    ends = np.cumsum(counts)
    ranks = (ends - counts + (counts + 1) / 2)[inverse]
    u = ranks[: len(positive)].sum() - len(positive) * (len(positive) + 1) / 2
    return float(u / (len(positive) * len(negative)))


def ratio(value: float, baseline: float) -> float:
    """`value / baseline`, the form of every "≤ x × the baseline" target (inf if baseline 0)."""
    return value / baseline if baseline > 0 else math.inf
