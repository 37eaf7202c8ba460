"""The properties that make the chapter 5-9 architectures what they are, checked directly.

PixelCNN's masks never let a pixel see itself or a later pixel; GPT's causal mask never lets a
token see a later token; RealNVP's coupling layers report the log-determinant of their true
Jacobian; the WGAN-GP and EBM steps train. These build small models in the test process
(TensorFlow backend, CPU), like test_demo_models.py.
"""

from __future__ import annotations

import os
from typing import Any

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "tensorflow")
os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
import keras

from demos import diffusion, ebm, gpt, pixelcnn, realnvp, wgan_gp
from demos.gradients import value_and_gradients

# --------------------------------------------------------------------------- PixelCNN


@pytest.mark.parametrize("kernel", [1, 3, 7])
def test_pixelcnn_masks_keep_only_earlier_pixels(kernel: int) -> None:
    centre = kernel // 2
    for mask_type in ("A", "B"):
        mask = pixelcnn.mask(kernel, mask_type, in_channels=2, filters=3)
        for row in range(kernel):
            for col in range(kernel):
                earlier = row < centre or (row == centre and col < centre)
                itself = (row, col) == (centre, centre)
                expected = 1.0 if earlier or (itself and mask_type == "B") else 0.0
                assert (mask[row, col] == expected).all(), (mask_type, row, col)


def _input_gradients(model: Any, images: np.ndarray, row: int, col: int) -> np.ndarray:
    """d (sum of the 4 level probabilities' logits at (row, col)) / d input, for one image."""
    x = keras.ops.convert_to_tensor(images)

    def output_at(values: list[Any]) -> tuple[Any, Any]:
        probabilities = model(values[0], training=False)
        return keras.ops.sum(keras.ops.log(probabilities[:, row, col] + 1e-9) * [1, 2, 3, 4]), None

    _, _, (grads,) = value_and_gradients(output_at, [x])
    return np.asarray(grads)[0, :, :, 0]


def test_pixelcnn_output_pixel_depends_only_on_earlier_input_pixels() -> None:
    keras.utils.set_random_seed(3)
    size = 8
    model = pixelcnn.build_pixelcnn(filters=32, residual_blocks=2, image_size=size)
    images = np.random.default_rng(0).uniform(size=(1, size, size, 1)).astype("float32")
    raster = np.arange(size * size).reshape(size, size)

    seen_left_neighbour = 0
    for row in range(size):
        for col in range(size):
            grads = _input_gradients(model, images, row, col)
            later_or_itself = raster >= raster[row, col]
            assert np.all(grads[later_or_itself] == 0.0), (row, col)
            if col > 0:
                seen_left_neighbour += grads[row, col - 1] != 0.0
    # The 7×7 type-A layer sees the left neighbour directly: the dependence is real.
    assert seen_left_neighbour == size * (size - 1)


def test_pixelcnn_shapes_and_the_books_layers() -> None:
    model = pixelcnn.build_pixelcnn()

    assert model.input_shape == (None, 16, 16, 1)
    assert model.output_shape == (None, 16, 16, pixelcnn.PIXEL_LEVELS)
    masked = [layer for layer in model.layers if type(layer).__name__ == "MaskedConv2D"]
    assert [layer.mask_type for layer in masked] == ["A"] + ["B"] * 7
    assert masked[0].kernel_size == 7


def test_pixelcnn_quantises_to_four_levels() -> None:
    images = np.array([0, 63, 64, 127, 128, 191, 192, 255], dtype="uint8").reshape(1, 2, 4, 1)

    inputs, levels = pixelcnn.quantise(images)

    assert levels.ravel().tolist() == [0, 0, 1, 1, 2, 2, 3, 3]
    assert inputs.ravel().tolist() == [0, 0, 0.25, 0.25, 0.5, 0.5, 0.75, 0.75]


# --------------------------------------------------------------------------- GPT


