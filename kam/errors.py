"""Domain errors: services raise them; views show the message, the API maps them to 400."""


class DomainError(Exception):
    """A rule of the domain refused the change; the message is meant for the user."""


class PermissionDenied(DomainError):
    """The actor may not make this change (kam/rules.py said no)."""


class ConflictError(DomainError):
    """The object changed since the user loaded it (optimistic concurrency)."""

    def __init__(self, message: str, *, current_version: int) -> None:
        super().__init__(message)
        self.current_version = current_version
