"""The book's architectures, and the mixed-precision paths of the custom training code.

These build models in the test process (TensorFlow backend, CPU), so they import keras; the
other demo tests do not.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
keras = pytest.importorskip("keras")

from demos import autoencoder, cnn_cifar10, dcgan, mlp_cifar10, vae  # noqa: E402


@pytest.fixture
def mixed_float16() -> Iterator[None]:
    keras.mixed_precision.set_global_policy("mixed_float16")
    try:
        yield
    finally:
        keras.mixed_precision.set_global_policy("float32")


def test_cnn_has_the_books_parameter_count() -> None:
    model = cnn_cifar10.build_model()

    assert model.count_params() == cnn_cifar10.PARAMETERS == 592_554
    assert model.output_shape == (None, 10)


def test_mlp_has_the_books_layers() -> None:
    model = mlp_cifar10.build_model()

    assert [type(layer).__name__ for layer in model.layers] == [
        "InputLayer", "Flatten", "Dense", "Dense", "Dense",
    ]  # fmt: skip
    assert [layer.units for layer in model.layers[2:]] == [200, 150, 10]
    assert model.count_params() == 646_260


def test_cnn_learning_rate_is_scaled_from_the_books() -> None:
    assert cnn_cifar10.scaled_learning_rate(32) == pytest.approx(5e-4)
    assert cnn_cifar10.scaled_learning_rate(256) == pytest.approx(5e-4 * 8**0.5)


def test_autoencoder_has_a_two_dimensional_bottleneck() -> None:
    model, encoder, decoder = autoencoder.build_autoencoder()

    assert encoder.output_shape == (None, 2)
    assert decoder.output_shape == (None, 32, 32, 1)
    assert model.output_shape == (None, 32, 32, 1)


def test_the_autoencoder_lesson_trains_a_wider_code() -> None:
    model, encoder, decoder = autoencoder.build_autoencoder(latent_dim=16)
    model.compile(optimizer=keras.optimizers.Adam(), loss="binary_crossentropy")
    images = np.random.default_rng(0).uniform(size=(8, 32, 32, 1)).astype("float32")

    loss = model.train_on_batch(images, images)

    assert encoder.output_shape == (None, 16) and decoder.input_shape == (None, 16)
    assert model.output_shape == (None, 32, 32, 1) and np.isfinite(loss)
    # Only the two Dense layers next to the code grow, by 14 code numbers each: the encoder's
    # (2,048 weights and a bias per number) and the decoder's first (2,048 weights per number).
    book, _, _ = autoencoder.build_autoencoder()
    flat = int(np.prod(autoencoder.SHAPE_BEFORE_FLATTENING))
    assert model.count_params() - book.count_params() == 14 * (flat + 1) + 14 * flat


def test_vae_loss_is_beta_reconstruction_plus_kl() -> None:
    model, encoder, _ = vae.build_vae(seed=1)
    model.compile(optimizer=keras.optimizers.Adam(vae.LEARNING_RATE))
    images = np.random.default_rng(0).uniform(size=(8, 32, 32, 1)).astype("float32")

    logs = model.train_on_batch(images, return_dict=True)

    assert [o.shape for o in encoder.outputs] == [(None, 2)] * 3
    assert logs["loss"] == pytest.approx(logs["reconstruction_loss"] + logs["kl_loss"], rel=1e-4)
    # beta * mean BCE of a random image against an untrained decoder (~0.69 per pixel).
    assert logs["reconstruction_loss"] == pytest.approx(vae.BETA * 0.69, rel=0.2)


def test_the_vae_lesson_trains_a_larger_latent_space_and_plots_its_principal_plane() -> None:
    model, encoder, decoder = vae.build_vae(latent_dim=16, seed=1)
    model.compile(optimizer=keras.optimizers.Adam(vae.LEARNING_RATE))
    images = np.random.default_rng(0).uniform(size=(8, 32, 32, 1)).astype("float32")

    logs = model.train_on_batch(images, return_dict=True)

    assert [o.shape for o in encoder.outputs] == [(None, 16)] * 3
    assert decoder.input_shape == (None, 16) and decoder.output_shape == (None, 32, 32, 1)
    assert np.isfinite(logs["loss"])
    points = np.random.default_rng(1).standard_normal((50, 16)) * np.arange(1, 17)
    plane, other = vae.principal_plane(points, points[:3])
    assert plane.shape == (50, 2) and np.allclose(other, plane[:3])
    assert plane[:, 0].var() >= plane[:, 1].var()  # the widest axis first


def test_a_narrower_dcgan_with_label_smoothing_trains_one_step() -> None:
    model, discriminator, generator = dcgan.build_dcgan(
        32, width=16, label_smoothing=0.1, learning_rate=4e-4, dropout=0.0, seed=3
    )
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, size=(8, 32, 32, 1)).astype("float32")

    history = model.fit(images, batch_size=8, epochs=1, verbose=0)

    assert discriminator.layers[1].filters == 16 and generator.layers[2].filters == 64
    assert float(model.d_optimizer.learning_rate) == pytest.approx(4e-4)
    assert np.isfinite(history.history["d_loss"][-1])


@pytest.mark.parametrize(("size", "blocks"), [(32, 3), (64, 4)])
def test_dcgan_shapes(size: int, blocks: int) -> None:
    discriminator = dcgan.build_discriminator(size)
    generator = dcgan.build_generator(size)

    assert generator.input_shape == (None, dcgan.Z_DIM)
    assert generator.output_shape == (None, size, size, 1)
    assert discriminator.output_shape == (None, 1)
    strided = [layer for layer in discriminator.layers if getattr(layer, "strides", None) == (2, 2)]
    assert len(strided) == blocks


def test_dcgan_trains_one_step_and_reports_both_players() -> None:
    model, _, _ = dcgan.build_dcgan(32, seed=3)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, size=(8, 32, 32, 1)).astype("float32")

    history = model.fit(images, batch_size=8, epochs=1, verbose=0)

    assert {"d_loss", "g_loss", "d_acc", "g_acc"} <= set(history.history)


def test_keras_wraps_the_vae_optimizer_for_mixed_float16(mixed_float16: None) -> None:
    model, _, _ = vae.build_vae(seed=1)
    model.compile(optimizer=keras.optimizers.Adam(vae.LEARNING_RATE))
    images = np.random.default_rng(0).uniform(size=(4, 32, 32, 1)).astype("float32")

    logs = model.train_on_batch(images, return_dict=True)

    assert isinstance(model.optimizer, keras.optimizers.LossScaleOptimizer)
    assert np.isfinite(logs["loss"])


def test_dcgan_scales_both_losses_for_mixed_float16(mixed_float16: None) -> None:
    model, discriminator, generator = dcgan.build_dcgan(32, seed=3)
    model.compile()
    images = np.random.default_rng(0).uniform(-1, 1, size=(4, 32, 32, 1)).astype("float32")
    before = [v.numpy().copy() for v in generator.trainable_variables]

    history: Any = model.fit(images, batch_size=4, epochs=1, verbose=0)

    assert isinstance(model.d_optimizer, keras.optimizers.LossScaleOptimizer)
    assert isinstance(model.g_optimizer, keras.optimizers.LossScaleOptimizer)
    assert generator.layers[-1].compute_dtype == "float32"
    assert discriminator.layers[1].compute_dtype == "float16"
    assert np.isfinite(history.history["g_loss"][-1])
    # The first step's loss scale (2**15) gives finite float16 gradients here, so the
    # generator was actually updated rather than the step being skipped.
    after = [v.numpy().copy() for v in generator.trainable_variables]
    assert any(not np.array_equal(b, a) for b, a in zip(before, after, strict=True))
