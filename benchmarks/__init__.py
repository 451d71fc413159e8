"""gradspec's benchmarks: ``python -m benchmarks`` measures everything in one run on one machine.

Each section lives in its own module and is registered in ``benchmarks/__main__.py``.
"""
