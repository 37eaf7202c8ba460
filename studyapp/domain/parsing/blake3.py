"""BLAKE3 (hash mode, 32-byte digest) in pure Python, for hashcards' card identities.

hashcards keys its review database by the BLAKE3 hash of each card's content; the standard
library has no BLAKE3 and card texts are short, so a plain implementation of the specification
(github.com/BLAKE3-team/BLAKE3-specs) is enough. Checked against the official test vectors.
"""

from __future__ import annotations

import struct

IV = (
    0x6A09E667,
    0xBB67AE85,
    0x3C6EF372,
    0xA54FF53A,
    0x510E527F,
    0x9B05688C,
    0x1F83D9AB,
    0x5BE0CD19,
)
PERMUTATION = (2, 6, 3, 10, 7, 0, 4, 13, 1, 11, 12, 5, 9, 14, 15, 8)
CHUNK_START, CHUNK_END, PARENT, ROOT = 1, 2, 4, 8
BLOCK, CHUNK = 64, 1024
MASK = 0xFFFFFFFF
# (a, b, c, d, message index) of the eight mixes of a round: columns, then diagonals.
MIXES = (
    (0, 4, 8, 12, 0),
    (1, 5, 9, 13, 2),
    (2, 6, 10, 14, 4),
    (3, 7, 11, 15, 6),
    (0, 5, 10, 15, 8),
    (1, 6, 11, 12, 10),
    (2, 7, 8, 13, 12),
    (3, 4, 9, 14, 14),
)


def _compress(
    cv: tuple[int, ...], block: bytes, counter: int, length: int, flags: int
) -> list[int]:
    m = list(struct.unpack("<16I", block.ljust(BLOCK, b"\0")))
    s = [*cv, *IV[:4], counter & MASK, (counter >> 32) & MASK, length, flags]
    for round_ in range(7):
        for a, b, c, d, i in MIXES:
            s[a] = (s[a] + s[b] + m[i]) & MASK
            x = s[d] ^ s[a]
            s[d] = ((x >> 16) | (x << 16)) & MASK
            s[c] = (s[c] + s[d]) & MASK
            x = s[b] ^ s[c]
            s[b] = ((x >> 12) | (x << 20)) & MASK
            s[a] = (s[a] + s[b] + m[i + 1]) & MASK
            x = s[d] ^ s[a]
            s[d] = ((x >> 8) | (x << 24)) & MASK
            s[c] = (s[c] + s[d]) & MASK
            x = s[b] ^ s[c]
            s[b] = ((x >> 7) | (x << 25)) & MASK
        if round_ < 6:
            m = [m[p] for p in PERMUTATION]
    for i in range(8):
        s[i] ^= s[i + 8]
        s[i + 8] ^= cv[i]
    return s


def _chunk(data: bytes, index: int, root: bool) -> tuple[int, ...]:
    """The chaining value of one chunk (its output words, when it is the root)."""
    cv: tuple[int, ...] = IV
    blocks = [data[at : at + BLOCK] for at in range(0, len(data), BLOCK)] or [b""]
    for number, block in enumerate(blocks):
        flags = (CHUNK_START if number == 0 else 0) | (
            CHUNK_END | (ROOT if root else 0) if number == len(blocks) - 1 else 0
        )
        cv = tuple(_compress(cv, block, index, len(block), flags)[:8])
    return cv


def _subtree(data: bytes, first_chunk: int, root: bool) -> tuple[int, ...]:
    chunks = max(1, -(-len(data) // CHUNK))
    if chunks == 1:
        return _chunk(data, first_chunk, root)
    left = 1 << ((chunks - 1).bit_length() - 1)  # the largest power of two below `chunks`
    left_cv = _subtree(data[: left * CHUNK], first_chunk, False)
    right_cv = _subtree(data[left * CHUNK :], first_chunk + left, False)
    block = struct.pack("<16I", *left_cv, *right_cv)
    return tuple(_compress(IV, block, 0, BLOCK, PARENT | (ROOT if root else 0))[:8])


def blake3_hex(data: bytes) -> str:
    """The 32-byte BLAKE3 hash of `data`, as 64 hex digits."""
    return struct.pack("<8I", *_subtree(data, 0, True)).hex()
