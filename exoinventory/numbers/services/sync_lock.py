"""One listing and one sweep per account at a time, with locks that die with
their holder; and one writer per account at a time.

On PostgreSQL a session-level advisory lock: it is released when the
connection closes, so a sync killed with SIGKILL frees it at once (the
server notices the dropped connection). Elsewhere (SQLite, the local run) an
flock on a file under var/locks, which the kernel releases when the process
dies. (A pooler in transaction mode, such as PgBouncer, would break the
advisory lock: connect the workers to PostgreSQL directly.)
"""

import fcntl
import hashlib
from collections.abc import Iterator
from contextlib import contextmanager

from django.conf import settings
from django.db import connection


def _lock_key(name: str) -> int:
    digest = hashlib.sha256(f"exoinventory-sync:{name}".encode()).digest()
    return int.from_bytes(digest[:8], "big", signed=True)


def account_write_lock(account_sid: str) -> None:
    """Inside a transaction: wait until no other listing or sweep of the
    account is writing, until this transaction ends.

    A listing and a sweep fetch side by side, but write one after the other:
    both update the account's rows, and two bulk UPDATEs taking row locks in
    different orders would deadlock. SQLite's write transactions (IMMEDIATE)
    are one at a time already.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_lock_key(f"write:{account_sid}")])


@contextmanager
def account_sync_lock(account_sid: str, kind: str, *, wait: bool = False) -> Iterator[bool]:
    """Yield True while holding the account's lock for `kind` (a listing or a
    sweep), False if another process or thread holds it; with `wait`, wait
    until it is free (and yield True)."""
    if connection.vendor == "postgresql":
        key = _lock_key(f"{kind}:{account_sid}")
        with connection.cursor() as cursor:
            if wait:
                cursor.execute("SELECT pg_advisory_lock(%s)", [key])
                acquired = True
            else:
                cursor.execute("SELECT pg_try_advisory_lock(%s)", [key])
                acquired = bool(cursor.fetchone()[0])
        try:
            yield acquired
        finally:
            if acquired:
                with connection.cursor() as cursor:
                    cursor.execute("SELECT pg_advisory_unlock(%s)", [key])
        return

    lock_dir = settings.VAR_DIR / "locks"
    lock_dir.mkdir(parents=True, exist_ok=True)
    name = hashlib.sha256(account_sid.encode()).hexdigest()[:16]
    with open(lock_dir / f"{kind}-{name}.lock", "w") as handle:
        try:
            fcntl.flock(handle, fcntl.LOCK_EX if wait else fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            yield False
            return
        try:
            yield True
        finally:
            fcntl.flock(handle, fcntl.LOCK_UN)
