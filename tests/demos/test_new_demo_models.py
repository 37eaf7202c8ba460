"""The pieces of the chapter 12 world models and the chapter 13 CLIP demo, without their runs.

The frames show where the pole leans, M's windows pair each step with the next change, M's
numpy step is the Keras LSTM, its mixture likelihood is right, a briefly trained M learns a rare
end of episode, CMA-ES finds a minimum, a dream lasts as long as M says and scores the
controller, CLIP's loss is the symmetric cross-entropy of the similarity matrix, and no training
caption is a zero-shot prompt. The demos' runs are in test_new_demos.py."""

from __future__ import annotations

import math
import os
from typing import Any

import numpy as np
import pytest


@pytest.fixture(autouse=True, scope="module")
def _tensorflow_backend() -> None:
    """The tests that build a network do it on TensorFlow, like the demos' runs."""
    os.environ.setdefault("KERAS_BACKEND", "tensorflow")
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def test_cartpole_frames_show_where_the_pole_leans() -> None:
    from demos.world_models_env import render_frames

    frames = render_frames(np.array([[0, 0, 0.2, 0], [0, 0, -0.2, 0], [1.5, 0, 0, 0]]))
    assert frames.shape == (3, 32, 32, 1) and frames.min() >= 0.0 and frames.max() <= 1.0
    top = frames[:, :8, :, 0]  # the pole's upper part
    columns = np.arange(32)

    def ink_column(image: np.ndarray) -> float:
        return float((image.sum(axis=0) * columns).sum() / image.sum())

    assert ink_column(top[0]) > 16 > ink_column(top[1])  # leaning right, then left
    assert ink_column(frames[2, 20:, :, 0]) > ink_column(frames[0, 20:, :, 0])  # cart moved right


def test_memory_sequences_pair_each_latent_and_action_with_the_next_change() -> None:
    from demos.world_models_env import Rollouts
    from demos.world_models_memory import sequences

    rollouts = Rollouts(
        states=np.zeros((5, 4), "float32"),
        actions=np.array([1, 0, 1, 1, 0]),
        done=np.array([False, False, True, False, False]),
        starts=np.array([0, 3]),
    )
    latents = np.arange(10, dtype="float32").reshape(5, 2) ** 2
    windows = sequences(latents, rollouts, length=4)

    assert windows.inputs.shape == (2, 4, 4) and windows.targets.shape == (2, 4, 4)
    np.testing.assert_array_equal(windows.mask, [[1, 1, 1, 0], [1, 1, 0, 0]])
    np.testing.assert_array_equal(windows.inputs[0, 1], [*latents[1], 1, 0])  # z_1, action 0
    np.testing.assert_array_equal(windows.targets[0, 0, :2], latents[1] - latents[0])
    np.testing.assert_array_equal(windows.targets[0, :3, 2], [0, 0, 1])  # done after step 2
    np.testing.assert_array_equal(windows.targets[0, :3, 3], [1, 1, 0])  # no frame after it


def test_memory_numpy_step_is_the_keras_lstm_and_its_mixture() -> None:
    from demos.world_models_memory import MemoryStep, build_memory, expected_change

    model = build_memory(2)
    rng = np.random.default_rng(2)
    z = rng.standard_normal((3, 5, 2)).astype("float32")
    actions = rng.integers(2, size=(3, 5))
    inputs = np.concatenate([z, np.eye(2, dtype="float32")[actions]], axis=-1)
    expected = np.asarray(model(inputs, training=False))

    step = MemoryStep(model, 2)
    state = step.initial_state(3)
    for t in range(5):
        outputs, state = step(z[:, t], actions[:, t], state)
        np.testing.assert_allclose(outputs, expected[:, t], atol=1e-4)
    assert expected_change(outputs, 2).shape == (3, 2)


def test_mixture_nll_of_equal_components_is_the_gaussians() -> None:
    from demos.world_models_memory import MIXTURES, mixture_nll

    mean, log_sigma, target = 0.5, math.log(0.3), np.array([[0.2, 1.1]], "float32")
    outputs = np.concatenate(
        [np.zeros(2 * MIXTURES), np.full(2 * MIXTURES, mean),
         np.full(2 * MIXTURES, log_sigma), [0.0]]
    )[None].astype("float32")  # fmt: skip
    sigma = math.exp(log_sigma)
    gaussian = sum(
        0.5 * ((t - mean) / sigma) ** 2 + log_sigma + 0.5 * math.log(2 * math.pi) for t in target[0]
    )

    assert float(np.asarray(mixture_nll(target, outputs, 2))[0]) == pytest.approx(gaussian, 1e-5)


def test_cma_es_finds_the_minimum_of_an_elongated_bowl() -> None:
    from demos.world_models_controller import ControllerSearch

    target = np.linspace(-1, 1, 8)
    scales = np.logspace(0, 2, 8)
    search = ControllerSearch(8, seed=0)
    # A condition number of 10^4: CMA-ES needs a few hundred generations to learn the shape.
    for _ in range(300):
        candidates = search.ask()
        search.tell(candidates, -(((candidates - target) * scales) ** 2).sum(axis=1))

    assert np.abs((search.mean - target) * scales).max() < 0.1  # within 0.1 of the bottom


