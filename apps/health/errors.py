"""Domain errors with stable codes; the API turns them into 400s and pages show the message."""

from __future__ import annotations


class BedrotError(Exception):
    """Base of every expected failure: a stable `code`, a human message, optional field errors."""

    code = "bedrot_error"

    def __init__(self, message: str, *, field_errors: dict[str, list[str]] | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field_errors = field_errors or {}


class PermanentError(BedrotError):
    """Trying again cannot help: bad credentials, 4xx, an unknown format."""

    code = "permanent"


class TransientError(BedrotError):
    """Timeouts, resets, 429 and 5xx: the one kind that is retried."""

    code = "transient"

    def __init__(self, message: str, *, retry_after_s: float | None = None) -> None:
        super().__init__(message)
        self.retry_after_s = retry_after_s


class InvalidInputError(BedrotError):
    code = "invalid_input"


class RunSkipped(BedrotError):
    """Raised by a task that had nothing it was allowed to do (a login needing a human, a
    paused source): the run is recorded as `skipped` with the reason, never as a failure."""

    code = "skipped"

    def __init__(self, reason: str, *, detail: str = "") -> None:
        super().__init__(detail or reason)
        self.reason = reason
