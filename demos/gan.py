"""What the chapter 4 GANs (`demos.dcgan`, `demos.wgan_gp`) share: the book's generator, how
many stride-2 blocks an image size takes, and drawing and saving a grid of samples.

Their discriminator and critic differ (batch normalisation, a sigmoid, biases), and so do their
train steps; those stay in each demo. Imports numpy; keras only inside the functions, because
demo modules import this one before the entry point has chosen the backend.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from demos.entrypoint import TrainingRun


def stride2_blocks(image_size: int) -> int:
    """How many stride-2 blocks take an image of `image_size` down to 4×4 (discriminator or
    critic) or up from 4×4 (generator), where a kernel-4 valid convolution maps to or from a
    single pixel."""
    blocks = int(math.log2(image_size)) - 2
    if image_size != 4 * 2**blocks or blocks < 2:
        raise ValueError(f"image size must be a power of two >= 16, not {image_size}")
    return blocks


def build_generator(image_size: int, channels: int, *, z_dim: int, output_bias: bool) -> Any:
    """The book's generator: a `z_dim` normal vector through Conv2DTranspose (kernel 4) +
    BatchNorm (momentum 0.9) + LeakyReLU 0.2 blocks to a tanh image in [-1, 1].

    `output_bias`: whether the last transposed convolution has a bias (the WGAN-GP's has, the
    DCGAN's has not).
    """
    import keras
    from keras import layers

    filters = [64 * 2**i for i in reversed(range(stride2_blocks(image_size)))]
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
