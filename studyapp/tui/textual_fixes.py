"""Workarounds for known Textual bugs, each naming its upstream issue. Each checks that the bug
is still there before it changes anything, so a Textual release that fixes it is left alone.
"""

from __future__ import annotations

from functools import lru_cache

from textual._styles_cache import StylesCache
from textual.color import Color
from textual.style import Style


def free_removed_widgets_styles() -> None:
    """Textual #6665: `StylesCache.get_inner_outer` is an `lru_cache` on an instance method,
    so its 1,024 entries keep the styles cache (and every rendered line in it) of removed
    widgets alive. A review mounts a new card view for each card, so the heap grew by about
    1,500 objects an answer and full garbage collections slowed to 150-280 ms. The result
    depends on the two colours only: cache it on them alone."""
    original = StylesCache.get_inner_outer
    if not hasattr(original, "cache_clear"):
        return  # fixed upstream, or already applied
    uncached = original.__wrapped__

    @lru_cache(1024)
    def inner_outer(base_background: Color, background: Color) -> tuple[Style, Style]:
        return uncached(None, base_background, background)  # `self` is not used

    def get_inner_outer(
        self: StylesCache, base_background: Color, background: Color
    ) -> tuple[Style, Style]:
        return inner_outer(base_background, background)

    StylesCache.get_inner_outer = get_inner_outer  # type: ignore[method-assign, assignment]
