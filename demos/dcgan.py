"""Chapter 4 demo: the book's deep convolutional GAN (DCGAN).

    python -m demos.dcgan [--quick] [--data auto|offline|PATH] ...

The book trains on 64×64 greyscale LEGO brick photos from Kaggle, which this app cannot
download. By default the demo trains on **Fashion-MNIST** (`keras.datasets.fashion_mnist`,
padded to 32×32×1; the same download as the chapter 3 demos); `--data PATH` accepts a folder of
images such as the LEGO dataset's `dataset/` folder, which trains at the book's 64×64.

Architecture, as in the book, with one stride-2 block fewer at 32×32: a discriminator of
Conv2D (kernel 4, stride 2, no bias) + BatchNorm (momentum 0.9) + LeakyReLU 0.2 + Dropout 0.3
blocks (64, 128, 256[, 512] filters) ending in a 4×4 valid Conv2D with a sigmoid; a generator
from a 100-d normal vector through Conv2DTranspose (kernel 4) + BatchNorm + LeakyReLU blocks to a
tanh image in [-1, 1]. Adam 2e-4 (beta_1 0.5) for both, batch 128, noisy labels (real labels in
[1, 1.1], fake in [-0.1, 0]). The `loss` of the progress events is the discriminator's loss.

The adversarial step updates two models with two optimizers from one forward pass, so it is a
hand-written `train_step`. The losses are `keras.ops`; only taking the gradients is
backend-specific (a GradientTape on TensorFlow, `torch.autograd.grad` on PyTorch; JAX needs a
stateless step that is not written yet and is refused with a clear message). Under
`mixed_float16` both optimizers are wrapped in a `LossScaleOptimizer` and the step scales each
loss before differentiating; the wrapper unscales and skips non-finite steps.

The lesson (`--lesson`) trains a narrower DCGAN in more steps: `--width 32` (discriminator
32, 64, 128 filters; generator 128, 64, 32), Adam 4e-4 (`--learning-rate`), no dropout
(`--dropout 0`) and one-sided label smoothing (`--label-smoothing 0.1`: real images' target
0.9, generated ones' 0) instead of the noisy labels, which let the discriminator saturate. In
the book's setup the samples stay blurry within the lesson's minutes (about 0.1 of them
recognised); this way about 1,900 steps fit, and most samples are clear digits.

Artifacts: `samples.png`, a 3×10 grid of generated images, and `epochs/`, the same 30 latent
points drawn before training and after each epoch. The lesson's numbers (`confident_share`,
`classes_covered`) come from a classifier of the real images (`demos.gan`). The generator and
the sampling are shared with `demos.wgan_gp` (`demos.gan`). keras is imported inside the
functions: the entry point sets KERAS_BACKEND before the first keras import.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence
from typing import Any

from demos import gan
from demos.entrypoint import DemoSpec, TrainingRun, last_epoch_metrics, run
from demos.image_data import scale_to_tanh_range
from demos.local_images import is_image_folder
from studyapp.demos.catalogue import demo_by_module

Z_DIM = 100
CHANNELS = 1
#: Fashion-MNIST is padded to 32×32 like in chapter 3; image folders train at the book's 64×64.
FASHION_IMAGE_SIZE = 32
FOLDER_IMAGE_SIZE = 64
LEARNING_RATE = 2e-4
ADAM_BETA_1 = 0.5
ADAM_BETA_2 = 0.999
NOISE_PARAM = 0.1
DROPOUT = 0.3
#: The book's filters in the first discriminator block (and last generator block).
WIDTH = 64
#: The book runs 300 epochs over 40,000 LEGO images; Fashion-MNIST has 60,000 simpler images.
SAMPLE_GRID = (3, 10)  # rows, columns, as in the book


def add_arguments(parser: argparse.ArgumentParser) -> None:
    gan.add_network_arguments(
        parser,
        critic="discriminator",
        width=WIDTH,
        learning_rate=LEARNING_RATE,
        dropout=DROPOUT,
    )
    parser.add_argument(
        "--label-smoothing",
        type=float,
        default=None,
        help="train the discriminator towards 1 - this for real images and 0 for generated "
        "ones (one-sided label smoothing, what the lesson does) instead of the book's noisy "
        "labels",
    )


def image_size_for(data: str) -> int:
    """64 for a folder of images (the book's LEGO size), else 32 (padded Fashion-MNIST)."""
    return FOLDER_IMAGE_SIZE if is_image_folder(data) else FASHION_IMAGE_SIZE


def build_discriminator(
    image_size: int = FASHION_IMAGE_SIZE,
    channels: int = CHANNELS,
    width: int = WIDTH,
    dropout: float = DROPOUT,
) -> Any:
    import keras
    from keras import layers

    filters = [width * 2**i for i in range(gan.stride2_blocks(image_size))]
    inputs = keras.Input(shape=(image_size, image_size, channels))
    x = layers.Conv2D(filters[0], 4, strides=2, padding="same", use_bias=False)(inputs)
    x = layers.LeakyReLU(negative_slope=0.2)(x)
    x = layers.Dropout(dropout)(x)
    for width in filters[1:]:
        x = layers.Conv2D(width, 4, strides=2, padding="same", use_bias=False)(x)
        x = layers.BatchNormalization(momentum=0.9)(x)
        x = layers.LeakyReLU(negative_slope=0.2)(x)
        x = layers.Dropout(dropout)(x)
    x = layers.Conv2D(
        1, 4, strides=1, padding="valid", use_bias=False, activation="sigmoid", dtype="float32"
    )(x)
    outputs = layers.Flatten(dtype="float32")(x)
    return keras.Model(inputs, outputs, name="discriminator")


def build_generator(
    image_size: int = FASHION_IMAGE_SIZE, channels: int = CHANNELS, width: int = WIDTH
) -> Any:
    return gan.build_generator(image_size, channels, z_dim=Z_DIM, output_bias=False, width=width)


def build_dcgan(
    image_size: int = FASHION_IMAGE_SIZE,
    *,
    width: int = WIDTH,
    label_smoothing: float | None = None,
    learning_rate: float = LEARNING_RATE,
    dropout: float = DROPOUT,
    seed: int | None = None,
) -> tuple[Any, Any, Any]:
    """(dcgan, discriminator, generator); call `dcgan.compile()` before `fit`.

    `label_smoothing`: None for the book's noisy labels, else the real images' target is
    1 - it (and the generated images' 0)."""
    import keras
    from keras import ops

    # Defined here, not at module level: keras may only be imported once the entry point has
    # chosen the backend.
    class DCGAN(keras.Model):
        def __init__(self, discriminator: Any, generator: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.discriminator = discriminator
            self.generator = generator
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.d_loss_metric = keras.metrics.Mean(name="d_loss")
            self.d_real_acc_metric = keras.metrics.BinaryAccuracy(name="d_real_acc")
            self.d_fake_acc_metric = keras.metrics.BinaryAccuracy(name="d_fake_acc")
            self.d_acc_metric = keras.metrics.BinaryAccuracy(name="d_acc")
            self.g_loss_metric = keras.metrics.Mean(name="g_loss")
            self.g_acc_metric = keras.metrics.BinaryAccuracy(name="g_acc")
            self.loss_fn = keras.losses.BinaryCrossentropy()

        def compile(self, **kwargs: Any) -> None:
            backend = keras.backend.backend()
            if backend not in ("tensorflow", "torch"):
                raise NotImplementedError(
                    f"the DCGAN train step is written for the tensorflow and torch backends, "
                    f"not {backend}; pass --backend tensorflow"
                )
            super().compile(**kwargs)
            adam = {"learning_rate": learning_rate, "beta_1": ADAM_BETA_1, "beta_2": ADAM_BETA_2}
            self.d_optimizer = keras.optimizers.Adam(**adam)
            self.g_optimizer = keras.optimizers.Adam(**adam)
            if keras.mixed_precision.global_policy().name == "mixed_float16":
                # What compile() does for a single optimizer, done for both of ours.
                self.d_optimizer = keras.optimizers.LossScaleOptimizer(self.d_optimizer)
                self.g_optimizer = keras.optimizers.LossScaleOptimizer(self.g_optimizer)
            # Build the optimizer state now rather than inside the first traced step.
            self.d_optimizer.build(self.discriminator.trainable_variables)
            self.g_optimizer.build(self.generator.trainable_variables)

        @property
        def metrics(self) -> list[Any]:
            return [
                self.d_loss_metric,
                self.d_real_acc_metric,
                self.d_fake_acc_metric,
                self.d_acc_metric,
                self.g_loss_metric,
                self.g_acc_metric,
            ]

        def call(self, z: Any, training: bool = False) -> Any:
            return self.generator(z, training=training)

        def adversarial_losses(self, real_images: Any) -> dict[str, Any]:
            """One forward pass of both players; the book's losses, in keras.ops."""
            batch_size = ops.shape(real_images)[0]
            z = keras.random.normal((batch_size, Z_DIM), seed=self.seed_generator)
            generated = self.generator(z, training=True)
            real_predictions = self.discriminator(real_images, training=True)
            fake_predictions = self.discriminator(generated, training=True)
            real_labels = ops.ones_like(real_predictions)
            fake_labels = ops.zeros_like(fake_predictions)
            # Noisy labels keep the discriminator from becoming certain too early.
            if label_smoothing is None:
                real_noisy = real_labels + NOISE_PARAM * keras.random.uniform(
                    ops.shape(real_predictions), seed=self.seed_generator
                )
                fake_noisy = fake_labels - NOISE_PARAM * keras.random.uniform(
                    ops.shape(fake_predictions), seed=self.seed_generator
                )
            else:
                real_noisy, fake_noisy = real_labels * (1.0 - label_smoothing), fake_labels
            d_loss = (
                self.loss_fn(real_noisy, real_predictions)
                + self.loss_fn(fake_noisy, fake_predictions)
            ) / 2.0
            g_loss = self.loss_fn(real_labels, fake_predictions)
            return {
                "d_loss": d_loss,
                "g_loss": g_loss,
                "real_predictions": real_predictions,
                "fake_predictions": fake_predictions,
                "real_labels": real_labels,
                "fake_labels": fake_labels,
            }

        def train_step(self, data: Any) -> dict[str, Any]:
            real_images = data[0] if isinstance(data, tuple | list) else data
            d_vars = self.discriminator.trainable_variables
            g_vars = self.generator.trainable_variables
            if keras.backend.backend() == "tensorflow":
                import tensorflow as tf  # only for the gradient tape

                with tf.GradientTape(persistent=True) as tape:
                    out = self.adversarial_losses(real_images)
                    d_scaled = self.d_optimizer.scale_loss(out["d_loss"])
                    g_scaled = self.g_optimizer.scale_loss(out["g_loss"])
                d_grads = tape.gradient(d_scaled, d_vars)
                g_grads = tape.gradient(g_scaled, g_vars)
                del tape
                self.d_optimizer.apply(d_grads, d_vars)
                self.g_optimizer.apply(g_grads, g_vars)
            else:
                import torch

                out = self.adversarial_losses(real_images)
                d_grads = torch.autograd.grad(
                    self.d_optimizer.scale_loss(out["d_loss"]),
                    [v.value for v in d_vars],
                    retain_graph=True,
                )
                g_grads = torch.autograd.grad(
                    self.g_optimizer.scale_loss(out["g_loss"]), [v.value for v in g_vars]
                )
                with torch.no_grad():
                    self.d_optimizer.apply(list(d_grads), d_vars)
                    self.g_optimizer.apply(list(g_grads), g_vars)
            return self._record(out)

        def _record(self, out: dict[str, Any]) -> dict[str, Any]:
            self.d_loss_metric.update_state(out["d_loss"])
            self.d_real_acc_metric.update_state(out["real_labels"], out["real_predictions"])
            self.d_fake_acc_metric.update_state(out["fake_labels"], out["fake_predictions"])
            self.d_acc_metric.update_state(
                ops.concatenate([out["real_labels"], out["fake_labels"]]),
                ops.concatenate([out["real_predictions"], out["fake_predictions"]]),
            )
            self.g_loss_metric.update_state(out["g_loss"])
            self.g_acc_metric.update_state(out["real_labels"], out["fake_predictions"])
            return {m.name: m.result() for m in self.metrics}

    discriminator = build_discriminator(image_size, width=width, dropout=dropout)
    generator = build_generator(image_size, width=width)
    return DCGAN(discriminator, generator, name="dcgan"), discriminator, generator


def train(demo: TrainingRun) -> dict[str, float]:
    size = image_size_for(demo.options.data)
    data = demo.load_images((size, size, CHANNELS), labelled=False)
    extra = demo.options.extra
    dcgan, _, generator = build_dcgan(
        size,
        width=int(extra.get("width", WIDTH)),
        label_smoothing=extra.get("label_smoothing"),
        learning_rate=float(extra.get("learning_rate", LEARNING_RATE)),
        dropout=float(extra.get("dropout", DROPOUT)),
        seed=demo.options.seed,
    )
    dcgan.compile(jit_compile=demo.plan.jit_compile)
    history = demo.fit(
        dcgan,
        scale_to_tanh_range(data.x_train),
        loss_key="d_loss",
        callbacks=[gan.epoch_pictures(demo, generator, z_dim=Z_DIM)],
    )
    gan.write_samples(
        demo,
        generator,
        z_dim=Z_DIM,
        grid=SAMPLE_GRID,
        title=f"DCGAN samples after {demo.options.epochs} epoch(s) on {data.name}",
        array=False,
    )
    # A GAN has no test metric: report where both players ended, and what the judge says.
    return {
        **last_epoch_metrics(history),
        **gan.judged_metrics(demo, generator, data, z_dim=Z_DIM),
    }


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
    add_arguments=add_arguments,
    # The hand-written step's losses are not divided among replicas (`replica_share`).
    data_parallel=False,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
