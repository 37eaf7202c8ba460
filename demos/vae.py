"""Chapter 3 demo: the book's variational autoencoder with a 2-D latent space, on Fashion-MNIST.

    python -m demos.vae [--quick] [--data auto|offline|PATH] ...

Encoder: the autoencoder's convolutions, then two Dense heads, `z_mean` and `z_log_var`, and a
`Sampling` layer (the reparameterisation trick, z = mean + exp(log_var / 2) * epsilon). Decoder:
the autoencoder's (`demos.autoencoder.build_decoder`). Loss, as in the book:
beta * mean binary cross-entropy per image (beta = 500) + KL divergence to N(0, I).
Adam 5e-4, batch 100, 5 epochs.

The book writes the loss in a TensorFlow `train_step` (GradientTape). Here it is a
`compute_loss` override in `keras.ops` only: Keras' own train step for the active backend
(TensorFlow, JAX or PyTorch) differentiates it, and that step also applies loss scaling when the
optimizer is a `LossScaleOptimizer` (the `mixed_float16` policy), which a hand-written tape
would have to repeat. The reconstruction and KL terms are tracked as metrics, so they appear in
the `progress` and `epoch` events next to the total loss.

Artifacts: `samples.png` (decodings of z ~ N(0, I), the book's 6×3 grid), `latent_space.png`
(test-set z_mean coloured by class, samples highlighted) and `reconstructions.png`.
keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos.autoencoder import (
    EMBEDDING_DIM,
    IMAGE_SHAPE,
    LATENT_PLOT_EXAMPLES,
    SAMPLE_GRID,
    build_decoder,
    scale_images,
    write_latent_artifacts,
)
from demos.entrypoint import DemoSpec, TrainingRun, run
from studyapp.demos.catalogue import demo_by_module

#: Weight of the reconstruction term against the KL term (the book's BETA).
BETA = 500.0
LEARNING_RATE = 5e-4


def build_vae(*, beta: float = BETA, seed: int | None = None) -> tuple[Any, Any, Any]:
    """(vae, encoder, decoder). The encoder outputs [z_mean, z_log_var, z]."""
    import keras
    from keras import layers, ops

    # Classes are defined here, not at module level, because keras may only be imported once
    # the entry point has chosen the backend.
    class Sampling(layers.Layer):
        """z = z_mean + exp(z_log_var / 2) * epsilon, epsilon ~ N(0, I)."""

        def __init__(self, seed: int | None = None, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.seed_generator = keras.random.SeedGenerator(seed)

        def call(self, inputs: Any) -> Any:
            z_mean, z_log_var = inputs
            epsilon = keras.random.normal(ops.shape(z_mean), seed=self.seed_generator)
            return z_mean + ops.exp(0.5 * z_log_var) * epsilon

    class VAE(keras.Model):
        def __init__(self, encoder: Any, decoder: Any, beta: float, **kwargs: Any) -> None:
            super().__init__(**kwargs)
            self.encoder = encoder
            self.decoder = decoder
            self.beta = beta
            self.reconstruction_loss_tracker = keras.metrics.Mean(name="reconstruction_loss")
            self.kl_loss_tracker = keras.metrics.Mean(name="kl_loss")

        def call(self, inputs: Any, training: bool = False) -> Any:
            z_mean, z_log_var, z = self.encoder(inputs, training=training)
            return z_mean, z_log_var, self.decoder(z, training=training)

        def compute_loss(
            self,
            x: Any = None,
            y: Any = None,
            y_pred: Any = None,
            sample_weight: Any = None,
            training: bool = True,
        ) -> Any:
            z_mean, z_log_var, reconstruction = y_pred
            reconstruction_loss = self.beta * ops.mean(
                keras.losses.binary_crossentropy(x, reconstruction, axis=(1, 2, 3))
            )
            kl_loss = ops.mean(
                ops.sum(-0.5 * (1.0 + z_log_var - ops.square(z_mean) - ops.exp(z_log_var)), axis=1)
            )
            self.reconstruction_loss_tracker.update_state(reconstruction_loss)
            self.kl_loss_tracker.update_state(kl_loss)
            return reconstruction_loss + kl_loss

    inputs = keras.Input(shape=IMAGE_SHAPE, name="encoder_input")
    x = inputs
    for filters in (32, 64, 128):
        x = layers.Conv2D(filters, 3, strides=2, activation="relu", padding="same")(x)
    x = layers.Flatten()(x)
    # The latent statistics and the sample stay float32 under a mixed policy: exp(log_var)
    # overflows float16 quickly, and the KL term is a small difference of large numbers.
    z_mean = layers.Dense(EMBEDDING_DIM, name="z_mean", dtype="float32")(x)
    z_log_var = layers.Dense(EMBEDDING_DIM, name="z_log_var", dtype="float32")(x)
    z = Sampling(seed=seed, name="sampling", dtype="float32")([z_mean, z_log_var])
    encoder = keras.Model(inputs, [z_mean, z_log_var, z], name="encoder")
    decoder = build_decoder()
    return VAE(encoder, decoder, beta, name="vae"), encoder, decoder


def train(demo: TrainingRun) -> dict[str, float]:
    import keras

    data = demo.load_images(IMAGE_SHAPE, labelled=None)
    x_train, x_test = scale_images(data.x_train), scale_images(data.x_test)
    vae, encoder, decoder = build_vae(seed=demo.options.seed)
    vae.compile(optimizer=keras.optimizers.Adam(learning_rate=LEARNING_RATE))
    demo.fit(vae, x_train, validation_data=(x_test, x_test))
    test = vae.evaluate(x_test, x_test, batch_size=500, verbose=0, return_dict=True)

    examples = x_test[:LATENT_PLOT_EXAMPLES]
    z_mean, _, _ = encoder.predict(examples, batch_size=500, verbose=0)
    reconstructions = np.asarray(decoder.predict(np.asarray(z_mean)[:10], verbose=0))
    rng = np.random.default_rng(demo.options.seed)
    points = rng.standard_normal((int(np.prod(SAMPLE_GRID)), EMBEDDING_DIM)).astype("float32")
    samples = np.asarray(decoder.predict(points, verbose=0))
    write_latent_artifacts(
        demo,
        data,
        embeddings=np.asarray(z_mean),
        reconstructions=reconstructions,
        samples=samples,
        sample_points=points,
        sample_title="Decoded samples of z ~ N(0, I)",
    )
    return {f"test_{name}": float(value) for name, value in test.items()}


SPEC = DemoSpec(
    demo_by_module(__spec__.name),
    train=train,
)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
