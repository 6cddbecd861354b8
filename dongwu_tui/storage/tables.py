"""Peewee models of the office database, bound per open database.

The schema itself is made by the migrations in `storage/migrations`; these models only read and write
it. Foreign keys are plain id columns here (the constraints live in the schema) so that rows never
drag ORM objects across the seam: `storage.convert` turns rows into domain objects.

Several databases may be open in one process (sync tests open one per office), so the models are
cloned and bound to each database instead of being bound globally.
"""

from __future__ import annotations

import threading
from typing import Any

from peewee import (
    BooleanField,
    DateField,
    DateTimeField,
    IntegerField,
    Model,
    SqliteDatabase,
    TextField,
)


class _Base(Model):
    class Meta:
        legacy_table_names = False


class _Synced(_Base):
    """A record that offices exchange: global id, creating office, timestamps, tombstone."""

    id = TextField(primary_key=True)
    site_id = TextField()
    created_at = DateTimeField()
    updated_at = DateTimeField()
    deleted = BooleanField(default=False)


class Meta(_Base):
    key = TextField(primary_key=True)
    value = TextField()

    class Meta:
        table_name = "meta"


class MeasureCategoryRow(_Base):
    code = TextField(primary_key=True)
    name = TextField()
    position = IntegerField()

    class Meta:
        table_name = "measure_category"


class MeasureRow(_Base):
    number = IntegerField(primary_key=True)
    category_code = TextField()
    name = TextField()
    limit_days = IntegerField()
    office = TextField()
    unit = TextField(default="")  # the default handling unit's site code (migration 0017)
    pinyin = TextField(default="")
    initials = TextField(default="")

    class Meta:
        table_name = "measure"


class TownshipRow(_Base):
    code = TextField(primary_key=True)
    name = TextField()
    kind = TextField()
    position = IntegerField()
    retired = BooleanField(default=False)  # merged away: kept for old records (migration 0017)

    class Meta:
        table_name = "township"


class IndustryRow(_Base):
    code = TextField(primary_key=True)
    name = TextField()
    position = IntegerField()

    class Meta:
        table_name = "industry"


class TalentCategoryRow(_Base):
    code = TextField(primary_key=True)
    name = TextField()
    position = IntegerField()

    class Meta:
        table_name = "talent_category"


class TalentLevelRow(_Base):
    code = TextField(primary_key=True)
    name = TextField()
    position = IntegerField()

    class Meta:
        table_name = "talent_level"


class SiteRow(_Synced):
    code = TextField()
    name = TextField()
    kind = TextField()
    township_code = TextField(null=True)

    class Meta:
        table_name = "site"


class StaffRow(_Synced):
    name = TextField()
    role = TextField()
    office_id = TextField()
    phone = TextField(null=True)
    active = BooleanField(default=True)

    class Meta:
        table_name = "staff"


class EnterpriseRow(_Synced):
    name = TextField()
    credit_code = TextField()
    township_code = TextField(null=True)
    industry_code = TextField(null=True)

    class Meta:
        table_name = "enterprise"


class TalentRow(_Synced):
    name = TextField()
    name_pinyin = TextField(default="")
    name_initials = TextField(default="")
    phone = TextField()
    id_kind = TextField()
    id_number = TextField(null=True)
    category_code = TextField()
    level_code = TextField()
    enterprise_id = TextField(null=True)
    township_code = TextField(null=True)
    specialist_id = TextField(null=True)
    card_no = TextField(null=True)
    notes = TextField(default="")
    merged_into_id = TextField(null=True)  # a merged-away talent: the one that survives (migration 0012)

    class Meta:
        table_name = "talent"


class CallRow(_Synced):
    at = DateTimeField()
    direction = TextField()
    phone = TextField()
    talent_id = TextField(null=True)
    operator_id = TextField()
    duration_s = IntegerField(default=0)
    summary = TextField()
    measure_number = IntegerField(null=True)
    outcome = TextField()
    request_id = TextField(null=True)

    class Meta:
        table_name = "call"


class RequestRow(_Synced):
    number = TextField(unique=True)
    talent_id = TextField(null=True)
    phone = TextField()
    measure_number = IntegerField()
    summary = TextField()
    status = TextField()
    township_code = TextField(null=True)
    opened_by_id = TextField()
    opened_at = DateTimeField()
    due_date = DateField()
    assignee_site_id = TextField(null=True)
    assignee_id = TextField(null=True)
    dispatched_at = DateTimeField(null=True)
    signed_at = DateTimeField(null=True)
    resolved_at = DateTimeField(null=True)
    resolution = TextField(default="")
    direct = BooleanField(default=False)
    visited_at = DateTimeField(null=True)
    satisfied = BooleanField(null=True)
    archived_at = DateTimeField(null=True)
    merged_into_id = TextField(null=True)
    extension_days = IntegerField(null=True)
    extension_reason = TextField(default="")
    return_reason = TextField(default="")
    confidential = BooleanField(default=False)
    # The rules' facts (migration 0016, docs/KPI.md "stored facts"); local to this office, not synced.
    first_dispatched_at = DateTimeField(null=True)
    unit_dispatched_at = DateTimeField(null=True)
    sign_due_date = DateField(null=True)
    first_resolved_at = DateTimeField(null=True)
    first_on_time = BooleanField(null=True)
    rework_count = IntegerField(default=0)
    extensions_used = IntegerField(default=0)
    extension_days_used = IntegerField(default=0)
    return_rejections = IntegerField(default=0)
    visit_result = TextField(null=True)
    visit_solved = BooleanField(null=True)
    visit_unreached = IntegerField(default=0)
    review_result = TextField(null=True)

    class Meta:
        table_name = "service_request"


