"""The life of a service request: which move is allowed from which status, to whom, and what it changes.

Pure rules with no storage: the service layer asks `plan_move` for a `Transition`, then writes the
changed fields and the event in one transaction. Keeping the rules here lets property tests run random
move sequences quickly and lets the screens ask which moves to offer.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date, datetime
from enum import StrEnum
from typing import Protocol

from msgspec import Struct, field

from dongwu_tui.domain.errors import MoveRefused, PermissionRefused
from dongwu_tui.domain.models import OPEN_STATUSES, ServiceRequest, Staff, Status
from dongwu_tui.domain.roles import Role

RETURN_WINDOW_WORKING_DAYS = 2
MAX_EXTENSION_DAYS = 30


class Move(StrEnum):
    ANSWER = "answer"
    DISPATCH = "dispatch"
    SIGN = "sign"
    PROGRESS = "progress"
    RESOLVE = "resolve"
    VISIT = "visit"
    ARCHIVE = "archive"
    RETURN = "return"
    REASSIGN = "reassign"
    EXTEND = "extend"
    APPROVE_EXTENSION = "approve-extension"
    REFUSE_EXTENSION = "refuse-extension"
    MERGE = "merge"
    CHASE = "chase"
    SUPERVISE = "supervise"

    @property
    def label(self) -> str:
        return MOVE_RULES[self].label

    @property
    def rule(self) -> MoveRule:
        return MOVE_RULES[self]


class WorkingDays(Protocol):
    def add_working_days(self, start: date, n: int) -> date: ...

    def working_days_between(self, start: date, end: date) -> int: ...


_OPERATOR_MOVES = {Role.OPERATOR, Role.SUPERVISOR}
_SPECIALIST_MOVES = {Role.SPECIALIST, Role.SUPERVISOR}
_SUPERVISOR_MOVES = {Role.SUPERVISOR}


class MoveInput(StrEnum):
    """What a move asks for besides its note; the dialog and the CLI each have one way to ask each."""

    OFFICE = "office"  # the office it goes to, and optionally a specialist there
    VISIT = "visit"  # the return visit's result: satisfied or not
    DAYS = "days"  # the working days of an extension
    TARGET = "target"  # the open request it joins


class Queue(StrEnum):
    """The supervisor's queues on the dashboard, and the lists behind their figures."""

    OVERDUE = "overdue"
    EXTENSIONS = "extensions"
    RETURNED = "returned"


class MoveRule(Struct, frozen=True):
    """Everything about one move, declared once: the rule (from which statuses, by whom, whether a reason is
    required), its key on every screen, what its dialog and CLI subcommand ask for, and the dashboard queues
    that offer it. The CLI subcommand and the event's action are the move's value."""

    label: str
    sources: frozenset[Status]
    roles: frozenset[Role]
    needs_reason: bool
    reason_label: str = "原因"
    key: str = ""
    inputs: tuple[MoveInput, ...] = ()
    asks_note: bool = True  # False: a confirmation alone, no note is offered
    queues: tuple[Queue, ...] = ()


_WORKED = frozenset({Status.DISPATCHED, Status.IN_PROGRESS})

