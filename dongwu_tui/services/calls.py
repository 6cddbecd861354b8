"""Logging hotline calls: match the caller, open, answer or attach the request, all in one write."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import DeskError, NotFound, ValidationFailed
from dongwu_tui.domain.lifecycle import Move
from dongwu_tui.domain.models import Call, CallOutcome, ServiceRequest, Talent
from dongwu_tui.domain.roles import Role
from dongwu_tui.storage.convert import call_from_row

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk


class RepeatCallFound(DeskError):
    """The caller already has an open request about this measure: attach to it, or say a new one is wanted."""

    def __init__(self, request: ServiceRequest) -> None:
        super().__init__(
            f"该号码已有同一服务举措的未办结工单 {request.number}（{request.status.label}）："
            f"可关联到该工单（--attach {request.number}），或确认另开新工单（--new）。"
        )
        self.request = request


@dataclass(frozen=True, slots=True)
class CallResult:
    call: Call
    talent: Talent | None
    request: ServiceRequest | None


class CallService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables

    def caller(self, phone: str) -> Talent | None:
        """The talent behind a phone number, for the intake screen's lookup as the operator types."""
        matches = self.desk.talents.find_by_phone(phone)
        return matches[0] if matches else None

    def log(
        self,
        *,
        attach_to: str | None = None,
        force_new: bool = False,
        dispatch_to: str | None = None,
        dispatch_staff: str | None = None,
        new_talent: dict[str, Any] | None = None,
        answer_id: str | None = None,
        **values: Any,
    ) -> CallResult:
        """Log one call. With outcome `request`, a repeat of an open request for the same measure raises
        RepeatCallFound unless the operator chose `attach_to` or `force_new`; nothing is written then.
        `answer_id`: the standard answer inserted into the 当场答复, recorded with its version. The call
        closes the open callback items for its number."""
        actor = self.desk.require(Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR, action="登记来电")
        if attach_to:
            values["outcome"] = CallOutcome.ATTACHED.value
            if values.get("measure") is None:
                values["measure"] = self.desk.requests.get(attach_to, with_events=False).measure
        from dongwu_tui.domain.validation import CallInput, parse  # pydantic: off the start-up path

        data = parse(CallInput, **values)
        if data.measure is not None:
            self.desk.directory.measure(data.measure)
        requests = self.desk.requests

        with self.desk.office.write():
            talent = self.desk.talents.get(data.talent_id) if data.talent_id else self.caller(data.phone)
            if talent is None and new_talent:
                talent = self.desk.talents.add(phone=data.phone, **new_talent)
            talent_id = talent.id if talent else None
            township = talent.township_code if talent else None

            request_id: str | None = None
            if data.outcome is CallOutcome.ATTACHED:
                if not attach_to:
                    repeat = requests.find_repeat(data.phone, data.measure or 0, talent_id)
                    if repeat is None:
                        raise ValidationFailed("没有可以关联的未办结工单，请选择转工单。")
                    attach_to = repeat.number
                # A call about a merged request is attached to the request it lives on in.
                target = requests.surviving(attach_to)
                if not target.is_open:
                    raise ValidationFailed(
                        f"工单 {target.number} {target.status.label}，不能再关联来电；请另开新工单。"
                    )
                request_id = target.id
            elif data.outcome is CallOutcome.REQUEST:
                repeat = requests.find_repeat(data.phone, data.measure or 0, talent_id)
                if repeat is not None and not force_new:
                    raise RepeatCallFound(repeat)

            at = self.desk.clock()
            call_id = self.desk.new_id(at)
            if data.outcome in (CallOutcome.REQUEST, CallOutcome.ANSWERED):
                assert data.measure is not None
                request_id = requests.create(
                    talent_id=talent_id, phone=data.phone, measure=data.measure, summary=data.summary,
                    township_code=township, confidential=data.confidential,
                )
            self.t.CallRow.insert(
                id=call_id,
                at=at,
                direction=data.direction.value,
                phone=data.phone,
                talent_id=talent_id,
                operator_id=actor.id,
                duration_s=data.duration_s,
                summary=data.summary,
                measure_number=data.measure,
                outcome=data.outcome.value,
                request_id=request_id,
                **self.desk.record_fields(at),
            ).execute()
            if answer_id:
                self.desk.answers.record_use(answer_id, call_id, data.measure)
            self.desk.callbacks.close_for_call(data.phone, call_id, at)
            if data.outcome is CallOutcome.ATTACHED and request_id:
                requests.note_repeat_call(request_id, call_id, data.summary)
            if data.outcome is CallOutcome.ANSWERED and request_id:
                requests.move(request_id, Move.ANSWER, reason=data.resolution)
            if data.outcome is CallOutcome.REQUEST and request_id and (dispatch_to or dispatch_staff):
                requests.move(request_id, Move.DISPATCH, to_site=dispatch_to, to_staff=dispatch_staff)
        request = requests.get(request_id) if request_id else None
        return CallResult(self.get(call_id), talent, request)

    def get(self, call_id: str) -> Call:
        row = self.t.CallRow.get_or_none(self.t.CallRow.id == call_id)
        if row is None:
            raise NotFound(f"没有找到来电记录「{call_id}」。")
        return call_from_row(row)

    def recent_for_phone(self, phone: str, limit: int = 5) -> list[Call]:
        c = self.t.CallRow
        rows = c.select().where((c.phone == phone) & (c.deleted == False)).order_by(c.at.desc()).limit(limit)  # noqa: E712
        return [call_from_row(row) for row in rows]

    def list(self, *, limit: int | None = 50, phone: str | None = None,
             after: tuple[str, str] | None = None) -> list[Call]:
        c = self.t.CallRow
        query = self._listed(phone).order_by(c.at.desc(), c.id.desc())
        if after:
            query = query.where((c.at < after[0]) | ((c.at == after[0]) & (c.id < after[1])))
        if limit:
            query = query.limit(limit)
        return [call_from_row(row) for row in query]

    def count(self, *, phone: str | None = None) -> int:
        """How many calls `list` would give without a limit."""
        return self._listed(phone).count()

    def _listed(self, phone: str | None) -> Any:
        c = self.t.CallRow
        query = c.select().where(c.deleted == False)  # noqa: E712
        return query.where(c.phone == phone) if phone else query
