"""The networks of the chapter 10 StyleGAN demo (`demos.stylegan`), small enough for a CPU.

A style-based generator, after Karras et al. (2019) as chapter 10 describes it:

* the **mapping network** f turns z (pixel-normalised) into an intermediate latent w through a
  stack of Dense + LeakyReLU layers;
* the **synthesis network** starts from a learned constant 4×4 tensor, not from z, and grows it
  to 32×32 (upsample, 3×3 convolution) through one block per resolution (4, 8, 16, 32);
* each block adds **per-pixel noise** (one learned strength per channel, starting at zero) and
  ends in **adaptive instance normalisation** (AdaIN): every channel of every image is
  normalised to zero mean and unit variance, then scaled and shifted by a style (y_s, y_b)
  that a learned affine map (the book's "A") computes from w. One w per block is a *style*; the
  blocks at 4×4 and 8×8 set the coarse styles, those at 16×16 and 32×32 the fine ones;
* `w_avg`, a running mean of w, makes the **truncation trick** possible:
  w' = w_avg + ψ (w − w_avg) trades variety (ψ = 1) for typical images (ψ → 0).

The discriminator is a plain stride-2 CNN without normalisation, with ProGAN's minibatch
standard deviation channel before its last convolution (the spread of the batch's features, so
a generator that draws one image every time is easy to spot).

`custom_objects()` defines the layers once keras is imported (the entry point chooses the
backend first); `build_generator` and `build_discriminator` build the networks. Imports numpy;
keras only inside the functions.
"""

from __future__ import annotations

import functools
from typing import Any

IMAGE_SIZE = 32
CHANNELS = 1
Z_DIM = 32
W_DIM = 32
MAPPING_LAYERS = 4
#: Channels of the synthesis block at each resolution, 4×4 first.
SYNTHESIS_WIDTHS = {4: 128, 8: 64, 16: 32, 32: 32}
#: Blocks whose style counts as coarse (the rest are fine), by resolution.
COARSE_RESOLUTIONS = (4, 8)
NUM_STYLES = len(SYNTHESIS_WIDTHS)
DISCRIMINATOR_WIDTHS = (32, 64, 128)
W_AVG_DECAY = 0.995


