"""Benchmarks: `python -m bench [NAME ...]` prints figures against their targets and writes
`bench/results/NAME.json`. Speed goals live here, never in timed unit tests."""
