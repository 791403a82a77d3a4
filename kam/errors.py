"""Domain errors: services raise them; views show the message, the API maps them to 400
(403 for PermissionDenied, 412 for ConflictError, 409 for Busy, 404 for Gone)."""


class DomainError(Exception):
    """A rule of the domain refused the change; the message is meant for the user."""


class PermissionDenied(DomainError):
    """The actor may not make this change (kam/rules.py said no)."""


class ConflictError(DomainError):
    """The object changed since the user loaded it (optimistic concurrency)."""

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version


class InvalidInput(DomainError):
    """Values a record cannot hold; `errors` maps field names ("__all__" for the record) to
    messages, so a form can show each next to its field."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        super().__init__(" ".join(message for messages in errors.values() for message in messages))
        self.errors = errors


class Busy(DomainError):
    """The work asked for is already under way (a scoring run): try again when it ends (409)."""


class Gone(DomainError):
    """The record was deleted while the user was changing it (404): nothing was written."""