class _EndingMemory:
    """A fake M: the latent stays put, and the dream ends at once unless the action pushes
    right (1)."""

    z_dim = 1

    def initial_state(self, batch_size: int) -> tuple[np.ndarray, np.ndarray]:
        return np.zeros((batch_size, 2)), np.zeros((batch_size, 2))

    def __call__(self, z: np.ndarray, actions: np.ndarray, state: Any) -> tuple[np.ndarray, Any]:
        from demos.world_models_memory import MIXTURES

        outputs = np.zeros((len(z), 3 * MIXTURES + 1))
        outputs[:, MIXTURES * 2 : MIXTURES * 3] = -7.0  # tiny σ: no change
        outputs[:, -1] = np.where(actions == 1, -30.0, 30.0)  # the done logit
        return outputs, state


def test_dreams_last_only_as_long_as_m_says_and_score_the_controller() -> None:
    from demos.world_models_controller import DREAM_STEPS, dream_returns

    right, left = [0.0, 0.0, 0.0, 1.0], [0.0, 0.0, 0.0, -1.0]  # bias decides: [w_z, w_h, b]
    memory: Any = _EndingMemory()
    returns, trajectory = dream_returns(
        np.array([right, left]), memory, np.zeros((3, 1)), seed=0, record=True
    )

    np.testing.assert_array_equal(returns, [DREAM_STEPS, 1])
    assert trajectory is not None and trajectory.shape == (DREAM_STEPS + 1, 1)


def test_clip_loss_is_the_symmetric_cross_entropy_of_the_similarity_matrix() -> None:
    from demos.clip import clip_loss

    rng = np.random.default_rng(3)
    images, texts = (rng.standard_normal((5, 4)) for _ in range(2))
    images /= np.linalg.norm(images, axis=1, keepdims=True)
    texts /= np.linalg.norm(texts, axis=1, keepdims=True)
    logits = 10.0 * images @ texts.T

    def cross_entropy(rows: np.ndarray) -> float:
        log_softmax = rows - np.log(np.exp(rows).sum(axis=1, keepdims=True))
        return float(-np.mean(np.diag(log_softmax)))

    expected = (cross_entropy(logits) + cross_entropy(logits.T)) / 2

    def loss(a: np.ndarray, b: np.ndarray, scale: float = 10.0) -> float:
        return float(clip_loss(a.astype("float32"), b.astype("float32"), scale))

    assert loss(images, texts) == pytest.approx(expected, rel=1e-5)
    assert loss(texts, images) == pytest.approx(expected, rel=1e-5)  # symmetric
    assert loss(images, images, 100.0) < 1e-3  # perfectly aligned pairs
    assert cross_entropy(logits) != pytest.approx(cross_entropy(logits.T))


def test_captions_name_the_digit_and_the_zero_shot_prompt_is_never_a_caption() -> None:
    from demos import clip_captions

    labels = np.repeat(np.arange(10), 30)
    images = np.random.default_rng(4).uniform(size=(300, 4, 4, 1))
    styles = clip_captions.ink_styles(images, labels)
    written = clip_captions.captions(labels, styles, np.random.default_rng(5))

    assert set(styles) == {"bold", "thin"}
    for label, caption in zip(labels, written, strict=True):
        assert clip_captions.WORDS[label] in caption.split() or str(label) in caption.split()
    prompts = clip_captions.zero_shot_prompts()
    assert not set(prompts) & set(written) and len(set(prompts)) == 10
    words = clip_captions.vocabulary()
    tokens = clip_captions.tokenize([*prompts, "a photo of a unicorn"], words)
    assert tokens.shape == (11, clip_captions.MAX_TOKENS)
    assert clip_captions.UNKNOWN not in tokens[:10] and clip_captions.UNKNOWN in tokens[10]


def test_memory_learns_a_rare_end_that_the_latent_and_action_decide() -> None:
    """Episodes end once in about 30 steps, when the pushed latent leaves [-0.6, 0.6]: M must
    tell those steps from the rest, not just learn the base rate (as it did with the end's
    term unweighted, and the dreams then ended by chance)."""
    import keras

    from demos.world_models_env import Rollouts
    from demos.world_models_memory import build_memory, sequences

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    latents: list[np.ndarray] = []
    actions: list[int] = []
    done: list[bool] = []
    starts: list[int] = []
    for _ in range(150):
        starts.append(len(actions))
        z = np.array([rng.uniform(-0.2, 0.2), 0.0])
        while True:
            action = int(rng.integers(2))
            latents.append(z.copy())
            actions.append(action)
            push = 0.12 * (2 * action - 1)
            z = z + np.array([push + 0.03 * rng.standard_normal(), 0.05 * rng.standard_normal()])
            done.append(bool(abs(z[0]) > 0.6))
            if done[-1]:
                break
    rollouts = Rollouts(
        np.zeros((len(actions), 4), "float32"), np.array(actions), np.array(done), np.array(starts)
    )
    windows = sequences(np.array(latents, "float32"), rollouts)
    model = build_memory(2)
    passes = 4
    model.fit(
        np.concatenate([windows.inputs] * passes),
        np.concatenate([windows.targets] * passes),
        sample_weight=np.concatenate([windows.mask] * passes),
        epochs=20,
        batch_size=16,
        verbose=0,
    )

    logits = np.asarray(model(windows.inputs, training=False))[..., -1]
    probability = 1 / (1 + np.exp(-logits))
    real, ends = windows.mask > 0, windows.targets[..., 2] > 0
    assert probability[real & ends].mean() > 4 * probability[real & ~ends].mean()
