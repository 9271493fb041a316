"""What storage can say went wrong; api/errors.py maps each to one HTTP status, once."""


class StorageError(Exception):
    def __init__(self, detail: str, *, field: str | None = None) -> None:
        super().__init__(detail)
        self.detail = detail
        self.field = field


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
