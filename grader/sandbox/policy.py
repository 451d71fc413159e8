"""What a sandbox child may do here: its limits, its environment, what it must not see, and
which OS protections this machine can give it (probed once per process, said in words)."""

from __future__ import annotations

import functools
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

#: Paths (os.pathsep-separated) the child must not see, set by ``grader run``/``grader batch``.
HIDE_ENV = "GRADSPEC_SANDBOX_HIDE"
#: Uid of sandbox slot ``n`` is ``SANDBOX_UID_BASE + n`` (RLIMIT_NPROC counts per uid).
SANDBOX_UID_BASE = 100_000
NAMESPACE_FLAGS = ("--net", "--mount", "--pid", "--fork", "--kill-child", "--mount-proc")


@dataclass(frozen=True)
class SandboxLimits:
    """OS limits of one child; ``memory`` None means no address-space limit."""

    memory: int | None = 4 << 30
    cpu_seconds: int = 900
    file_size: int = 64 << 20
    processes: int = 64
    open_files: int = 256
    output_capture: int = 64 << 10
    output_flood: int = 1 << 20
    max_answer: int = 128 << 20
    writable_size: str = "256m"
    start_timeout: float = 120.0


def cuda_present() -> bool:
    """CUDA reserves a huge address space: RLIMIT_AS would break it."""
    return os.path.exists("/dev/nvidiactl") or os.path.exists("/dev/nvidia0")


@functools.cache
def _os_checks() -> tuple[bool, bool, bool]:
    """(namespaces, uid drop inside them, uid drop without them), probed once per process."""
    if sys.platform != "linux" or os.geteuid() != 0:
        return False, False, False
    unshare = shutil.which("unshare")
    uid = SANDBOX_UID_BASE
    drop = (f"import os, sysconfig; os.setgroups([]); os.setresgid({uid}, {uid}, {uid}); "
            f"os.setresuid({uid}, {uid}, {uid})")
    # Without namespaces the uid must also reach the Python installation as it is.
    reach = "; open(os.__file__).close(); os.listdir(sysconfig.get_paths()['purelib'])"

    def works(cmd: list[str]) -> bool:
        try:
            return subprocess.run(cmd, capture_output=True, timeout=20,
                                  stdin=subprocess.DEVNULL).returncode == 0
        except (OSError, subprocess.SubprocessError):
            return False

    ns = unshare is not None and works([unshare, *NAMESPACE_FLAGS, "true"])
    # In namespaces the child re-binds the Python installation where the uid can reach it.
    return (ns, ns and works([sys.executable, "-I", "-c", drop]),
            works([sys.executable, "-I", "-c", drop + reach]))


def os_support(namespaces: bool | None = None) -> tuple[bool, bool]:
    """(namespaces usable, uid drop usable) here; ``namespaces=False`` asks about the fallback."""
    ns, drop_ns, drop_plain = _os_checks()
    if namespaces is False or not ns:
        return False, drop_plain
    return True, drop_ns


def describe_protections(namespaces: bool, uid: int | None,
                         limits: SandboxLimits) -> list[str]:
    """The protections a child started with these settings has, in words."""
    active = ["separate process (python -I)", "wall-clock deadline (SIGKILL)",
              "private HOME and TMPDIR, empty working folder",
              "rlimits: CPU seconds, file size, open files, core dumps",
              f"output capped at {limits.output_flood >> 10} KiB per call"]
    if limits.memory is not None and not cuda_present():
        active.append(f"address-space limit {limits.memory >> 20} MiB")
    if sys.platform == "linux":
        active.append("first to be killed when memory runs out (oom_score_adj 1000)")
    if uid is not None:
        active.append(f"unprivileged uid {uid} with a process limit")
    if namespaces:
        active += ["PID namespace (the whole tree dies with the child)",
                   "network namespace (no network)",
                   "mount namespace: a root of its own with only the system's libraries, the "
                   "Python installation and the submission, read-only (nothing else of the "
                   "machine is visible), and private /tmp, /var/tmp and /dev/shm"]
    else:
        active.append("process group (no namespaces here: network and files stay visible)")
    return active


def expected_protections(limits: SandboxLimits | None = None) -> list[str]:
    """What sandbox children get on this machine (uid shown for slot 0)."""
    ns, uid_ok = os_support()
    return describe_protections(ns, SANDBOX_UID_BASE if uid_ok else None,
                                limits or SandboxLimits())


def sandbox_env(home: str, tmp: str) -> dict[str, str]:
    """The whole environment of a sandbox child (nothing of the grader's is passed on)."""
    env = {
        "PATH": "/usr/local/bin:/usr/bin:/bin",
        "HOME": home,
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "PYTHONUNBUFFERED": "1",
        "PYTHONDONTWRITEBYTECODE": "1",
        "PYTHONHASHSEED": "0",
        "MPLBACKEND": "Agg",
    }
    for var in ("OMP_NUM_THREADS", "MKL_NUM_THREADS", "OPENBLAS_NUM_THREADS",
                "NUMEXPR_NUM_THREADS", "VECLIB_MAXIMUM_THREADS"):
        env[var] = "1"  # also keeps the zygote single-threaded, so that it may fork
    if "CUDA_VISIBLE_DEVICES" in os.environ:
        env["CUDA_VISIBLE_DEVICES"] = os.environ["CUDA_VISIBLE_DEVICES"]
    return env


def default_hide_paths(probes_dir: Path) -> list[Path]:
    """What a child must never see: the suite's reference, tests, and the paths in the env."""
    hide = [Path(p) for p in os.environ.get(HIDE_ENV, "").split(os.pathsep) if p]
    suite = probes_dir.parent
    while suite != suite.parent and not any(
            (suite / f).is_file() for f in ("pyproject.toml", "pytest.ini", "tox.ini")):
        suite = suite.parent
    if suite == suite.parent:
        suite = probes_dir.parent.parent
    hide.append(probes_dir.parent)
    hide.extend(suite / name for name in ("reference", "spec_tests", "tests"))
    return hide


def python_paths() -> list[str]:
    """The folders of this Python installation and environment, which the child needs."""
    paths = []
    for p in (sys.prefix, sys.base_prefix, sys.exec_prefix, sys.base_exec_prefix):
        paths += [os.path.abspath(p), os.path.realpath(p)]
    return list(dict.fromkeys(paths))


def protected(path: Path) -> bool:
    """Paths that must stay visible: the Python installation and what contains it."""
    path = path.resolve()
    keep = [Path(p) for p in python_paths()] + [Path(sys.executable).resolve().parent]
    return path == Path("/") or any(k == path or path in k.parents for k in keep)