def test_gpt_causal_mask_hides_later_tokens() -> None:
    keras.utils.set_random_seed(5)
    model, attention_model = gpt.build_gpt(vocab_size=60, max_len=16)
    rng = np.random.default_rng(1)
    ids = rng.integers(2, 60, size=(2, 12)).astype("int32")
    changed = ids.copy()
    changed[:, 7:] = rng.integers(2, 60, size=(2, 5))

    before, scores = (np.asarray(t) for t in attention_model(ids, training=False))
    after = np.asarray(model(changed, training=False))

    np.testing.assert_array_equal(before[:, :7], after[:, :7])
    assert not np.allclose(before[:, 7:], after[:, 7:])
    assert scores.shape == (2, gpt.N_HEADS, 12, 12)
    assert np.all(np.triu(scores, k=1) == 0.0)
    np.testing.assert_allclose(scores.sum(axis=-1), 1.0, rtol=1e-5)


#: Keras 3.15's TensorFlow `convert_to_numpy` calls np.array(variable), which numpy 2 answers with
#: this DeprecationWarning while a model is saved; it is Keras' to fix and harmless here.
KERAS_SAVE_WARNING = (
    "ignore:__array__ implementation doesn't accept a copy keyword:DeprecationWarning"
)


@pytest.mark.filterwarnings(KERAS_SAVE_WARNING)
def test_gpt_reloads_from_a_keras_file(tmp_path: Any) -> None:
    model, _ = gpt.build_gpt(vocab_size=40, max_len=10)
    ids = np.arange(2, 10, dtype="int32").reshape(1, 8)
    path = tmp_path / "gpt.keras"
    model.save(path)

    reloaded = keras.saving.load_model(path, custom_objects=gpt.custom_objects(), compile=False)

    np.testing.assert_array_equal(np.asarray(model(ids)), np.asarray(reloaded(ids)))


# --------------------------------------------------------------------------- RealNVP


def _numerical_log_det(model: Any, point: np.ndarray, eps: float = 1e-5) -> float:
    """log |det J| from central differences (the model runs in float64, so eps can be small)."""
    jacobian = np.zeros((2, 2))
    for j in range(2):
        step = np.zeros(2, dtype="float64")
        step[j] = eps
        up, _ = realnvp.forward_numpy(model, (point + step)[None])
        down, _ = realnvp.forward_numpy(model, (point - step)[None])
        jacobian[:, j] = (up[0] - down[0]) / (2 * eps)
    return float(np.log(abs(np.linalg.det(jacobian))))


def test_realnvp_log_determinant_matches_a_numerical_jacobian() -> None:
    keras.utils.set_random_seed(11)
    model = realnvp.build_realnvp(coupling_dim=32, dtype="float64")
    # Larger random weights than the initialiser's, so the scales are far from 1.
    rng = np.random.default_rng(2)
    model.set_weights([rng.normal(0.0, 0.4, w.shape) for w in model.get_weights()])
    points = rng.normal(size=(5, 2))

    z, log_det = realnvp.forward_numpy(model, points)

    assert np.abs(log_det).max() > 0.5  # the test would be empty for near-identity layers
    for point, reported in zip(points, log_det, strict=True):
        assert reported == pytest.approx(_numerical_log_det(model, point), abs=1e-5)
    np.testing.assert_allclose(np.asarray(model.inverse(z)), points, atol=1e-9)


def test_realnvp_loss_is_the_negative_log_likelihood() -> None:
    model = realnvp.build_realnvp(coupling_dim=16)
    model.compile(optimizer=keras.optimizers.Adam(realnvp.LEARNING_RATE))
    points = np.random.default_rng(0).normal(size=(64, 2)).astype("float32")

    logs = model.train_on_batch(points, return_dict=True)

    assert logs["loss"] == pytest.approx(-logs["log_likelihood"], rel=1e-5)


# --------------------------------------------------------------------------- WGAN-GP, EBM


def test_wgan_gp_step_runs_three_critic_updates_with_a_penalty() -> None:
    keras.utils.set_random_seed(1)
    wgan, critic, generator = wgan_gp.build_wgan_gp(seed=1)
    wgan.compile()
    images = np.random.default_rng(0).uniform(-1, 1, size=(8, 32, 32, 1)).astype("float32")
    critic_before = [np.array(w) for w in critic.get_weights()]

    logs = wgan.train_on_batch(images, return_dict=True)

    assert set(logs) == {"c_loss", "c_wass_loss", "c_gp", "g_loss"}
    assert logs["c_loss"] == pytest.approx(
        logs["c_wass_loss"] + wgan_gp.GP_WEIGHT * logs["c_gp"], rel=1e-4, abs=1e-4
    )
    assert logs["c_gp"] > 0.0
    assert int(wgan.c_optimizer.iterations) == wgan_gp.CRITIC_STEPS
    assert int(wgan.g_optimizer.iterations) == 1
    assert any(
        not np.array_equal(a, b) for a, b in zip(critic_before, critic.get_weights(), strict=True)
    )
    assert generator.output_shape == (None, 32, 32, 1)


