"""Chapter 12 demo: world models (Ha and Schmidhuber, 2018): V, then M, then C, trained in the
dream, on gymnasium's CartPole.

    python -m demos.world_models [--quick | --lesson] [--data offline] ...

The book's agent drives CarRacing (64×64 colour frames, 10,000 random rollouts, a 32-d VAE, an
MDN-RNN of 256 units, CMA-ES over a population of 64 on 16 CPUs); the book has no notebook for
the chapter. This demo keeps the recipe and its order at a size a laptop trains in minutes, on
CartPole, the small environment that ships with gymnasium in pure Python (`--data auto` and
`offline` both play it; nothing is downloaded):

1. **Collect**: 300 episodes of a random policy, each observation drawn as a 32×32 frame
   (`demos.world_models_env`; the agent sees only frames, never CartPole's four numbers).
2. **V** (vision): chapter 3's variational autoencoder (`demos.vae`, unchanged, 2-d latent:
   a frame has two degrees of freedom, where the cart is and how the pole leans) compresses
   each frame to z.
3. **M** (memory): an MDN-RNN (`demos.world_models_memory`) learns to predict the next z and
   the end of the episode from (z, action), on the encoded random rollouts (each of its
   epochs is `MEMORY_PASSES` passes over them).
4. **C** (controller): a linear map of [z, h] to push left or right, trained by CMA-ES
   (`demos.world_models_controller`) entirely inside M's dream: every return it is scored by
   comes from M sampling latents at temperature τ = 1.15, never from the real game.
5. **Back to reality**: the dream-trained controller plays the real CartPole, seeing real
   frames through V and remembering through M.

The `epoch` events follow that order: V's epochs, then M's, then C's (each C epoch is
`GENERATIONS_PER_EPOCH` generations of CMA-ES, one `progress` event each). `real_return` (mean
steps survived over 10 real episodes, at most 500) is the lesson's number; `random_return`, the
random policy's, is its baseline. `next_latent_mse` (M's mean prediction of z_{t+1}) is shown
next to `persistence_mse` (predicting that z stays where it is).

What to expect at this size, honestly: V reads the pole's angle well (the latent correlates
with it at about 0.96) but the cart's position poorly; M predicts how the latent moves several
times better than "nothing moves" and, with its end-of-episode term weighted
(`world_models_memory.DONE_WEIGHT`), tells a falling pole from an upright one (AUC 0.94 to
0.99 on the rollouts). Its dreams at τ = 1.15 are harsher than the game: the best controller's
`dream_return` is 40 to 140 steps, while the same controller kept the real pole up 266, 457,
500 and 454 steps with seeds 0 to 3 on 2026-12-07 (a random policy: 22; keras 3.15.1,
tensorflow 2.21.0). Unweighted, M predicted the end barely better than its base rate (one step
in 22), its dreams ended by chance, and the controller reached only 12 to 48 real steps.

Artifacts: `reconstructions.png` (frames and V's reconstructions), `latent_space.png` (the
latents of every frame, coloured by the pole's angle), `dream.png` (a real episode of the
trained agent above a dream of M's from the same first frame, decoded by V), `controller.json`
(C's weights). keras is imported inside the functions: the entry point sets KERAS_BACKEND first.
"""

from __future__ import annotations

import sys
from collections.abc import Sequence
from typing import Any

import numpy as np

from demos.entrypoint import DemoSpec, TrainingRun, run
from demos.figures import image_grid, point_clouds
from demos.world_models_controller import (
    DREAM_STEPS,
    ControllerSearch,
    act,
    dream_returns,
    parameter_count,
)
from demos.world_models_env import check_gymnasium, play, random_rollouts, render_frames
from demos.world_models_memory import (
    HIDDEN,
    MemoryStep,
    build_memory,
    expected_change,
    sequences,
)
from studyapp.demos.catalogue import demo_by_module
from studyapp.demos.protocol import DatasetEvent

EPISODES = 300
QUICK_EPISODES = 120
MEMORY_BATCH = 16
#: Passes over the rollouts' windows in each of M's epochs: M is small and fast, and learns
#: when episodes end much later than it learns how the latent moves.
MEMORY_PASSES = 8
GENERATIONS_PER_EPOCH = 6
DREAM_STARTS = 8
EVAL_EPISODES = 10
SHOWN_STEPS = 12
SHOWN_EVERY = 4