# The one table of moves. Keys are single letters, one per move, the same on every screen; n, p, and the
# keys of the lists (/, digits, Enter, Esc) are taken.
MOVE_RULES: dict[str, MoveRule] = {
    Move.ANSWER: MoveRule(
        "直接办结", frozenset({Status.NEW}), frozenset(_OPERATOR_MOVES | _SPECIALIST_MOVES), True, "答复内容",
        key="a",
    ),
    Move.DISPATCH: MoveRule(
        "派单", frozenset({Status.NEW}), frozenset(_OPERATOR_MOVES), False,
        key="d", inputs=(MoveInput.OFFICE,), queues=(Queue.OVERDUE,),
    ),
    Move.SIGN: MoveRule(
        "签收", frozenset({Status.DISPATCHED}), frozenset(_SPECIALIST_MOVES), False, key="s", asks_note=False
    ),
    Move.PROGRESS: MoveRule(
        "办理进展", frozenset({Status.IN_PROGRESS}), frozenset(_SPECIALIST_MOVES), True, "进展说明", key="j"
    ),
    Move.RESOLVE: MoveRule(
        "办结", frozenset({Status.IN_PROGRESS}), frozenset(_SPECIALIST_MOVES), True, "办理结果", key="b"
    ),
    Move.VISIT: MoveRule(
        "回访", frozenset({Status.RESOLVED}), frozenset(_SPECIALIST_MOVES), False, "回访记录",
        key="v", inputs=(MoveInput.VISIT,),
    ),
    Move.ARCHIVE: MoveRule(
        "归档", frozenset({Status.VISITED, Status.RESOLVED}), frozenset(_SUPERVISOR_MOVES), False,
        key="g", asks_note=False,
    ),
    Move.RETURN: MoveRule(
        "退单", _WORKED, frozenset(_SPECIALIST_MOVES), True, "退单理由", key="t"
    ),
    Move.REASSIGN: MoveRule(
        "改派", frozenset({Status.RETURNED}), frozenset(_SUPERVISOR_MOVES), True, "改派说明",
        key="k", inputs=(MoveInput.OFFICE,), queues=(Queue.RETURNED,),
    ),
    Move.EXTEND: MoveRule(
        "申请延期", frozenset({Status.IN_PROGRESS}), frozenset(_SPECIALIST_MOVES), True, "延期理由",
        key="y", inputs=(MoveInput.DAYS,),
    ),
    Move.APPROVE_EXTENSION: MoveRule(
        "批准延期", frozenset({Status.IN_PROGRESS}), frozenset(_SUPERVISOR_MOVES), False, "审批意见",
        key="o", queues=(Queue.EXTENSIONS,),
    ),
    Move.REFUSE_EXTENSION: MoveRule(
        "驳回延期", frozenset({Status.IN_PROGRESS}), frozenset(_SUPERVISOR_MOVES), True, "驳回理由",
        key="x", queues=(Queue.EXTENSIONS,),
    ),
    Move.MERGE: MoveRule(
        "并单", frozenset(OPEN_STATUSES), frozenset(_SUPERVISOR_MOVES), False, "并单说明",
        key="m", inputs=(MoveInput.TARGET,),
    ),
    Move.CHASE: MoveRule(
        "催办", _WORKED, frozenset(_SUPERVISOR_MOVES), True, "催办意见", key="c", queues=(Queue.OVERDUE,)
    ),
    Move.SUPERVISE: MoveRule(
        "督办", _WORKED, frozenset(_SUPERVISOR_MOVES), True, "督办意见", key="u", queues=(Queue.OVERDUE,)
    ),
}


def as_move(name: str) -> str:
    """The move called `name` (the Move member for the built-in ones); ValueError for no move of the table."""
    if name not in MOVE_RULES:
        raise ValueError(f"no move {name!r}")
    try:
        return Move(name)
    except ValueError:
        return name


def queue_moves(queue: Queue | str) -> tuple[str, ...]:
    """The moves a dashboard queue offers, in the table's order."""
    return tuple(move for move, rule in MOVE_RULES.items() if queue in rule.queues)


class Transition(Struct, frozen=True):
    """What a move does: the request fields to write and the event that records it."""

    move: str  # a Move, or a move added to the table
    from_status: Status
    to_status: Status
    changes: Mapping[str, object]
    reason: str
    detail: Mapping[str, object] = field(default_factory=dict)


class MoveArgs(Struct, frozen=True):
    """Everything a move may need besides the request; each move reads only its own part."""

    reason: str = ""
    to_site_id: str | None = None
    to_staff: Staff | None = None
    satisfied: bool | None = None
    days: int | None = None
    target: ServiceRequest | None = None


# The events on a timeline that are not moves (a move's event is labelled as the move).
EVENT_LABELS: dict[str, str] = {
    "log": "受理",
    "repeat-call": "重复来电",
    "merged-in": "并入工单",
}


def event_label(action: str) -> str:
    """The Chinese name of an event on a request's timeline."""
    rule = MOVE_RULES.get(action)
    return rule.label if rule is not None else EVENT_LABELS.get(action, action)


