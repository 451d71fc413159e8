"""Reference solutions of the exercises (never shipped to students).

The hidden tests import them to compute expectations in the same run; the spec suite also
grades this folder (``--impl reference``), which must earn every point.
"""
