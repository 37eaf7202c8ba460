"""Pure study-domain code: parsing, scheduling, rendering. No sqlalchemy, rich or textual."""
