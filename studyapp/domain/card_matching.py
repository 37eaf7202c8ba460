"""Which stored card each parsed card continues: the pure plan behind library sync.

A card's review history must follow its text, not its place. So a parsed card takes over the
stored card with the same question identity; among cards that ask the same question (the
identity then carries the occurrence), one whose whole content is unchanged is matched first
and the rest in order, so deleting the first of two twins leaves the survivor its own history;
what is still unmatched may be a light edit (a typo, punctuation) of a stored card that lost
its match, found by similarity. Stored cards that nobody claims are retired.

Pure: no database. `studyapp.store.library` feeds it rows and applies the plan.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from studyapp.domain.parsing.model import ParsedCard, question_hash, question_key

# A lightly edited question (typo, punctuation) scores above this against its old text.
SIMILAR_QUESTION = 88.0


@dataclass(frozen=True, slots=True)
class StoredCard:
    id: int
    identity: str
    question: str
    content_hash: str
    retired: bool


@dataclass(slots=True)
class CardPlan:
    identities: list[str]  # the identity each parsed card gets, in order
    matches: list[StoredCard | None]  # the stored card each parsed card continues
    retire: list[int] = field(default_factory=list)  # stored ids no parsed card claims


def plan_cards(parsed: list[ParsedCard], stored: list[StoredCard]) -> CardPlan:
    keys = [question_key(card.question) for card in parsed]
    identities: list[str] = []
    seen: dict[str, int] = {}
    for key in keys:
        seen[key] = seen.get(key, 0) + 1
        n = seen[key]
        identities.append(question_hash(key if n == 1 else f"{key}\x00{n}"))

    by_key: dict[str, list[StoredCard]] = defaultdict(list)
    for card in stored:
        by_key[question_key(card.question)].append(card)
    matches: list[StoredCard | None] = [None] * len(parsed)
    claimed: set[int] = set()
    positions: dict[str, list[int]] = defaultdict(list)
    for index, key in enumerate(keys):
        positions[key].append(index)
    for key, indexes in positions.items():
        candidates = [c for c in by_key.get(key, ()) if c.id not in claimed]
        if not candidates:
            continue
        if len(indexes) == 1 and len(candidates) == 1:
            matches[indexes[0]] = candidates[0]
            claimed.add(candidates[0].id)
            continue
        # Twins: unchanged content first, then the stored order of identity (occurrence).
        for index in indexes:
            same = next(
                (c for c in candidates if c.content_hash == parsed[index].content_hash), None
            )
            if same is not None:
                matches[index] = same
                candidates.remove(same)
                claimed.add(same.id)
        rest = sorted(candidates, key=lambda c: _occurrence(c, key))
        for index in indexes:
            if matches[index] is None and rest:
                matches[index] = rest.pop(0)
                claimed.add(matches[index].id)  # type: ignore[union-attr]

    orphans = {c.id: question_key(c.question) for c in stored if c.id not in claimed}
    for index, key in enumerate(keys):
        if matches[index] is not None or not orphans:
            continue
        # Imported here: an unchanged re-import never gets this far, and should not pay for it.
        from rapidfuzz import fuzz, process

        best = process.extractOne(key, orphans, scorer=fuzz.ratio, score_cutoff=SIMILAR_QUESTION)
        if best is not None:
            card_id = best[2]
            matches[index] = next(c for c in stored if c.id == card_id)
            del orphans[card_id]
    retire = [c.id for c in stored if c.id in orphans and not c.retired]
    return CardPlan(identities, matches, retire)


def _occurrence(card: StoredCard, key: str) -> int:
    for n in range(1, 1000):
        if question_hash(key if n == 1 else f"{key}\x00{n}") == card.identity:
            return n
    return 1000
