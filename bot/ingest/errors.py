"""Why a stored page was not turned into an article.

`RejectedFile` is final: the file is moved aside (`reject_file`) with its one-line reason.
`NotReady` is temporary: the file is still being written; try again once it has settled.
`Transient` is the machine's, not the file's: out of file descriptors, a full disk, an I/O error. The
file is left where it is and retried with backoff; it is never moved aside for it.
"""

from __future__ import annotations


class IngestError(Exception):
    """Base class; `reason` is one line meant for a person reading `.rejected/NAME.reason`."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = " ".join(reason.split())


class RejectedFile(IngestError):
    """The file cannot be read as a story (empty, binary, undecodable, broken front matter, too large)."""


class NotReady(IngestError):
    """The file was modified moments ago or changed while being read: retry later, do not reject."""


class Transient(IngestError):
    """The system failed (EMFILE, ENFILE, ENOSPC, EIO, EAGAIN, ...): retry later, never reject."""