class RequestEventRow(_Synced):
    request_id = TextField()
    at = DateTimeField()
    actor_id = TextField()
    action = TextField()
    from_status = TextField(null=True)
    to_status = TextField()
    reason = TextField(default="")
    detail = TextField(default="{}")

    class Meta:
        table_name = "request_event"


class AuditRow(_Synced):
    at = DateTimeField()
    actor_id = TextField(null=True)
    entity = TextField()
    entity_id = TextField()
    action = TextField()
    reason = TextField(default="")
    changes = TextField(default="{}")

    class Meta:
        table_name = "audit_log"


class AccountRow(_Base):
    """A staff member's sign-in: local to this database, never exchanged by sync."""

    staff_id = TextField(primary_key=True)
    password_hash = TextField()
    must_change = BooleanField(default=True)
    failed_count = IntegerField(default=0)
    locked_until = DateTimeField(null=True)
    changed_at = DateTimeField()

    class Meta:
        table_name = "account"


class SessionRow(_Base):
    """A command-line session: the SHA-256 of its token (the token is only in the user's file)."""

    token_hash = TextField(primary_key=True)
    staff_id = TextField()
    created_at = DateTimeField()
    last_used_at = DateTimeField()

    class Meta:
        table_name = "session"
class StandardAnswerRow(_Synced):
    """One version of a standard answer (migration 0018)."""

    measure_number = IntegerField()
    lineage_id = TextField()
    version = IntegerField(default=1)
    title = TextField()
    body = TextField()
    keywords = TextField(default="")
    search_pinyin = TextField(default="")
    search_initials = TextField(default="")
    policy_doc = TextField(default="")
    policy_date = DateField(null=True)
    valid_from = DateField(null=True)
    valid_to = DateField(null=True)
    written_by_id = TextField(null=True)
    approved_by_id = TextField(null=True)
    approved_at = DateTimeField(null=True)
    superseded_by_id = TextField(null=True)

    class Meta:
        table_name = "standard_answer"


class AnswerUseRow(_Synced):
    call_id = TextField()
    answer_id = TextField()
    version = IntegerField()
    at = DateTimeField()
    actor_id = TextField(null=True)

    class Meta:
        table_name = "answer_use"


class CallbackRow(_Synced):
    kind = TextField()
    phone = TextField()
    talent_id = TextField(null=True)
    request_id = TextField(null=True)
    at = DateTimeField()
    due_at = DateTimeField()
    owner_id = TextField()
    note = TextField(default="")
    done_at = DateTimeField(null=True)
    done_call_id = TextField(null=True)
    done_by_id = TextField(null=True)

    class Meta:
        table_name = "callback"


MODELS: tuple[type[_Base], ...] = (
    Meta,
    MeasureCategoryRow,
    MeasureRow,
    TownshipRow,
    IndustryRow,
    TalentCategoryRow,
    TalentLevelRow,
    SiteRow,
    StaffRow,
    EnterpriseRow,
    TalentRow,
    CallRow,
    RequestRow,
    RequestEventRow,
    AuditRow,
    AccountRow,
    SessionRow,
    StandardAnswerRow,
    AnswerUseRow,
    CallbackRow,
)


class Tables:
    """The models of one open database, reachable by class name: `tables.TalentRow.select()`. Each is bound to
    the database the first time it is asked for: binding makes a subclass, and peewee copies every field of
    it, so binding all fifteen at every open cost ~6 ms of start-up where the first screen needs three or four
    (start-up)."""

    Meta: type[Meta]
    MeasureCategoryRow: type[MeasureCategoryRow]
    MeasureRow: type[MeasureRow]
    TownshipRow: type[TownshipRow]
    IndustryRow: type[IndustryRow]
    TalentCategoryRow: type[TalentCategoryRow]
    TalentLevelRow: type[TalentLevelRow]
    SiteRow: type[SiteRow]
    StaffRow: type[StaffRow]
    EnterpriseRow: type[EnterpriseRow]
    TalentRow: type[TalentRow]
    CallRow: type[CallRow]
    RequestRow: type[RequestRow]
    RequestEventRow: type[RequestEventRow]
    AuditRow: type[AuditRow]
    AccountRow: type[AccountRow]
    SessionRow: type[SessionRow]
    StandardAnswerRow: type[StandardAnswerRow]
    AnswerUseRow: type[AnswerUseRow]
    CallbackRow: type[CallbackRow]

    def __init__(self, database: SqliteDatabase) -> None:
        self._database = database
        self._lock = threading.Lock()  # the workers' threads share one Tables: one class per model

    def __getattr__(self, name: str) -> Any:
        model = _BY_NAME.get(name)
        if model is None:
            raise AttributeError(name)
        with self._lock:
            bound = self.__dict__.get(name)
            if bound is None:
                meta = type("Meta", (), {"database": self._database, "table_name": model._meta.table_name})
                bound = type(model.__name__, (model,), {"Meta": meta, "__module__": __name__})
                setattr(self, name, bound)
        return bound


_BY_NAME = {model.__name__: model for model in MODELS}


def bind_tables(database: SqliteDatabase) -> Tables:
    return Tables(database)
