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

MS_RDONLY = 1
MS_NOSUID = 2
MS_NODEV = 4
MS_NOEXEC = 8
MS_REMOUNT = 32
MS_BIND = 4096
MS_MOVE = 8192
MS_REC = 16384
MS_PRIVATE = 1 << 18
MNT_DETACH = 2
CLONE_NEWNS = 0x00020000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
PR_SET_PDEATHSIG = 1
PR_SET_NO_NEW_PRIVS = 38

#: The system's programs and libraries: the only folders of the machine a child sees besides
#: the Python installation and its own sandbox (read-only, all of them).
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
#: What of /etc the dynamic loader, the C library and Python's platform module read.
SYSTEM_ETC = ("ld.so.cache", "ld.so.conf", "ld.so.conf.d", "localtime", "nsswitch.conf",
              "passwd", "group", "hosts", "host.conf", "os-release", "alternatives")
#: World-writable places programs expect: each child gets empty ones of its own, so that two
#: submissions can never pass notes to each other through them.
PRIVATE_WRITABLE = ("tmp", "var/tmp", "dev/shm")
#: Devices every program may use; GPUs (``/dev/nvidia*``) are added where present.
DEVICES = ("null", "zero", "full", "random", "urandom")
#: ``pivot_root`` has no libc wrapper: its system call number per architecture.
_PIVOT_ROOT = {"x86_64": 155, "aarch64": 41, "riscv64": 41, "ppc64le": 203, "ppc64": 203,
               "s390x": 217, "i686": 217, "armv7l": 218}

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


def _bind(source: str, target: str, *, read_only: bool = True, devices: bool = False) -> None:
    """Bind ``source`` (a path, or ``/proc/self/fd/N``) at ``target``, read-only by default;
    ``target`` is made to match (a folder, or an empty file)."""
    if os.path.isdir(source):
        os.makedirs(target, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(target), exist_ok=True)
        if not os.path.exists(target):
            os.close(os.open(target, os.O_CREAT | os.O_WRONLY, 0o644))
    _mount(source, target, None, MS_BIND | MS_REC)
    if read_only:
        flags = MS_BIND | MS_REMOUNT | MS_RDONLY | MS_NOSUID | (0 if devices else MS_NODEV)
        _mount(None, target, None, flags)


def _copy_link(path: str, new_root: str) -> None:
    target = new_root + path
    os.makedirs(os.path.dirname(target), exist_ok=True)
    os.symlink(os.readlink(path), target)


def _expose(path: str, new_root: str, **kwargs: bool) -> None:
    """``path`` of the current root at the same path under ``new_root`` (links as links)."""
    if os.path.islink(path):
        _copy_link(path, new_root)
    elif os.path.exists(path):
        _bind(path, new_root + path, **kwargs)


def _pivot_root(new_root: str) -> None:
    """Make ``new_root`` the root of this mount namespace and drop the old one entirely."""
    os.chdir(new_root)
    number = _PIVOT_ROOT.get(os.uname().machine)
    if number is None:  # no known pivot_root: move the mount over / and enter it
        _mount(new_root, "/", None, MS_MOVE)
        os.chroot(".")
        os.chdir("/")
        return
    old = os.path.join(new_root, ".old-root")
    os.mkdir(old, 0o700)
    check(libc().syscall(number, new_root.encode(), old.encode()), "pivot_root")
    os.chdir("/")
    check(libc().umount2(b"/.old-root", MNT_DETACH), "unmount the old root")
    os.rmdir("/.old-root")