@functools.cache
def custom_objects() -> dict[str, Any]:
    """The StyleGAN layers, for building and for `keras.saving.load_model`."""
    import keras
    from keras import layers, ops

    package = "studyapp_stylegan"

    @keras.saving.register_keras_serializable(package=package)
    class PixelNorm(layers.Layer):
        """z / sqrt(mean(z²) + ε): the mapping network's input on the unit sphere (times √d)."""

        def call(self, inputs: Any) -> Any:
            return inputs * ops.rsqrt(ops.mean(ops.square(inputs), axis=-1, keepdims=True) + 1e-8)

    @keras.saving.register_keras_serializable(package=package)
    class AdaIN(layers.Layer):
        """AdaIN(x, w) = y_s · (x − μ(x)) / σ(x) + y_b, per image and channel; the style
        (y_s, y_b) is an affine map of w, with y_s = 1 + (its first half) so that an untrained
        style leaves the normalised features as they are."""

        def __init__(self, channels: int, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.channels = channels
            self.affine = layers.Dense(2 * channels, name="affine")

        def build(self, input_shape: Any) -> None:
            self.affine.build(input_shape[1])

        def style(self, w: Any) -> tuple[Any, Any]:
            """(y_s, y_b), each N×channels."""
            scale, bias = ops.split(self.affine(w), 2, axis=-1)
            return 1.0 + scale, bias

        def call(self, inputs: Any) -> Any:
            x, w = inputs
            mean = ops.mean(x, axis=(1, 2), keepdims=True)
            variance = ops.var(x, axis=(1, 2), keepdims=True)
            normalised = (x - mean) * ops.rsqrt(variance + 1e-8)
            scale, bias = self.style(w)
            return scale[:, None, None, :] * normalised + bias[:, None, None, :]

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "channels": self.channels}

    @keras.saving.register_keras_serializable(package=package)
    class NoiseInjection(layers.Layer):
        """x + B · noise: one noise image per sample, scaled per channel by a learned B (the
        book's "B"), which starts at zero."""

        def build(self, input_shape: Any) -> None:
            channels = int(input_shape[0][-1])
            self.strength = self.add_weight(shape=(channels,), initializer="zeros", name="strength")

        def call(self, inputs: Any) -> Any:
            x, noise = inputs
            return x + ops.cast(self.strength, x.dtype) * noise

    @keras.saving.register_keras_serializable(package=package)
    class MinibatchStd(layers.Layer):
        """ProGAN's extra channel: the mean over features of the batch's standard deviation."""

        def call(self, inputs: Any) -> Any:
            spread = ops.sqrt(ops.var(inputs, axis=0) + 1e-8)
            value = ops.mean(spread)
            shape = ops.shape(inputs)
            channel = ops.ones((shape[0], shape[1], shape[2], 1), dtype=inputs.dtype) * value
            return ops.concatenate([inputs, channel], axis=-1)

    class StyleGenerator(keras.Model):
        """z → mapping → w → synthesis(w per block, noise per block) → image in [-1, 1]."""

        def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.mapping = keras.Sequential(
                [keras.Input(shape=(Z_DIM,)), PixelNorm()]
                + [
                    # He initialisation keeps w's spread across z through the stack (Glorot's
                    # shrinks it ~2× a layer, and the styles then hardly depend on z).
                    layers.Dense(
                        W_DIM,
                        activation=keras.activations.leaky_relu,
                        kernel_initializer="he_normal",
                    )
                    for _ in range(MAPPING_LAYERS)
                ],
                name="mapping",
            )
            first = SYNTHESIS_WIDTHS[4]
            # Random, not StyleGAN's ones: instance normalisation turns a constant map into
            # zeros (and its gradient into a division by ~0), leaving only the noise to vary.
            self.constant = self.add_weight(
                shape=(1, 4, 4, first), initializer="random_normal", name="constant"
            )
            self.convs = {
                size: layers.Conv2D(width, 3, padding="same", name=f"conv_{size}")
                for size, width in SYNTHESIS_WIDTHS.items()
                if size > 4
            }
            self.noises = {size: NoiseInjection(name=f"noise_{size}") for size in SYNTHESIS_WIDTHS}
            self.adains = {
                size: AdaIN(width, name=f"adain_{size}") for size, width in SYNTHESIS_WIDTHS.items()
            }
            self.to_image = layers.Conv2D(
                CHANNELS, 1, activation="tanh", name="to_image", dtype="float32"
            )
            self.w_avg = self.add_weight(
                shape=(W_DIM,), initializer="zeros", trainable=False, name="w_avg"
            )
            self.seed_generator = keras.random.SeedGenerator(seed)

        def noise_maps(self, batch_size: Any) -> list[Any]:
            """Fresh noise images, one per block."""
            return [
                keras.random.normal((batch_size, size, size, 1), seed=self.seed_generator)
                for size in SYNTHESIS_WIDTHS
            ]

        def synthesis(self, styles: list[Any], noise: list[Any] | None = None) -> Any:
            """The image drawn with `styles` (one N×W_DIM w per block, 4×4 first) and `noise`
            (one N×size×size×1 map per block; None draws fresh noise)."""
            batch_size = ops.shape(styles[0])[0]
            noise = self.noise_maps(batch_size) if noise is None else noise
            x = ops.tile(ops.cast(self.constant, styles[0].dtype), (batch_size, 1, 1, 1))
            for index, size in enumerate(SYNTHESIS_WIDTHS):
                if size > 4:
                    x = ops.repeat(ops.repeat(x, 2, axis=1), 2, axis=2)  # nearest upsampling
                    x = self.convs[size](x)
                x = self.noises[size]([x, ops.cast(noise[index], x.dtype)])
                x = self.adains[size]([keras.activations.leaky_relu(x), styles[index]])
            return self.to_image(x)

        def truncate(self, w: Any, psi: float) -> Any:
            """The truncation trick: w_avg + psi · (w − w_avg)."""
            return self.w_avg + psi * (w - self.w_avg)

        def call(self, z: Any, training: bool = False) -> Any:
            w = self.mapping(z, training=training)
            return self.synthesis([w] * NUM_STYLES)

    return {
        "PixelNorm": PixelNorm,
        "AdaIN": AdaIN,
        "NoiseInjection": NoiseInjection,
        "MinibatchStd": MinibatchStd,
        "StyleGenerator": StyleGenerator,
    }


def mix_styles(first: Any, second: Any, crossover: int) -> list[Any]:
    """Style mixing: `first`'s w for the blocks before `crossover` (the coarse end), `second`'s
    from there on. crossover = NUM_STYLES keeps `first` alone, 0 gives `second` alone."""
    if not 0 <= crossover <= NUM_STYLES:
        raise ValueError(f"crossover must be between 0 and {NUM_STYLES}, not {crossover}")
    return [first if index < crossover else second for index in range(NUM_STYLES)]


def build_generator(seed: int | None = None) -> Any:
    """The style-based generator, built (call it on z of shape N×Z_DIM)."""
    from keras import ops

    generator = custom_objects()["StyleGenerator"](seed=seed, name="generator")
    generator(ops.zeros((1, Z_DIM)))
    return generator


def build_discriminator() -> Any:
    """Image → one logit (real vs generated)."""
    import keras
    from keras import layers

    inputs = keras.Input(shape=(IMAGE_SIZE, IMAGE_SIZE, CHANNELS))
    x = inputs
    for index, width in enumerate(DISCRIMINATOR_WIDTHS):
        x = layers.Conv2D(width, 4, strides=2, padding="same")(x)
        x = layers.LeakyReLU(0.2)(x)
        if index:  # the book's critics' dropout: a discriminator that wins early collapses G
            x = layers.Dropout(0.3)(x)
    x = custom_objects()["MinibatchStd"]()(x)
    x = layers.Conv2D(DISCRIMINATOR_WIDTHS[-1], 3, padding="same")(x)
    x = layers.LeakyReLU(0.2)(x)
    x = layers.Flatten()(x)
    logit = layers.Dense(1, dtype="float32")(x)
    return keras.Model(inputs, logit, name="discriminator")
