"""Pure study-domain code: parsing, scheduling, rendering. Imports no sqlalchemy, rich or textual."""
