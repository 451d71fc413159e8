"""The grader's side of the sandbox: start confined children and talk to them.

:class:`IsolatedSubject` (:mod:`.subject`) is what the spec tests call in isolated mode;
:mod:`.policy` says what a child may do and which protections this machine gives,
:mod:`.slots` hands out per-sandbox uids, :mod:`.spawner` starts children (``unshare`` or
the zygote, :mod:`.zygote_client`), :mod:`.exchange` runs one request under a deadline.
What runs inside the child is :mod:`grader.runtime`, copied whole (:mod:`.runtime_copy`).
"""

from grader.sandbox.policy import (
    HIDE_ENV,
    SandboxLimits,
    describe_protections,
    expected_protections,
    os_support,
)
from grader.sandbox.slots import SandboxError
from grader.sandbox.subject import IsolatedSubject
from grader.sandbox.zygote_client import (
    Zygote,
    ZygoteError,
    attach_or_start,
    process_zygote,
    start_zygote,
    use_zygote,
)

#: Set to 0 to keep batch workers on the plain path (one ``unshare``'d interpreter per child).
ZYGOTE_ENV = "GRADSPEC_ZYGOTE"

__all__ = ["HIDE_ENV", "ZYGOTE_ENV", "IsolatedSubject", "SandboxError", "SandboxLimits",
           "Zygote", "ZygoteError", "attach_or_start", "describe_protections",
           "expected_protections", "os_support", "process_zygote", "start_zygote", "use_zygote"]
