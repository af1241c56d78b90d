"""Load benchmarks: the API against a bare yardstick of the same stack (`python -m bench.run`)."""
