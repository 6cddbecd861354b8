"""Standard answers (知识库) and the callback queue (回电): the records and their rules, no storage."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from enum import StrEnum

# How an answer is named on the command line and on screen: the last characters of its id (a UUIDv7's
# tail is random, so a few characters tell the answers of an office apart).
REF_LENGTH = 8


def short_ref(record_id: str) -> str:
    return record_id.replace("-", "")[-REF_LENGTH:]


@dataclass(frozen=True, slots=True)
class StandardAnswer:
    id: str
    measure: int
    lineage_id: str
    version: int
    title: str
    body: str
    keywords: str = ""
    policy_doc: str = ""
    policy_date: date | None = None
    valid_from: date | None = None
    valid_to: date | None = None
    written_by_id: str | None = None
    approved_by_id: str | None = None
    approved_at: datetime | None = None
    superseded_by_id: str | None = None
    site_id: str = ""

    @property
    def ref(self) -> str:
        return short_ref(self.id)

    @property
    def approved(self) -> bool:
        return self.approved_at is not None

    def valid_on(self, day: date) -> bool:
        """In force on `day`: its validity has begun and not ended."""
        return (self.valid_from is None or self.valid_from <= day) and (self.valid_to is None or day <= self.valid_to)

    def offered_on(self, day: date) -> bool:
        """Offered at intake on `day`: approved, the current version of its answer, and in force."""
        return self.approved and self.superseded_by_id is None and self.valid_on(day)

    @property
    def state_label(self) -> str:
        if self.superseded_by_id is not None:
            return "已被新版本取代"
        return "已审核" if self.approved else "待审核"


class CallbackKind(StrEnum):
    MISSED = "missed"  # a missed or dropped call, to be called back
    PROMISED = "promised"  # a callback promised to a caller by a time
    VISIT = "visit"  # a return visit (回访) due on a resolved request; read from the requests, never stored

    @property
    def label(self) -> str:
        return {"missed": "未接来电", "promised": "约定回电", "visit": "待回访"}[self.value]


@dataclass(frozen=True, slots=True)
class CallbackItem:
    id: str
    kind: CallbackKind
    phone: str
    due_at: datetime
    owner_id: str
    at: datetime | None = None
    note: str = ""
    talent_id: str | None = None
    request_id: str | None = None
    request_number: str | None = None
    done_at: datetime | None = None
    done_call_id: str | None = None

    @property
    def ref(self) -> str:
        return self.request_number if self.kind is CallbackKind.VISIT and self.request_number else short_ref(self.id)

    @property
    def is_open(self) -> bool:
        return self.done_at is None
