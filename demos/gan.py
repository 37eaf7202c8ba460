"""What the chapter 4 GANs (`demos.dcgan`, `demos.wgan_gp`) share: the book's generator, how
many stride-2 blocks an image size takes, drawing and saving a grid of samples, the same latent
points drawn after every epoch, and the lesson's judge.

A GAN has no test loss. The lesson asks a small classifier of the run's own real images about
256 samples: `confident_share` is the share it labels with confidence of at least 0.9, and
`classes_covered` how many classes those fall into (a collapsed generator covers few). A plain
classifier (`demos.digit_judge`'s CNN) is confident about things that are no digit at all: it
labels 20-70% of uniform noise and about half of smooth random blobs with confidence 0.9,
depending on how long it trained. So the judge here is that CNN trained on the real images
together with as many non-images (half uniform noise, half blobs) whose target is "no class
more than another" (outlier exposure, Hendrycks et al. 2019): it labels about none of either
(`judge_non_image_share`), and about 90% of the real test images (`judge_real_share`, the
best a generator can hope for).

Their discriminator and critic differ (batch normalisation, a sigmoid, biases), and so do their
train steps; those stay in each demo. Imports numpy; keras only inside the functions, because
demo modules import this one before the entry point has chosen the backend.
"""

from __future__ import annotations

import argparse
import math
from typing import Any

import numpy as np

from demos.entrypoint import TrainingRun
from demos.figures import mosaic
from demos.image_data import ImageData

#: Samples the lesson's judge reads, and the fixed latent points drawn after every epoch.
JUDGED_SAMPLES = 256
EPOCH_GRID = (3, 10)


def add_network_arguments(
    parser: argparse.ArgumentParser,
    *,
    critic: str,
    width: int,
    learning_rate: float,
    dropout: float,
    widths: str = "doubled block by block",
) -> None:
    """The options the lessons of the digit GANs set: --width (the `critic`'s first block and
    the generator's last; the other blocks' `widths`), --learning-rate and --dropout."""
    from demos.options import positive_int

    parser.add_argument(
        "--width",
        type=positive_int,
        default=width,
        help=f"filters of the {critic}'s first and the generator's last block, {widths} "
        f"(default {width})",
    )
    parser.add_argument(
        "--learning-rate",
        type=float,
        default=learning_rate,
        help=f"both players' Adam learning rate (default {learning_rate})",
    )
    parser.add_argument(
        "--dropout",
        type=float,
        default=dropout,
        help=f"the {critic}'s dropout rate (default {dropout})",
    )


def stride2_blocks(image_size: int) -> int:
    """How many stride-2 blocks take an image of `image_size` down to 4×4 (discriminator or
    critic) or up from 4×4 (generator), where a kernel-4 valid convolution maps to or from a
    single pixel."""
    blocks = int(math.log2(image_size)) - 2
    if image_size != 4 * 2**blocks or blocks < 2:
        raise ValueError(f"image size must be a power of two >= 16, not {image_size}")
    return blocks