def _may_handle(request: ServiceRequest, actor: Staff) -> bool:
    """Whether a specialist may work this request: it is theirs, or it waits unassigned at their office.

    A request dispatched to an office with no named specialist belongs to that office; a specialist of
    another office signing it would take it away from the office it was sent to."""
    if actor.role is not Role.SPECIALIST:
        return True
    if request.assignee_id is not None:
        return request.assignee_id == actor.id
    return request.assignee_site_id is None or request.assignee_site_id == actor.office_id


def allowed_moves(request: ServiceRequest, actor: Staff) -> list[str]:
    """The moves worth offering this actor on this request (the screens show these, one key each)."""
    offered = []
    for move, rule in MOVE_RULES.items():
        if request.status not in rule.sources or actor.role not in rule.roles:
            continue
        if move in (Move.APPROVE_EXTENSION, Move.REFUSE_EXTENSION) and not request.extension_pending:
            continue
        if move is Move.EXTEND and request.extension_pending:
            continue
        if move is Move.ARCHIVE and request.status is Status.RESOLVED and not request.direct:
            continue
        if not _may_handle(request, actor):
            continue
        offered.append(move)
    return offered


def plan_move(
    request: ServiceRequest,
    move: str,
    actor: Staff,
    now: datetime,
    calendar: WorkingDays,
    limit_days: int,
    args: MoveArgs | None = None,
) -> Transition:
    """Check a move against the rules and say what it changes; raise MoveRefused or PermissionRefused."""
    args = args or MoveArgs()
    rule = MOVE_RULES[move]
    reason = args.reason.strip()
    if actor.role not in rule.roles:
        allowed = "、".join(role.label for role in Role if role in rule.roles)
        raise PermissionRefused(f"{actor.role.label}不能执行「{rule.label}」，该操作仅限{allowed}。")
    if request.status not in rule.sources:
        raise MoveRefused(
            f"工单 {request.number} 当前状态为「{request.status.label}」，不能执行「{rule.label}」。"
        )
    if rule.needs_reason and not reason:
        raise MoveRefused(f"「{rule.label}」必须填写{rule.reason_label}。")
    if actor.role is Role.SPECIALIST and request.assignee_id not in (None, actor.id):
        raise PermissionRefused(f"工单 {request.number} 已派给其他专员，只有承办人或督办负责人可以办理。")
    if not _may_handle(request, actor):
        raise PermissionRefused(
            f"工单 {request.number} 已派给其他单位，只有该单位的专员或督办负责人可以办理。"
        )

    today = now.date()
    changes: dict[str, object] = {}
    detail: dict[str, object] = {}
    to_status = request.status

    if move is Move.ANSWER:
        to_status = Status.RESOLVED
        changes.update(resolved_at=now, resolution=reason, direct=True, due=today)
    elif move in (Move.DISPATCH, Move.REASSIGN):
        if not args.to_site_id:
            raise MoveRefused(f"「{rule.label}」必须指定承办单位。")
        if args.to_staff is not None and args.to_staff.role is not Role.SPECIALIST:
            raise MoveRefused(f"{args.to_staff.name}不是人才工作专员，不能承办工单。")
        if move is Move.REASSIGN and args.to_staff is not None and args.to_staff.id == request.assignee_id:
            # A supervisor who rejects a return sends it back to the same person; that is allowed.
            detail["same_assignee"] = True
        to_status = Status.DISPATCHED
        changes.update(
            assignee_site_id=args.to_site_id,
            assignee_id=args.to_staff.id if args.to_staff else None,
            dispatched_at=now,
            signed_at=None,
            return_reason="" if move is Move.REASSIGN else request.return_reason,
            # The clock starts at signing; until then the due date is where it would fall if signed now.
            due=calendar.add_working_days(today, limit_days),
        )
        detail.update(to_site_id=args.to_site_id, to_staff_id=changes["assignee_id"])
    elif move is Move.SIGN:
        to_status = Status.IN_PROGRESS
        changes.update(signed_at=now, due=calendar.add_working_days(today, limit_days))
        if request.assignee_id is None and actor.role is Role.SPECIALIST:
            # Only a specialist can hold a request (dispatch refuses anyone else); a supervisor who
            # signs for an office leaves it to be picked up there.
            changes["assignee_id"] = actor.id
    elif move is Move.PROGRESS:
        pass
    elif move is Move.RESOLVE:
        to_status = Status.RESOLVED
        changes.update(resolved_at=now, resolution=reason, extension_days=None, extension_reason="")
        if request.extension_pending:
            detail["extension_dropped"] = request.extension_days
    elif move is Move.VISIT:
        if args.satisfied is None:
            raise MoveRefused("回访必须记录是否满意。")
        detail["satisfied"] = args.satisfied
        changes.update(visited_at=now, satisfied=args.satisfied)
        if args.satisfied:
            to_status = Status.VISITED
        else:
            if not reason:
                raise MoveRefused("回访不满意时必须填写不满意的原因。")
            # 重办: the request goes back to work with a fresh time limit from today.
            to_status = Status.IN_PROGRESS
            changes.update(resolved_at=None, due=calendar.add_working_days(today, limit_days))
            if request.direct:
                # An answer given during the call that did not satisfy is no longer a direct
                # resolution: it now needs work, a return visit before archiving, and a clock.
                changes["direct"] = False
            if request.signed_at is None:
                changes["signed_at"] = now
    elif move is Move.ARCHIVE:
        if request.status is Status.RESOLVED and not request.direct:
            # Only an answer given during the call may be archived without a return visit.
            raise MoveRefused(f"工单 {request.number} 尚未回访，回访满意后才能归档。")
        to_status = Status.ARCHIVED
        changes["archived_at"] = now
    elif move is Move.RETURN:
        dispatched_on = (request.dispatched_at or request.opened_at).date()
        elapsed = calendar.working_days_between(dispatched_on, today)
        if elapsed > RETURN_WINDOW_WORKING_DAYS:
            raise MoveRefused(
                f"工单 {request.number} 派单已 {elapsed} 个工作日，超过退单时限"
                f"（{RETURN_WINDOW_WORKING_DAYS} 个工作日），请申请延期或联系督办负责人。"
            )
        to_status = Status.RETURNED
        changes.update(return_reason=reason, extension_days=None, extension_reason="")
    elif move is Move.EXTEND:
        if request.extension_pending:
            raise MoveRefused(f"工单 {request.number} 已有待审批的延期申请。")
        if args.days is None or not 1 <= args.days <= MAX_EXTENSION_DAYS:
            raise MoveRefused(f"延期天数应为 1 到 {MAX_EXTENSION_DAYS} 个工作日。")
        changes.update(extension_days=args.days, extension_reason=reason)
        detail["days"] = args.days
    elif move in (Move.APPROVE_EXTENSION, Move.REFUSE_EXTENSION):
        if not request.extension_pending:
            raise MoveRefused(f"工单 {request.number} 没有待审批的延期申请。")
        assert request.extension_days is not None
        detail["days"] = request.extension_days
        if move is Move.APPROVE_EXTENSION:
            new_due = calendar.add_working_days(request.due, request.extension_days)
            changes["due"] = new_due
            detail.update(old_due=request.due.isoformat(), new_due=new_due.isoformat())
        changes.update(extension_days=None, extension_reason="")
    elif move is Move.MERGE:
        target = args.target
        if target is None:
            raise MoveRefused("并单必须指定要并入的工单。")
        if target.id == request.id:
            raise MoveRefused("工单不能并入它自己。")
        if not target.is_open:
            raise MoveRefused(
                f"只能并入未办结的工单，工单 {target.number} 当前状态为「{target.status.label}」。"
            )
        to_status = Status.MERGED
        # A merged request is closed to work, so an extension it asked for is dropped with it.
        changes.update(merged_into_id=target.id, extension_days=None, extension_reason="")
        if request.extension_pending:
            detail["extension_dropped"] = request.extension_days
        detail.update(into=target.id, into_number=target.number)
    elif move in (Move.CHASE, Move.SUPERVISE):
        detail["due"] = request.due.isoformat()
    return Transition(move, request.status, to_status, changes, reason, detail)
