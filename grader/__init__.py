"""gradspec's grading harness: grades any pytest spec suite whose tests carry points."""

__version__ = "0.1.0"
