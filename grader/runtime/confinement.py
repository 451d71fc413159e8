"""OS-level confinement applied inside the sandbox child: namespaces, mounts, resource
limits, the uid drop and the parent-death signal.

Runs next to student code, so it imports the standard library only. Linux namespaces are
entered by ``unshare`` (the plain path) or by the zygote (:func:`unshare_namespaces`) before
the child runs; the child, still root inside its own mount namespace, then hides paths and
drops privileges. Every libc call and constant of the sandbox lives here.
"""

from __future__ import annotations

import ctypes
import os
import resource
import signal
from typing import Any

MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_BIND = 4096
MS_REC = 16384
MS_PRIVATE = 1 << 18
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

#: World-writable places two submissions could use to pass notes to each other.
SHARED_WRITABLE = ("/tmp", "/var/tmp", "/dev/shm", "/run/lock")

RLIMITS = {
    "as": "RLIMIT_AS",
    "cpu": "RLIMIT_CPU",
    "fsize": "RLIMIT_FSIZE",
    "nproc": "RLIMIT_NPROC",
    "nofile": "RLIMIT_NOFILE",
    "core": "RLIMIT_CORE",
}


def libc() -> Any:
    return ctypes.CDLL(None, use_errno=True)


def check(result: int, what: str) -> None:
    """Raise OSError with errno's text when a libc call returned non-zero."""
    if result != 0:
        err = ctypes.get_errno()
        raise OSError(err, f"{what}: {os.strerror(err)}")


def _mount(source: str | None, target: str | None, fstype: str | None, flags: int,
           data: str | None = None) -> None:
    enc = [s.encode() if s is not None else None for s in (source, target, fstype, data)]
    check(libc().mount(enc[0], enc[1], enc[2], flags, enc[3]),
          f"mount {fstype or 'bind'} on {target}")


def unshare_namespaces() -> None:
    """Enter new mount, network and PID namespaces (the next child forked is PID 1 there),
    with every mount made private so that nothing propagates back to the host."""
    check(libc().unshare(CLONE_NEWNS | CLONE_NEWNET | CLONE_NEWPID), "unshare")
    _mount(None, "/", None, MS_REC | MS_PRIVATE)


def mount_proc() -> None:
    """A /proc of the current PID namespace (what ``unshare --mount-proc`` does)."""
    _mount("proc", "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)


def mount_tmpfs(target: str, *, size: str = "16m", mode: str = "1777",
                uid: int | None = None, gid: int | None = None) -> None:
    """An empty, size-capped tmpfs over ``target``: what was there becomes invisible."""
    data = f"size={size},mode={mode}"
    if uid is not None and gid is not None:
        data += f",uid={uid},gid={gid}"
    _mount("tmpfs", target, "tmpfs", MS_NOSUID | MS_NODEV, data)


def hide_path(path: str) -> bool:
    """Cover a folder with an empty tmpfs, a file with /dev/null; False if it does not exist."""
    if os.path.isdir(path) and not os.path.islink(path):
        mount_tmpfs(path, size="1m", mode="755")
        return True
    if os.path.isfile(path) and not os.path.islink(path):
        _mount("/dev/null", path, None, MS_BIND)
        return True
    return False


def _closed_ancestor(path: str) -> str | None:
    """The outermost folder on the way to ``path`` that other users cannot traverse."""
    current = "/"
    for part in [p for p in path.split("/") if p]:
        current = os.path.join(current, part)
        try:
            if not os.stat(current).st_mode & 0o001:
                return current
        except OSError:
            return None
    return None


def _bind_from(handle: int, target: str) -> None:
    os.makedirs(target, exist_ok=True)
    _mount(f"/proc/self/fd/{handle}", target, None, MS_BIND | MS_REC)


def confine_filesystem(sandbox: str, hide: list[str], expose: list[str], rw_dir: str,
                       rw_size: str, uid: int | None, gid: int | None) -> list[str]:
    """Private temp folders, hidden paths, what must stay reachable re-attached.

    ``sandbox`` and the ``expose`` folders (the Python installation) may sit under a hidden
    path (``/tmp``) or under a folder the unprivileged uid cannot enter (``/root``): handles
    taken first let them be bound back at the same paths afterwards, alone in an empty tmpfs.
    Returns what was covered.
    """
    keep = [sandbox] + [p for p in dict.fromkeys(expose) if os.path.isdir(p)]
    handles = [(os.open(p, os.O_PATH | os.O_DIRECTORY), p) for p in keep]
    covered = []
    for path in keep:
        closed = _closed_ancestor(path)
        if closed and closed not in covered:
            mount_tmpfs(closed, size="1m", mode="755")
            covered.append(closed)
    for path in SHARED_WRITABLE:
        if os.path.isdir(path) and not os.path.islink(path):
            mount_tmpfs(path)
            covered.append(path)
    for path in hide:
        if hide_path(path):
            covered.append(path)
    for handle, path in handles:
        _bind_from(handle, path)
        os.close(handle)
    mount_tmpfs(rw_dir, size=rw_size, mode="700", uid=uid, gid=gid)
    for sub in ("home", "tmp", "work"):
        os.mkdir(os.path.join(rw_dir, sub), 0o700)
        if uid is not None and gid is not None:
            os.chown(os.path.join(rw_dir, sub), uid, gid)
    return covered


def apply_rlimits(limits: dict[str, int]) -> list[str]:
    """Set soft and hard limits (``{"as": bytes, "cpu": seconds, ...}``); returns those set.

    A limit the OS refuses (macOS and RLIMIT_AS) is left as it was.
    """
    applied = []
    for key, value in limits.items():
        which = getattr(resource, RLIMITS[key], None)
        if which is None:
            continue
        try:
            _, hard = resource.getrlimit(which)
            if hard != resource.RLIM_INFINITY:
                value = min(value, hard)
            resource.setrlimit(which, (value, value))
            applied.append(key)
        except (ValueError, OSError):
            pass
    return applied


def drop_privileges(uid: int, gid: int) -> None:
    """Become an unprivileged user for good (no supplementary groups, no way back)."""
    os.setgroups([])
    os.setresgid(gid, gid, gid)
    os.setresuid(uid, uid, uid)
    if os.getuid() != uid or os.geteuid() != uid:
        raise OSError("could not drop privileges")


def no_new_privileges() -> bool:
    """Forbid setuid binaries from granting privileges back (Linux); False where unknown."""
    try:
        return libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def die_with_parent(signal_number: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``signal_number`` when the parent exits (Linux; else nothing).

    Also the ``preexec_fn`` of every process the grader starts next to student code."""
    try:
        libc().prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0)
    except (OSError, AttributeError):
        pass

