"""Planted (user site): would patch Python at start-up, if the interpreter ever imported it."""

import os
from pathlib import Path

if os.environ.get("PLANTED_MARKER"):
    Path(os.environ["PLANTED_MARKER"]).write_text("usercustomize.py ran")