def test_wgan_gp_penalty_is_zero_for_a_critic_with_unit_gradient() -> None:
    """A linear critic whose weights have norm 1 has ||gradient|| = 1 everywhere."""
    wgan, critic, _ = wgan_gp.build_wgan_gp()
    inputs = keras.Input((32, 32, 1))
    kernel = np.random.default_rng(0).normal(size=(32 * 32, 1))
    dense = keras.layers.Dense(1, use_bias=False)
    linear = keras.Model(inputs, dense(keras.layers.Flatten()(inputs)))
    dense.set_weights([(kernel / np.linalg.norm(kernel)).astype("float32")])
    wgan.critic = linear
    real = np.random.default_rng(1).uniform(-1, 1, size=(4, 32, 32, 1)).astype("float32")
    fake = np.random.default_rng(2).uniform(-1, 1, size=(4, 32, 32, 1)).astype("float32")

    penalty = float(wgan.gradient_penalty(real, fake))

    assert penalty == pytest.approx(0.0, abs=1e-6)
    assert critic is not linear


def test_wgan_gp_lesson_options_reach_the_optimizers() -> None:
    """--critic-learning-rate and --beta-1 (a two-time-scale update); the book's by default."""
    book, _, _ = wgan_gp.build_wgan_gp(width=8)
    book.compile()
    ttur, _, _ = wgan_gp.build_wgan_gp(
        width=8, learning_rate=1e-4, critic_learning_rate=3e-4, beta_1=0.0
    )
    ttur.compile()

    rates = [
        (float(m.c_optimizer.learning_rate), float(m.g_optimizer.learning_rate))
        for m in (book, ttur)
    ]
    assert rates[0] == pytest.approx((wgan_gp.LEARNING_RATE, wgan_gp.LEARNING_RATE))
    assert rates[1] == pytest.approx((3e-4, 1e-4))
    assert float(book.c_optimizer.beta_1) == float(book.g_optimizer.beta_1) == 0.5
    assert float(ttur.c_optimizer.beta_1) == float(ttur.g_optimizer.beta_1) == 0.0


def _half_squared_norm_critic() -> Any:
    """score(x) = ||x||² / 2, whose gradient at x is x itself."""
    inputs = keras.Input((32, 32, 1))
    half = keras.layers.Lambda(
        lambda x: 0.5 * keras.ops.sum(keras.ops.square(x), axis=(1, 2, 3), keepdims=False)
    )
    return keras.Model(inputs, keras.layers.Reshape((1,))(half(inputs)))


@pytest.mark.parametrize(("penalty_batch", "expected"), [(None, 2.0), (2, 0.0), (3, 4.0 / 3)])
def test_wgan_gp_penalty_batch_takes_the_first_pairs_only(
    penalty_batch: int | None, expected: float
) -> None:
    """With fake == real every interpolation is the real image, whose gradient norm under
    ||x||²/2 is its own norm: two images of norm 1 (penalty 0), then two of norm 3 (4)."""
    wgan, _, _ = wgan_gp.build_wgan_gp(width=8, penalty_batch=penalty_batch)
    wgan.critic = _half_squared_norm_critic()
    directions = np.random.default_rng(0).normal(size=(4, 32 * 32))
    directions /= np.linalg.norm(directions, axis=1, keepdims=True)
    real = (directions * np.array([[1.0], [1.0], [3.0], [3.0]])).reshape(4, 32, 32, 1)
    real = real.astype("float32")

    penalty = float(wgan.gradient_penalty(real, real.copy()))

    assert penalty == pytest.approx(expected, rel=1e-4, abs=1e-5)


