"""Fake demos for the runner's tests: pure Python, no Keras, quick to start.

Each speaks the real demos' protocol (JSON events on stdout, the rest on stderr) and takes
their command line, so the runner cannot tell them apart from `demos.*`.
"""
