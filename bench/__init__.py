"""Benchmarks: `bench/run` (see README, Benchmarks). Not collected by pytest (it is not under tests/)."""
