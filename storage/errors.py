"""What storage can say went wrong; api/errors.py maps each to one HTTP status, once.

`detail` is an English sentence for developers; `code` (storage/vocabulary.py's ErrorCode) is what
a screen keys its own sentence on, when it says more than the class's general code."""

from __future__ import annotations

from storage.vocabulary import ErrorCode


class StorageError(Exception):
    def __init__(
        self, detail: str, *, field: str | None = None, code: ErrorCode | None = None, rule: str | None = None
    ) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field
        self.code = code
        self.rule = rule  # a stable word for the rule broken (phone_format, too_short, ...), when one is


class NotFound(StorageError):
    """No such row in the caller's scope (existence outside scope must not leak)."""


class Conflict(StorageError):
    """The request contradicts stored state (e.g. a changed record after a decision)."""


class Invalid(StorageError):
    """The values are well-formed but break a rule (unknown facility, bad unit level, ...)."""


class BadImage(StorageError):
    """The bytes are not an image of an accepted kind, or are damaged: 415."""


class TooLarge(StorageError):
    """Over a size or pixel limit: 413."""


class StoreUnavailable(StorageError):
    """The object store cannot be reached; nothing was written: 503."""
