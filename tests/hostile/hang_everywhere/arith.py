"""Hangs in every call: any name looked up in this module sleeps (PEP 562 ``__getattr__``),
with the signals a grader might send ignored."""

import signal
import time

for _sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
    signal.signal(_sig, signal.SIG_IGN)


def __getattr__(name):
    while True:
        time.sleep(3600)
