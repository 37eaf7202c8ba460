"""Reusable widgets of the Textual app (their DEFAULT_CSS lives with them)."""
