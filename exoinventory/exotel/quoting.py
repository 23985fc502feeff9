"""A value Exotel or the environment sent, as a message may quote it.

Messages end up in log lines, SyncRun.error and start-up errors: a 1 MB
price or a NUL byte must not be copied into them whole. No Django here.
"""

QUOTED_LIMIT = 60


def quoted(value: object, limit: int = QUOTED_LIMIT) -> str:
    """repr() of `value` (control characters escaped, one line), cut to about
    `limit` characters, saying how long it was when cut."""
    text = repr(value)
    if len(text) <= limit:
        return text
    size = len(value) if isinstance(value, str | bytes | list | dict | tuple) else len(text)
    return f"{text[:limit]}… ({size:,} long)"


def clipped(value: object, limit: int = QUOTED_LIMIT * 2) -> str:
    """`value` as text in a message, unquoted: one line, control characters
    escaped, cut to `limit` characters with "…" (Exotel's own error words)."""
    text = "".join(c if c.isprintable() else ascii(c)[1:-1] for c in " ".join(str(value).split()))
    return text if len(text) <= limit else text[:limit] + "…"
