"""Every database query: library sync, review, search, statistics, settings, optimize.

Built on `db` and `studyapp.domain`; imports no UI (rich, textual, typer).
"""
