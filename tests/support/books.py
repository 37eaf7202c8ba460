"""A generator of messy generated-book part files, like the real ones: an id prefix, a
`_processed` suffix, `(Part N)` markers, a `Starting Chapter` per part, unclosed fences,
sloppy closers and cards without `:p`. For tests and the import benchmark."""

from __future__ import annotations

import random
from pathlib import Path

TOPICS = [
    "temporal difference",
    "policy gradient",
    "value iteration",
    "exploration bonus",
    "eligibility traces",
    "function approximation",
]


def write_book(folder: Path, stem: str, parts: int, cards_per_part: int, seed: int = 1) -> int:
    """Write `parts` part files of one book; returns the number of cards written."""
    rng = random.Random(seed)
    folder.mkdir(parents=True, exist_ok=True)
    total = 0
    for part in range(1, parts + 1):
        lines = [f"# Flashcards: {stem} (Part {part})", ""]
        lines.append(f"**Starting Chapter:** Chapter {part}: {rng.choice(TOPICS).title()}")
        lines.append("")
        for n in range(cards_per_part):
            topic = rng.choice(TOPICS)
            lines += ["---", "", f"#### {topic.title()} {part}.{n}", f"Context about {topic}."]
            style = rng.randrange(5)
            if style == 0:  # an answer whose code fence is never closed
                lines += [f":p How is {topic} {part}.{n} coded?", "??x", "```python", "x = 1"]
            elif style == 1:  # sloppy closer at the end of a line
                lines += [f":p What is {topic} {part}.{n}?", "??x", f"It is {topic}. x?"]
            elif style == 2:  # no :p: the title is the question
                lines += ["??x", f"The answer about {topic} {part}.{n}.", "x??"]
            else:
                lines += [
                    f":p Why does {topic} {part}.{n} matter?",
                    "??x",
                    f"Because $V(s) = r + \\gamma V(s')$ for {topic}.",
                    "x??",
                ]
            lines.append("")
            total += 1
        (folder / f"{stem} (Part {part}).md").write_text("\n".join(lines) + "\n")
    return total
