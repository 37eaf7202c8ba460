"""Which demos a card's text is about: the catalogue's keywords matched against the text.

A keyword matches whole words only ("gan" must not match "organ"), case-insensitively; a space
or hyphen inside a phrase matches any run of spaces and hyphens ("batch-normalization",
"batch  normalization"); and an English plural or possessive still matches ("filters",
"GAN's"). Importing a deck matches every card against every keyword, so the work is arranged
to be cheap: an index of the keywords' first words leaves a few candidates per card, one-word
keywords are set lookups, and only phrases run a regular expression.

Standard library only (it runs on import, in the app's process); never imports keras,
tensorflow, numpy or the `demos` programs.
"""

from __future__ import annotations

import re
from functools import cache

from studyapp.demos.catalogue import all_demos

_WORD = re.compile(r"\w+")
_TOKEN = re.compile(r"[\w-]+")
_SEPARATORS = re.compile(r"[\s-]+")


@cache
def _keyword_index() -> dict[str, frozenset[str]]:
    """Each form of a keyword's first word (as written, +s, +es) → the keywords it starts."""
    index: dict[str, set[str]] = {}
    for demo in all_demos():
        for keyword in demo.keywords:
            first = _WORD.findall(keyword.lower())[0]
            for form in (first, f"{first}s", f"{first}es"):
                index.setdefault(form, set()).add(keyword)
    return {form: frozenset(keywords) for form, keywords in index.items()}


@cache
def _keyword_owners() -> dict[str, tuple[tuple[int, str], ...]]:
    """Each keyword → the demos (book order, name) that list it."""
    owners: dict[str, list[tuple[int, str]]] = {}
    for order, demo in enumerate(all_demos()):
        for keyword in dict.fromkeys(demo.keywords):
            owners.setdefault(keyword, []).append((order, demo.name))
    return {keyword: tuple(demos) for keyword, demos in owners.items()}


@cache
def _single_word_forms(keyword: str) -> frozenset[str]:
    """For a one-word keyword, the tokens it matches (word, +s, +es); else empty."""
    parts = _SEPARATORS.split(keyword.strip().lower())
    if len(parts) != 1:
        return frozenset()
    return frozenset((parts[0], f"{parts[0]}s", f"{parts[0]}es"))


@cache
def _phrase_pattern(keyword: str) -> re.Pattern[str]:
    """A phrase keyword as a pattern over lower-cased text, with its plural or possessive
    ending and the word boundary after it. The boundary before it is `_phrase_occurs`'s check:
    a pattern that starts with a literal lets the regex engine scan for it, many times faster
    than a leading look-behind."""
    words = [re.escape(word) for word in _SEPARATORS.split(keyword.strip().lower()) if word]
    return re.compile(r"[\s-]+".join(words) + r"(?:e?s|'s)?(?![\w-])")


def _phrase_occurs(keyword: str, lowered: str) -> bool:
    for match in _phrase_pattern(keyword).finditer(lowered):
        before = lowered[match.start() - 1] if match.start() else " "
        if not (before.isalnum() or before in "_-"):
            return True
    return False


@cache
def _phrase_words(keyword: str) -> frozenset[str]:
    """The words of a phrase keyword but its last, which may take a plural ending."""
    return frozenset(_WORD.findall(keyword.lower())[:-1])


def match_demos(text: str) -> list[str]:
    """Names of the demos whose keywords occur in `text`, best match first.

    A demo scores the number of words of each distinct keyword it matches, so a phrase
    ("variational autoencoder") outweighs a single word ("autoencoder"); ties keep book order.
    """
    lowered = text.lower()
    index = _keyword_index()
    words = set(_WORD.findall(lowered))
    candidates: set[str] = set()
    for word in words:
        candidates.update(index.get(word, ()))
    # A one-word keyword matches exactly when a whole hyphen-free token is the word or its
    # plural, which a set lookup answers; phrases still need their pattern.
    tokens = set(_TOKEN.findall(lowered)) if candidates else set()
    owners = _keyword_owners()
    scores: dict[tuple[int, str], int] = {}
    for keyword in candidates:
        forms = _single_word_forms(keyword)
        if forms:
            found = not forms.isdisjoint(tokens)
        else:  # every word of the phrase must be there before its pattern is worth running
            found = _phrase_words(keyword) <= words and _phrase_occurs(keyword, lowered)
        if found:
            for owner in owners[keyword]:
                scores[owner] = scores.get(owner, 0) + len(keyword.split())
    ranked = sorted((-score, order, name) for (order, name), score in scores.items())
    return [name for _, _, name in ranked]