def stage_callback(demo: TrainingRun, *, offset: int, loss_key: str = "loss") -> Any:
    """The run's progress callback, numbering this stage's epochs after `offset` earlier ones
    out of all three stages' (V, M and C train one after the other in one run)."""
    from demos.progress_callback import EventCallback

    total = 3 * demo.options.epochs

    class StageCallback(EventCallback):
        def _epochs(self) -> int:
            return total

        def on_epoch_begin(self, epoch: int, logs: Any = None) -> None:
            super().on_epoch_begin(epoch + offset, logs)

        def on_epoch_end(self, epoch: int, logs: Any = None) -> None:
            super().on_epoch_end(epoch + offset, logs)

    return StageCallback(
        demo.events,
        loss_key=loss_key,
        batch_size=demo.options.batch_size,
        max_steps=demo.options.steps,  # --steps: each stage stops after that many steps
    )


def capped(demo: TrainingRun, count: int, batch_size: int) -> int:
    """How many examples a stage trains on: all, or what a capped run's steps can use."""
    cap = demo.options.max_steps_per_epoch
    return count if cap is None else min(count, cap * batch_size)


def train_vision(demo: TrainingRun, frames: np.ndarray) -> tuple[Any, Any, dict[str, float]]:
    """V: chapter 3's VAE on the frames; (encoder, decoder, its last epoch's logs)."""
    import keras

    from demos import vae

    model, encoder, decoder = vae.build_vae(seed=demo.options.seed)
    model.compile(optimizer=keras.optimizers.Adam(vae.LEARNING_RATE))
    demo.prepare(model)
    batch_size = demo.options.batch_size
    history = model.fit(
        frames[: capped(demo, len(frames), batch_size)],
        epochs=demo.options.epochs,
        batch_size=batch_size,
        shuffle=True,
        verbose=0,
        callbacks=[stage_callback(demo, offset=0)],
    )
    logs = {f"v_{name}": float(values[-1]) for name, values in history.history.items()}
    return encoder, decoder, logs


def encode(encoder: Any, frames: np.ndarray) -> np.ndarray:
    """V's latent means of `frames` (the encoder's first output), batch by batch."""
    batches = range(0, len(frames), 512)
    means = [np.asarray(encoder(frames[i : i + 512], training=False)[0]) for i in batches]
    return np.concatenate(means).astype("float32")


def train_memory(
    demo: TrainingRun, latents: np.ndarray, rollouts: Any
) -> tuple[Any, dict[str, float]]:
    """M on the encoded rollouts; (M in numpy, its logs and next-latent errors)."""
    windows = sequences(latents, rollouts)
    count = capped(demo, MEMORY_PASSES * len(windows.inputs), MEMORY_BATCH)

    def passes(array: np.ndarray) -> np.ndarray:
        return np.concatenate([array] * MEMORY_PASSES)[:count]

    z_dim = latents.shape[1]
    model = build_memory(z_dim)
    demo.prepare(model)
    history = model.fit(
        passes(windows.inputs),
        passes(windows.targets),
        sample_weight=passes(windows.mask),
        epochs=demo.options.epochs,
        batch_size=MEMORY_BATCH,
        shuffle=True,
        verbose=0,
        callbacks=[stage_callback(demo, offset=demo.options.epochs)],
    )
    predicted = expected_change(np.asarray(model(windows.inputs, training=False)), z_dim)
    real = windows.mask * windows.targets[..., z_dim + 1] > 0
    truth = windows.targets[..., :z_dim][real]
    logs = {f"m_{name}": float(values[-1]) for name, values in history.history.items()}
    logs["next_latent_mse"] = float(np.mean((predicted[real] - truth) ** 2))
    logs["persistence_mse"] = float(np.mean(truth**2))  # "z stays where it is"
    return MemoryStep(model, z_dim), logs


def train_controller(
    demo: TrainingRun, memory: MemoryStep, starts: np.ndarray
) -> tuple[np.ndarray, float]:
    """C by CMA-ES in M's dream; (its weights, their mean dream return)."""
    options = demo.options
    epochs, offset = options.epochs, 2 * options.epochs
    generations = GENERATIONS_PER_EPOCH
    if options.max_steps_per_epoch is not None:
        generations = min(generations, options.max_steps_per_epoch)
    search = ControllerSearch(parameter_count(memory.z_dim, HIDDEN), seed=options.seed)
    dream_seed = options.seed
    for epoch in range(1, epochs + 1):
        for generation in range(1, generations + 1):
            candidates = search.ask()
            scores, _ = dream_returns(candidates, memory, starts, seed=dream_seed)
            search.tell(candidates, scores)
            dream_seed += 1
            metrics = {"dream_return_best": float(scores.max()), "sigma": search.sigma}
            demo.events.progress(
                epoch=offset + epoch,
                epochs=3 * epochs,
                step=generation,
                steps=generations,
                loss=float(DREAM_STEPS - scores.mean()),
                metrics={"dream_return": float(scores.mean()), **metrics},
                force=generation in (1, generations),
            )
        mean_return = float(dream_returns(search.mean[None], memory, starts, seed=0)[0][0])
        demo.events.emit(
            "epoch",
            epoch=offset + epoch,
            epochs=3 * epochs,
            loss=float(DREAM_STEPS - mean_return),
            logs={"dream_steps_lost": DREAM_STEPS - mean_return, "dream_return": mean_return},
        )
    return search.mean, mean_return


