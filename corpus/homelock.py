"""One writer at a time per home: an advisory lock file, `<home>/ingest.lock`.

Everything that changes the chunk store, the vector cache or the indexes (ingest,
remove, index rebuild, uploads from the web app or the API) holds this lock, so
two writers never interleave their store transactions and index versions. Readers
(search, ask) never take it: the store is SQLite (WAL) and a new index version
becomes visible by one atomic rename of its manifest.

The lock is `fcntl.flock` on an open file: the kernel drops it when the holder
exits, even after kill -9, so a stale lock cannot block a home. The holder writes
its pid, start time and command into the file, so a second writer can say who it
is waiting for. Within one process the lock is re-entrant per thread (an ingest
that calls the index sync takes it once); another thread of the same process
waits like another process would.
"""

from __future__ import annotations

import errno
import fcntl
import json
import logging
import os
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

log = logging.getLogger(__name__)

LOCK_FILE = "ingest.lock"


class HomeBusyError(RuntimeError):
    """Another writer holds the home and the caller asked not to wait."""


_held = threading.local()  # resolved home -> re-entry depth, for this thread


def holder_info(home: Path | str) -> dict:
    """Who holds (or last held) the lock: {"pid", "since", "command"}; {} when unknown."""
    try:
        return json.loads((Path(home) / LOCK_FILE).read_text(encoding="utf-8") or "{}")
    except (OSError, ValueError):
        return {}


def describe_holder(info: dict) -> str:
    since = info.get("since") or "?"
    who = f"pid {info['pid']}" if info.get("pid") else "another process"
    cmd = info.get("command")
    return f"since {since} ({who}{': ' + cmd if cmd else ''})"


@contextmanager
def writer_lock(home: Path | str, *, wait: bool = True, what: str = "",
                on_wait: Callable[[str], object] | None = None) -> Iterator[None]:
    """Hold the home's writer lock for the block.

    When another writer holds it: with `wait`, log "another ingest is running since …,
    waiting" (and call `on_wait(message)`, e.g. for a UI note) and block until it is
    free; without, raise HomeBusyError naming the holder. `what` describes this
    writer for the message another one would show (default: the command line).
    """
    home = Path(home)
    try:
        home.mkdir(parents=True, exist_ok=True)
    except FileExistsError:
        raise NotADirectoryError(errno.ENOTDIR, "the Griffier home is a file, not a folder", str(home)) from None
    key = str(home.resolve())
    depth = getattr(_held, "depth", None)
    if depth is None:
        depth = _held.depth = {}
    if depth.get(key):
        depth[key] += 1
        try:
            yield
        finally:
            depth[key] -= 1
        return

    path = home / LOCK_FILE
    fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o644)
    try:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            holder = describe_holder(holder_info(home))
            if not wait:
                raise HomeBusyError(
                    f"another ingest is running on {home} {holder}; wait for it to finish, "
                    f"or run again without --no-wait to wait for it"
                ) from None
            message = f"another ingest is running on {home} {holder}, waiting"
            log.warning("%s", message)
            if on_wait is not None:
                on_wait(message)
            t0 = time.monotonic()
            fcntl.flock(fd, fcntl.LOCK_EX)
            log.info("the other ingest finished after %.1f s; going on", time.monotonic() - t0)
        info = {"pid": os.getpid(), "since": time.strftime("%Y-%m-%d %H:%M:%S"),
                "command": what or " ".join(os.path.basename(a) if i == 0 else a for i, a in enumerate(sys.argv))}
        try:
            os.ftruncate(fd, 0)
            os.pwrite(fd, json.dumps(info, ensure_ascii=True).encode(), 0)
        except OSError:  # only the courtesy note failed (a full disk): the lock itself holds
            log.debug("could not write %s", path, exc_info=True)
        depth[key] = 1
        try:
            yield
        finally:
            depth.pop(key, None)
    finally:
        os.close(fd)  # releases the flock


def is_locked(home: Path | str) -> bool:
    """True while some writer holds the home (a cheap probe; the answer may be stale at once)."""
    path = Path(home) / LOCK_FILE
    try:
        fd = os.open(path, os.O_RDONLY | os.O_CLOEXEC)
    except OSError:
        return False
    try:
        fcntl.flock(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(fd)
    return False