def confine_filesystem(sandbox: str, hide: list[str], expose: list[str], rw_dir: str,
                       rw_size: str, uid: int | None, gid: int | None) -> list[str]:
    """Give this mount namespace a new root that holds only what a child needs, by allowlist.

    Visible afterwards, at their usual paths: the system's programs and libraries
    (:data:`SYSTEM_DIRS`, a few files of /etc), a minimal /dev (plus GPUs), the namespace's
    /proc, /sys, the Python installation (``expose``) and the sandbox folder, all read-only;
    the sandbox's writable ``rw_dir`` (a tmpfs with home/, tmp/, work/ for ``uid``) and
    empty /tmp, /var/tmp and /dev/shm. Nothing else of the machine is there at all: other users'
    files, other copies of the course, the grader's folders, the class's submissions.
    ``hide`` paths are covered even inside what is exposed (a folder that holds the sandbox
    is not covered: only the sandbox itself is in the new root). Returns what was exposed.
    """
    keep = sorted({sandbox, *(p for p in expose if os.path.isdir(p))}, key=len)
    # Handles first: these may sit under /tmp, which the new root's own /tmp covers.
    handles = [(os.open(p, os.O_PATH | os.O_DIRECTORY), p) for p in keep]
    new_root = "/tmp"  # a fresh tmpfs over it, private to this namespace, becomes the root
    mount_tmpfs(new_root, size="16m", mode="755")
    for path in SYSTEM_DIRS:
        _expose(path, new_root)
    for name in SYSTEM_ETC:
        _expose(os.path.join("/etc", name), new_root)
    os.makedirs(new_root + "/dev", exist_ok=True)
    gpus = [n for n in os.listdir("/dev") if n.startswith("nvidia")]
    for name in (*DEVICES, *gpus):
        _expose(os.path.join("/dev", name), new_root, read_only=False, devices=True)
    for name in PRIVATE_WRITABLE:
        os.makedirs(os.path.join(new_root, name), exist_ok=True)
        mount_tmpfs(os.path.join(new_root, name))
    _bind("/proc", new_root + "/proc", read_only=False)
    if os.path.isdir("/sys"):
        _bind("/sys", new_root + "/sys")
    for handle, path in handles:
        _bind(f"/proc/self/fd/{handle}", new_root + path)
        os.close(handle)
    mount_tmpfs(new_root + rw_dir, size=rw_size, mode="700", uid=uid, gid=gid)
    _pivot_root(new_root)
    for sub in ("home", "tmp", "work"):
        os.mkdir(os.path.join(rw_dir, sub), 0o700)
        if uid is not None and gid is not None:
            os.chown(os.path.join(rw_dir, sub), uid, gid)
    for path in hide:  # what is not there needs no hiding; a kept folder's parent must stay
        if not any(k == path or k.startswith(path.rstrip("/") + "/") for k in keep):
            hide_path(path)
    return [*SYSTEM_DIRS, *keep]


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


#: The kernel's out-of-memory killer picks the process with the highest score; 1000 is the
#: most: under a container's memory limit the child goes first, not the grader.
OOM_SCORE_ADJ = 1000


def first_to_kill_when_out_of_memory() -> bool:
    """Make this process (and what it forks) the OOM killer's first choice (Linux; False
    where unknown). Raising it needs no privilege; lowering it again needs CAP_SYS_RESOURCE,
    which the child no longer has once it dropped its uid."""
    try:
        with open("/proc/self/oom_score_adj", "w") as adj:
            adj.write(str(OOM_SCORE_ADJ))
        return True
    except OSError:
        return False


def no_new_privileges() -> bool:
    """Forbid setuid binaries from granting privileges back (Linux); False where unknown."""
    try:
        return libc().prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) == 0
    except (OSError, AttributeError):
        return False


def start_next_to_student_code() -> None:
    """The ``preexec_fn`` of a sandbox child: it dies with its parent, and it is the
    out-of-memory killer's first choice from its very first instruction."""
    die_with_parent()
    first_to_kill_when_out_of_memory()


def die_with_parent(signal_number: int = signal.SIGKILL) -> None:
    """Ask the kernel to send ``signal_number`` when the parent exits (Linux; else nothing).

    Also the ``preexec_fn`` of every process the grader starts next to student code."""
    try:
        libc().prctl(PR_SET_PDEATHSIG, signal_number, 0, 0, 0)
    except (OSError, AttributeError):
        pass