def play_for_real(
    encoder: Any, memory: MemoryStep, weights: np.ndarray, *, seed: int
) -> tuple[list[int], np.ndarray]:
    """(returns of `EVAL_EPISODES` real episodes played by V + M + C, every `SHOWN_EVERY`th
    frame of the first episode's beginning)."""
    state = memory.initial_state(EVAL_EPISODES)
    shown: list[np.ndarray] = []
    steps = [0]

    def agent(frames: np.ndarray, live: np.ndarray) -> np.ndarray:
        if live[0] == 0 and steps[0] % SHOWN_EVERY == 0 and len(shown) < SHOWN_STEPS:
            shown.append(frames[0])
        steps[0] += 1
        z = encode(encoder, frames)
        h, c = state[0][live], state[1][live]
        actions = act(weights, z, h)
        _, (h, c) = memory(z, actions, (h, c))
        state[0][live], state[1][live] = h, c
        return actions

    return play(agent, EVAL_EPISODES, seed=seed), np.stack(shown)


def padded(frames: np.ndarray, count: int) -> np.ndarray:
    """`frames` followed by blank frames up to `count`."""
    blank = np.zeros((count - len(frames), *frames.shape[1:]), "float32")
    return np.concatenate([frames, blank])


def write_pictures(
    demo: TrainingRun,
    rollouts: Any,
    frames: np.ndarray,
    latents: np.ndarray,
    vision: tuple[Any, Any],
    real_frames: np.ndarray,
    dream: np.ndarray,
) -> None:
    encoder, decoder = vision
    out = demo.out_dir
    shown = frames[:: max(1, len(frames) // 10)][:10]
    reconstructed = np.asarray(decoder(encode(encoder, shown), training=False))
    demo.artifact(
        "reconstructions",
        image_grid(
            np.concatenate([shown, reconstructed]),
            out / "reconstructions.png",
            columns=10,
            title="V: CartPole frames (top) and their reconstructions from a 2-d z (bottom)",
        ),
    )
    demo.artifact(
        "latent-space",
        point_clouds(
            [("V's latent z of every frame, coloured by the pole's angle", latents)],
            out / "latent_space.png",
            colors=rollouts.states[:, 2],
        ),
    )
    dreamt = np.asarray(decoder(dream[::SHOWN_EVERY][:SHOWN_STEPS], training=False))
    demo.artifact(
        "dream",
        image_grid(
            np.concatenate([padded(real_frames, SHOWN_STEPS), padded(dreamt, SHOWN_STEPS)]),
            out / "dream.png",
            columns=SHOWN_STEPS,
            title=f"The trained agent, every {SHOWN_EVERY} steps: a real episode (top) and a "
            "dream of M decoded by V (bottom)",
            row_labels=["real", "dream"],
        ),
    )


def train(demo: TrainingRun) -> dict[str, float]:
    options = demo.options
    rollouts = random_rollouts(QUICK_EPISODES if options.quick else EPISODES, seed=options.seed)
    frames = render_frames(rollouts.states)
    demo.events.write(
        DatasetEvent(
            "cartpole",
            "generated:gymnasium",
            {"frames": list(frames.shape), "episodes": len(rollouts.starts)},
            title="CartPole-v1 (gymnasium) played by a random policy, drawn as 32×32 frames",
            stands_in_for="carracing",
        )
    )
    encoder, decoder, v_logs = train_vision(demo, frames)
    latents = encode(encoder, frames)
    memory, m_logs = train_memory(demo, latents, rollouts)
    starts = latents[rollouts.starts[:DREAM_STARTS]]
    weights, dream_return = train_controller(demo, memory, starts)
    returns, real_frames = play_for_real(encoder, memory, weights, seed=options.seed + 10_000)
    _, dream = dream_returns(weights[None], memory, starts[:1], seed=0, record=True)
    assert dream is not None  # record=True
    write_pictures(demo, rollouts, frames, latents, (encoder, decoder), real_frames, dream)
    demo.write_json("controller", "controller.json", {"weights": weights.tolist()})
    return {
        **v_logs,
        **m_logs,
        "dream_return": dream_return,
        "real_return": float(np.mean(returns)),
        "random_return": float(np.mean(rollouts.lengths)),
    }


SPEC = DemoSpec(demo_by_module(__spec__.name), train=train, check_data=check_gymnasium)


def main(argv: Sequence[str] | None = None) -> int:
    return run(SPEC, argv)


if __name__ == "__main__":
    sys.exit(main())
