"""The real environment of the chapter 12 world-models demo: gymnasium's CartPole, as pictures.

The book's agent sees CarRacing through 64×64 colour frames. CartPole is the small environment
that ships with gymnasium in pure Python (no Box2D, no download): push a cart left or right to
keep its pole upright; +1 reward per step until the pole leans past 12° or the cart leaves the
track (at most 500 steps). gymnasium draws its frames with pygame, which is not installed here,
so `render_frames` draws the same scene from the state with numpy: a 32×32 greyscale picture of
the cart and its pole (drawn longer than the physics' pole so that a lean of a few degrees moves
its tip by pixels). The agent only ever sees these pictures, never the four state numbers:
speeds must be read from how the pictures change, which is M's job.

`random_rollouts` collects the book's first step, episodes of a random policy;
`play` runs an agent (a function of frames and its own memory) in real environments, several in
lockstep so that each step encodes every live frame in one batch.

Imports numpy and, lazily, gymnasium; no keras.
"""

from __future__ import annotations

import importlib.util
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from demos.image_data import DatasetUnavailable

ENV_ID = "CartPole-v1"
FRAME_SIZE = 32
ACTIONS = 2
#: World units: the track the frame shows (CartPole ends an episode at |x| > 2.4).
TRACK_HALF_WIDTH = 2.4
POLE_PIXELS = 20.0
POLE_THICKNESS = 1.6
CART_ROW = 27
CART_HALF_WIDTH, CART_HALF_HEIGHT = 4, 2
MAX_EPISODE_STEPS = 500


def check_gymnasium(data: str) -> None:
    """Fail fast: the data is CartPole's, generated on the spot, and needs gymnasium."""
    if data not in ("auto", "offline"):
        raise DatasetUnavailable(
            f"--data {data}: world-models collects its own data by playing CartPole; "
            "pass --data offline (or auto)"
        )
    if importlib.util.find_spec("gymnasium") is None:
        raise DatasetUnavailable(
            "the world-models demo plays gymnasium's CartPole: pip install 'studyapp[demos]' "
            "(or pip install gymnasium)"
        )


def render_frames(states: np.ndarray) -> np.ndarray:
    """Pictures (N×32×32×1 float32, ink 1 on paper 0) of CartPole states (N×4: x, x speed,
    angle, angular speed); only the position and the angle show, as in gymnasium's frames."""
    states = np.asarray(states, dtype="float32").reshape(-1, 4)
    x, angle = states[:, 0], states[:, 2]
    margin = CART_HALF_WIDTH + 1
    centre = margin + (x / TRACK_HALF_WIDTH + 1.0) / 2.0 * (FRAME_SIZE - 1 - 2 * margin)
    rows, columns = np.mgrid[0:FRAME_SIZE, 0:FRAME_SIZE].astype("float32")
    rows, columns = rows[None], columns[None]
    cart = (np.abs(columns - centre[:, None, None]) <= CART_HALF_WIDTH) & (
        np.abs(rows - CART_ROW) <= CART_HALF_HEIGHT
    )
    # The pole: every pixel's distance to the segment from the cart's top to the pole's tip,
    # turned into anti-aliased ink so that small leans change the picture smoothly.
    base = np.stack([centre, np.full_like(centre, CART_ROW - CART_HALF_HEIGHT)], axis=-1)
    direction = np.stack([np.sin(angle), -np.cos(angle)], axis=-1)
    offset_c = columns - base[:, 0, None, None]
    offset_r = rows - base[:, 1, None, None]
    along = offset_c * direction[:, 0, None, None] + offset_r * direction[:, 1, None, None]
    along = np.clip(along, 0.0, POLE_PIXELS)
    dist = np.hypot(
        offset_c - along * direction[:, 0, None, None],
        offset_r - along * direction[:, 1, None, None],
    )
    pole = np.clip(POLE_THICKNESS - dist, 0.0, 1.0)
    frames = np.maximum(pole, cart.astype("float32"))
    return frames[..., None].astype("float32")


@dataclass(frozen=True)
class Rollouts:
    """Episodes of play, flattened: step t of episode e is row `starts[e] + t`."""

    states: np.ndarray
    """N×4 observations (kept for the pictures and the tests; the agent never sees them)."""
    actions: np.ndarray
    """N actions taken from each observation (0 push left, 1 push right)."""
    done: np.ndarray
    """N flags: the episode ended (terminated, not just truncated) after this action."""
    starts: np.ndarray
    """Where each episode begins."""

    @property
    def lengths(self) -> np.ndarray:
        return np.diff(np.append(self.starts, len(self.actions)))

    def episode(self, index: int) -> slice:
        start = int(self.starts[index])
        return slice(start, start + int(self.lengths[index]))


def random_rollouts(episodes: int, *, seed: int) -> Rollouts:
    """`episodes` episodes of the random policy (the book's data for V and M)."""
    import gymnasium

    env = gymnasium.make(ENV_ID)
    rng = np.random.default_rng(seed)
    states: list[np.ndarray] = []
    actions: list[int] = []
    done: list[bool] = []
    starts: list[int] = []
    for episode in range(episodes):
        observation, _ = env.reset(seed=seed + episode)
        starts.append(len(actions))
        while True:
            action = int(rng.integers(ACTIONS))
            states.append(observation)
            actions.append(action)
            observation, _, terminated, truncated, _ = env.step(action)
            done.append(bool(terminated))
            if terminated or truncated:
                break
    env.close()
    return Rollouts(
        states=np.asarray(states, dtype="float32"),
        actions=np.asarray(actions, dtype="int64"),
        done=np.asarray(done, dtype=bool),
        starts=np.asarray(starts, dtype="int64"),
    )


Agent = Callable[[np.ndarray, np.ndarray], np.ndarray]
"""(frames of the live episodes, their indices) -> one action each; keeps its own memory."""


def play(
    agent: Agent, episodes: int, *, seed: int, max_steps: int = MAX_EPISODE_STEPS
) -> list[int]:
    """Each episode's return (steps survived) when `agent` plays `episodes` real episodes, all
    at once. Returns in episode order."""
    import gymnasium

    envs = [gymnasium.make(ENV_ID, max_episode_steps=max_steps) for _ in range(episodes)]
    observations = np.stack([env.reset(seed=seed + i)[0] for i, env in enumerate(envs)])
    returns = [0] * episodes
    live = list(range(episodes))
    while live:
        actions = agent(render_frames(observations[live]), np.asarray(live))
        still = []
        for index, action in zip(live, actions, strict=True):
            observation, reward, terminated, truncated, _ = envs[index].step(int(action))
            returns[index] += int(float(reward))
            observations[index] = observation
            if not (terminated or truncated):
                still.append(index)
        live = still
    for env in envs:
        env.close()
    return returns
