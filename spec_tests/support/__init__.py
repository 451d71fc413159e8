"""Helpers shared by the public tests, the hidden tests and the benchmarks, a module per
exercise: call descriptions, hints, oracles and the calls of the submission's probes.

It ships to students with the public tests, so it never imports ``reference``.
"""