def build_generator(
    image_size: int, channels: int, *, z_dim: int, output_bias: bool, width: int = 64
) -> Any:
    """The book's generator: a `z_dim` normal vector through Conv2DTranspose (kernel 4) +
    BatchNorm (momentum 0.9) + LeakyReLU 0.2 blocks to a tanh image in [-1, 1].

    `output_bias`: whether the last transposed convolution has a bias (the WGAN-GP's has, the
    DCGAN's has not). `width`: the filters of the last block (the book's 64), doubled block by
    block towards the latent vector.
    """
    import keras
    from keras import layers

    filters = [width * 2**i for i in reversed(range(stride2_blocks(image_size)))]
    inputs = keras.Input(shape=(z_dim,))
    x = layers.Reshape((1, 1, z_dim))(inputs)
    x = layers.Conv2DTranspose(filters[0], 4, strides=1, padding="valid", use_bias=False)(x)
    x = layers.BatchNormalization(momentum=0.9)(x)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    for width in filters[1:]:
        x = layers.Conv2DTranspose(width, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
    outputs = layers.Conv2DTranspose(
        channels,
        4,
        strides=2,
        padding="same",
        use_bias=output_bias,
        activation="tanh",
        dtype="float32",
    )(x)
    return keras.Model(inputs, outputs, name="generator")


def generate_samples(generator: Any, count: int, *, z_dim: int, seed: int) -> np.ndarray:
    """`count` images from latent points z ~ N(0, I) drawn with `seed`, as float32 in [0, 1]."""
    rng = np.random.default_rng(seed)
    z = rng.standard_normal((count, z_dim)).astype("float32")
    return np.asarray(generator.predict(z, verbose=0), dtype="float32") * 0.5 + 0.5


def write_samples(
    demo: TrainingRun,
    generator: Any,
    *,
    z_dim: int,
    grid: tuple[int, int],
    title: str,
    array: bool = True,
) -> None:
    """Draw a `grid` (rows, columns) of samples with the run's seed and save them
    (`TrainingRun.save_samples`)."""
    samples = generate_samples(generator, grid[0] * grid[1], z_dim=z_dim, seed=demo.options.seed)
    demo.save_samples(samples, columns=grid[1], title=title, array=array)


def epoch_pictures(demo: TrainingRun, generator: Any, *, z_dim: int) -> Any:
    """A callback drawing the same `EPOCH_GRID` latent points after every epoch."""
    from demos.epoch_pictures import EpochPictures

    count = EPOCH_GRID[0] * EPOCH_GRID[1]
    seed = demo.options.seed + 1

    def draw(path: Any) -> Any:
        samples = generate_samples(generator, count, z_dim=z_dim, seed=seed)
        return mosaic(samples, path, columns=EPOCH_GRID[1])

    return EpochPictures(demo, draw)


def non_images(count: int, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    """`count` images in [0, 1] that are no image of anything: uniform noise, and blobs
    (noise smoothed, then thresholded into a few dark shapes)."""
    from scipy.ndimage import gaussian_filter

    noise = rng.uniform(size=(count // 2, *shape))
    smooth = gaussian_filter(rng.uniform(size=(count - count // 2, *shape)), (0, 2.5, 2.5, 0))
    low = smooth.min(axis=(1, 2, 3), keepdims=True)
    smooth = (smooth - low) / (np.ptp(smooth, axis=(1, 2, 3), keepdims=True) + 1e-9)
    blobs = np.where(smooth > 0.6, smooth, 0.0)
    return np.concatenate([noise, blobs]).astype("float32")


def train_judge(data: ImageData, *, seed: int) -> Any:
    """The lesson's judge (see the module docstring), trained on `data`'s training images."""
    from demos import digit_judge

    assert data.y_train is not None
    images = data.x_train.astype("float32") / 255.0
    classes = max(len(data.class_names), int(data.y_train.max()) + 1)
    others = non_images(len(images), images.shape[1:], np.random.default_rng([seed, 9]))
    return digit_judge.train_judge(
        images, data.y_train, num_classes=classes, seed=seed, outliers=others
    )


def judged_metrics(
    demo: TrainingRun, generator: Any, data: ImageData, *, z_dim: int
) -> dict[str, float]:
    """The judge's verdict on `JUDGED_SAMPLES` samples (see the module docstring), with its
    own accuracy and its share of confident labels on real test images and on non-images;
    nothing for images without labels (a folder) or a --quick smoke run."""
    from demos import digit_judge

    options = demo.options
    if data.y_train is None or data.y_test is None or (options.quick and not options.lesson):
        return {}
    judge = train_judge(data, seed=options.seed)
    samples = generate_samples(generator, JUDGED_SAMPLES, z_dim=z_dim, seed=options.seed + 2)
    verdict = digit_judge.judge(judge, samples)
    real = digit_judge.judge(judge, data.x_test / 255.0)
    others = non_images(JUDGED_SAMPLES, samples.shape[1:], np.random.default_rng(options.seed))
    # KERAS_MAX_STEPS_PER_EPOCH caps predict() too, so there may be fewer predictions.
    truth = data.y_test[: len(real.predicted)]
    return {
        "confident_share": verdict.confident_share,
        "classes_covered": float(verdict.classes_covered),
        "judge_test_accuracy": float(np.mean(real.predicted == truth)),
        "judge_real_share": real.confident_share,
        "judge_non_image_share": digit_judge.judge(judge, others).confident_share,
    }
