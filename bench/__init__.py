"""Benchmarks (``make bench``): measured against the emulator's own ceiling in the same run."""
