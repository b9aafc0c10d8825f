"""Benchmarks (SPEC section 8), run with `make bench`; figures, not tests (STYLE section 7)."""
