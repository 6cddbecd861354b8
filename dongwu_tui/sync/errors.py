"""Why a sync file or a sync action was refused, as one Chinese sentence."""

from __future__ import annotations

from dongwu_tui.domain.errors import DeskError


class SyncRefused(DeskError):
    """A file that is not applied (damaged, foreign, tampered...), or a sync action that cannot run.

    `kind` names the reason for programs (tests, the import screen); `message` is for people."""

    def __init__(self, kind: str, message: str) -> None:
        super().__init__(message)
        self.kind = kind


class HeldForReview(SyncRefused):
    """A file stamped far in the future: kept aside, not applied, until a person accepts it."""
