"""A hostile ``arith`` that does whatever the test asks through ``shout(command)``.

Honest ``add``/``mean``; ``shout("verb:argument")`` runs one attack inside the sandbox child
and returns what it saw ("ERR:<exception type>" when the OS said no).
"""

import json
import os
import signal
import sys
import time

import numpy as np


def add(a, b):
    return a + b


def mean(xs):
    return float(np.mean(xs))


def _ignore_signals():
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP, signal.SIGALRM, signal.SIGUSR1):
        signal.signal(sig, signal.SIG_IGN)


def _read(path):
    try:
        with open(path) as fh:
            return "READ:" + fh.read(200)
    except Exception as exc:
        return f"ERR:{type(exc).__name__}"


def _connect(where):
    import socket

    host, port = where.rsplit(":", 1)
    try:
        with socket.create_connection((host, int(port)), timeout=2):
            return "connected"
    except Exception as exc:
        return f"ERR:{type(exc).__name__}"


def _write(arg):
    path, text = arg.split("=", 1)
    try:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as fh:
            fh.write(text)
        return "written"
    except Exception as exc:
        return f"ERR:{type(exc).__name__}"


def _regex_forever():
    import re

    _ignore_signals()
    re.match(r"(a+)+$", "a" * 64 + "b")  # exponential backtracking inside one C call
    return "finished"


def _fork_bomb():
    _ignore_signals()
    while True:
        try:
            os.fork()
        except OSError:
            time.sleep(0.01)


def _orphan():
    """A grandchild in its own session that ignores signals, then hang."""
    if os.fork() == 0:
        os.setsid()
        _ignore_signals()
        while True:
            time.sleep(0.05)
    _ignore_signals()
    time.sleep(1000)


def _disk_bomb():
    path = os.path.join(os.environ.get("TMPDIR", "."), "bomb.bin")
    block = b"\0" * (1 << 20)
    with open(path, "wb") as fh:
        for _ in range(4096):  # 4 GiB
            fh.write(block)
    return "wrote 4 GiB"


def _fake_clock(seconds):
    frozen = 1_000_000.0
    for name in ("time", "perf_counter", "monotonic", "process_time"):
        setattr(time, name, lambda: frozen)
    for name in ("time_ns", "perf_counter_ns", "monotonic_ns"):
        setattr(time, name, lambda: int(frozen * 1e9))
    deadline = os.times().elapsed + float(seconds)
    while os.times().elapsed < deadline:
        pass
    return "fast"


class _EqualsAnything:
    def __eq__(self, other):
        return True

    __hash__ = object.__hash__


class _LyingFloat(float):
    def __eq__(self, other):
        return True


def _lying_tensor():
    import torch

    class Liar(torch.Tensor):
        def __eq__(self, other):
            return torch.ones_like(other, dtype=torch.bool)

    return torch.zeros(3).as_subclass(Liar)


def _oom_score_adj():
    with open("/proc/self/oom_score_adj") as adj:
        return int(adj.read())


def _oom_spare_me():
    """Ask the out-of-memory killer to pick the grader instead; the score afterwards."""
    try:
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write("-1000")
    except OSError:
        pass
    return str(_oom_score_adj())


def _spin(seconds):
    """Burn ``seconds`` of CPU here and as much in a child process that it reaps."""
    def burn():
        end = time.process_time() + seconds
        while time.process_time() < end:
            pass
    pid = os.fork()
    if pid == 0:
        burn()
        os._exit(0)
    burn()
    os.waitpid(pid, 0)
    return "spun"


def _open_fds():
    """{fd: what it is} for this process ("pipe", "socket", a path...)."""
    seen = {}
    for fd in sorted(os.listdir("/proc/self/fd"), key=int):
        try:
            seen[fd] = os.readlink(f"/proc/self/fd/{fd}").split(":")[0]
        except OSError:
            pass  # the listing's own descriptor
    return json.dumps(seen)


def shout(s):
    verb, _, arg = s.partition(":")
    actions = {
        "read": lambda: _read(arg),
        "ls": lambda: json.dumps(sorted(os.listdir(arg))),
        "connect": lambda: _connect(arg),
        "write": lambda: _write(arg),
        "env": lambda: json.dumps(dict(os.environ)),
        "whoami": lambda: json.dumps({"uid": os.getuid(), "cwd": os.getcwd(),
                                      "isolated": sys.flags.isolated,
                                      "oom_score_adj": _oom_score_adj()}),
        "oom_spare_me": _oom_spare_me,
        "exit": lambda: sys.exit(int(arg)),
        "os_exit": lambda: os._exit(int(arg)),
        "segv": lambda: __import__("ctypes").string_at(0),
        "sleep": lambda: (_ignore_signals(), time.sleep(float(arg)), "woke")[-1],
        "regex": _regex_forever,
        "membomb": lambda: len(bytearray(16 << 30)),
        "numpy_membomb": lambda: float(np.ones(1 << 34).sum()),
        "forkbomb": _fork_bomb,
        "orphan": _orphan,
        "diskbomb": _disk_bomb,
        "printbomb": lambda: [print("x" * 1000) for _ in iter(int, 1)],
        "garbage": lambda: [_try_write(fd, b"\xffGARBAGE" * 8) for fd in _open_fd_numbers()]
        and "sent",
        "fakeclock": lambda: _fake_clock(arg),
        "eq_anything": _EqualsAnything,
        "lying_float": lambda: _LyingFloat(3.0),
        "lying_tensor": _lying_tensor,
        "upper": lambda: arg.upper(),
        "modules": lambda: json.dumps(sorted(sys.modules)),
        "pids": lambda: json.dumps(sorted(int(p) for p in os.listdir("/proc") if p.isdigit())),
        "fds": _open_fds,
        "spin": lambda: _spin(float(arg)),
    }
    return actions[verb]()


def _open_fd_numbers():
    """Every descriptor this process holds past stderr (the channel's number is the grader's
    choice, so the attack tries them all)."""
    try:
        return sorted(n for n in map(int, os.listdir("/proc/self/fd")) if n > 2)
    except OSError:
        return range(3, 1024)


def _try_write(fd, data):
    try:
        os.write(fd, data)
    except OSError:
        pass
