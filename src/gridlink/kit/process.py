"""Process hygiene for the long-running commands (security control 27).

``serve`` and ``worker`` hold master keys and, while a sign-in runs, utility passwords in
memory. Python cannot wipe a ``str`` or ``bytes``, so the process makes sure its memory never
leaves it by the usual side doors:

- no core dumps: ``RLIMIT_CORE`` soft and hard limits are 0 (the hard limit cannot be raised
  again without privileges), so a crash writes no memory image to disk;
- not dumpable (Linux): ``prctl(PR_SET_DUMPABLE, 0)`` also stops core dumps through
  ``core_pattern`` pipes, stops other processes of the same user from attaching a debugger or
  reading ``/proc/<pid>/mem``, ``environ`` and the like, and makes ``/proc/<pid>`` owned by root.

A platform without one of these (macOS has no prctl, Windows neither) logs it and carries on.
"""

from __future__ import annotations

import ctypes
import logging
import sys

logger = logging.getLogger(__name__)

PR_SET_DUMPABLE = 4  # <linux/prctl.h>


def harden_process() -> None:
    _no_core_dumps()
    if sys.platform == "linux":
        _not_dumpable()


def _no_core_dumps() -> None:
    try:
        import resource
    except ImportError:  # pragma: no cover - Windows
        logger.warning("cannot turn core dumps off on this platform")
        return
    resource.setrlimit(resource.RLIMIT_CORE, (0, 0))


def _not_dumpable() -> None:
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0:
        error = ctypes.get_errno()
        logger.warning("prctl(PR_SET_DUMPABLE, 0) failed", extra={"errno": error})
