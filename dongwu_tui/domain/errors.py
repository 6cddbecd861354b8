"""Errors the desk reports to people. Every message is a complete Chinese sentence."""

from __future__ import annotations


class DeskError(Exception):
    """A refusal or failure that is shown to the user as it is (CLI: stderr, exit 2)."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message

    def __str__(self) -> str:
        return self.message


class ValidationFailed(DeskError):
    """Input that breaks a rule: a bad phone number, a bad check digit, a missing field."""


class MoveRefused(DeskError):
    """A request move that the lifecycle or the actor's role does not allow."""


class NotFound(DeskError):
    """A record the user named does not exist."""


class PermissionRefused(DeskError):
    """The acting staff member's role may not do this."""


class StorageError(DeskError):
    """The database cannot be used: missing, locked, too new, damaged or the disk is full."""


class SignInRefused(DeskError):
    """Who is acting is not proven: a wrong password, no or an expired session, a locked account."""