def test_wgan_gp_ema_samples_from_a_warmed_up_average_of_the_generator() -> None:
    keras.utils.set_random_seed(2)
    plain, _, plain_generator = wgan_gp.build_wgan_gp(width=8, critic_steps=1, seed=2)
    assert plain.sampler is plain_generator

    wgan, _, generator = wgan_gp.build_wgan_gp(width=8, critic_steps=1, ema=0.999, seed=2)
    wgan.compile()
    assert wgan.sampler is not generator and not wgan.sampler.trainable_weights
    start = [np.array(w) for w in generator.get_weights()]
    assert all(np.array_equal(a, b) for a, b in zip(start, wgan.sampler.get_weights(), strict=True))
    images = np.random.default_rng(0).uniform(-1, 1, size=(8, 32, 32, 1)).astype("float32")

    for step in range(2):
        before = [np.array(w) for w in wgan.sampler.get_weights()]
        wgan.train_on_batch(images)
        # The warm-up's decay, (1 + n) / (10 + n) after n updates, not yet the 0.999 asked.
        decay = (1.0 + step) / (10.0 + step)
        trained = generator.get_weights()
        for average, old, new in zip(wgan.sampler.get_weights(), before, trained, strict=True):
            np.testing.assert_allclose(average, decay * old + (1 - decay) * new, atol=1e-6)
    moved = [not np.allclose(a, b) for a, b in zip(start, generator.get_weights(), strict=True)]
    assert any(moved)
    assert int(wgan.ema_updates) == 2


def test_ebm_step_updates_the_replay_buffer_and_the_scores() -> None:
    keras.utils.set_random_seed(4)
    model, energy = ebm.build_ebm(langevin_steps=3, buffer_size=64, seed=4)
    model.compile(optimizer=keras.optimizers.Adam(ebm.LEARNING_RATE))
    buffer_before = model.buffer.numpy()
    images = np.random.default_rng(0).uniform(-1, 1, size=(16, 32, 32, 1)).astype("float32")

    logs = model.train_on_batch(images, return_dict=True)

    assert logs["loss"] == pytest.approx(logs["cdiv_loss"] + logs["reg_loss"], rel=1e-4)
    assert logs["cdiv_loss"] == pytest.approx(logs["fake_out"] - logs["real_out"], abs=1e-5)
    buffer_after = model.buffer.numpy()
    changed = np.any(buffer_after != buffer_before, axis=(1, 2, 3))
    assert 0 < changed.sum() <= 16
    assert np.abs(buffer_after).max() <= 1.0
    assert energy.output_shape == (None, 1)


def test_langevin_dynamics_raises_the_score() -> None:
    keras.utils.set_random_seed(6)
    energy = ebm.build_energy_model()
    start = np.random.default_rng(0).uniform(-1, 1, size=(4, 32, 32, 1)).astype("float32")

    moved = np.asarray(ebm.langevin(energy, start, 20, noise=0.0))

    assert moved.shape == start.shape and np.abs(moved).max() <= 1.0
    assert float(np.mean(energy(moved))) > float(np.mean(energy(start)))


# --------------------------------------------------------------------------- diffusion


def test_offset_cosine_schedule_runs_from_mostly_signal_to_mostly_noise() -> None:
    times = np.linspace(0.0, 1.0, 11, dtype="float32")

    noise_rates, signal_rates = (np.asarray(r) for r in diffusion.offset_cosine_schedule(times))

    np.testing.assert_allclose(noise_rates**2 + signal_rates**2, 1.0, rtol=1e-5)
    assert signal_rates[0] == pytest.approx(diffusion.MAX_SIGNAL_RATE, rel=1e-5)
    assert signal_rates[-1] == pytest.approx(diffusion.MIN_SIGNAL_RATE, rel=1e-4)
    assert np.all(np.diff(signal_rates) < 0)


def test_ema_decay_warms_up_to_the_books_value() -> None:
    assert diffusion.ema_decay(0) == pytest.approx(0.1)
    assert diffusion.ema_decay(90) == pytest.approx(0.91)
    assert diffusion.ema_decay(100_000) == diffusion.EMA == 0.999


def test_unet_predicts_noise_of_the_images_shape() -> None:
    unet = diffusion.build_unet((32, 32, 1))
    noisy = np.zeros((2, 32, 32, 1), dtype="float32")

    predicted = np.asarray(unet([noisy, np.full((2, 1, 1, 1), 0.5, "float32")]))

    assert predicted.shape == (2, 32, 32, 1)
    assert np.all(predicted == 0.0)  # the last convolution starts at zero, as in the book
