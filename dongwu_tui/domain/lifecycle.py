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
from dongwu_tui.domain.models import OPEN_STATUSES, ServiceRequest, Staff, Status, VisitResult
from dongwu_tui.domain.roles import Role

RETURN_WINDOW_WORKING_DAYS = 2
REVIEW_PENDING = "pending"  # review_result while an unsatisfied visit after a 重办 waits for 甄别
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
    REJECT_RETURN = "reject-return"
    REVIEW = "review"

    @property
    def label(self) -> str:
        return MOVE_RULES[self].label

    @property
    def rule(self) -> MoveRule:
        return MOVE_RULES[self]


class Policy(Struct, frozen=True):
    """The limits an office sets in its data files (data/rules.toml, and per measure data/measures.toml)."""

    sign_limit_days: int = 1  # working days from dispatch to 签收
    max_extensions: int = 2  # approved extensions per request
    max_extension_days: int = MAX_EXTENSION_DAYS  # approved working days per request, all extensions together
    handler_may_visit: bool = False  # whether the one who handled a request may make its return visit


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
    RESTART = "restart"  # a supervisor's ruling that the first dispatch was wrong: the clock starts again
    FINDING = "finding"  # 甄别: the supervisor's finding on an unsatisfied visit, reasonable or not


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
_AT_A_UNIT = frozenset({Status.DISPATCHED, Status.IN_PROGRESS, Status.RETURNED})

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
        "回访", frozenset({Status.RESOLVED}), frozenset(_OPERATOR_MOVES | _SPECIALIST_MOVES), False, "回访记录",
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
        "改派", _AT_A_UNIT, frozenset(_SUPERVISOR_MOVES), True, "改派说明",
        key="k", inputs=(MoveInput.OFFICE, MoveInput.RESTART), queues=(Queue.RETURNED,),
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
    Move.REJECT_RETURN: MoveRule(
        "退单驳回", frozenset({Status.RETURNED}), frozenset(_SUPERVISOR_MOVES), True, "驳回理由",
        key="r", queues=(Queue.RETURNED,),
    ),
    Move.REVIEW: MoveRule(
        "甄别办结", frozenset({Status.RESOLVED}), frozenset(_SUPERVISOR_MOVES), True, "甄别意见",
        key="w", inputs=(MoveInput.FINDING,),
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
    restart_clock: bool = False  # REASSIGN: the first dispatch was wrong, the limit counts from now
    visit_result: str | None = None  # VISIT: a VisitResult value (overrides `satisfied`)
    solved: bool | None = None  # VISIT: whether the talent's matter was solved
    reasonable: bool | None = None  # REVIEW: the 甄别 finding on the unsatisfied visit


# The events on a timeline that are not moves (a move's event is labelled as the move).
EVENT_LABELS: dict[str, str] = {
    "log": "受理",
    "repeat-call": "重复来电",
    "merged-in": "并入工单",
    "recount-due": "期限重算",
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


def _review_due(request: ServiceRequest) -> bool:
    """An unsatisfied visit after a 重办 waits for the supervisor's 甄别 instead of another round of work."""
    return request.status is Status.RESOLVED and request.review_result == REVIEW_PENDING


def _is_handler(request: ServiceRequest, actor: Staff) -> bool:
    return request.assignee_id is not None and request.assignee_id == actor.id


def _first_dispatch_to(request: ServiceRequest, site_id: str | None) -> datetime | None:
    """When the request was first sent to this unit: its timeline's earliest dispatch or reassignment there,
    or the stored time when the unit holds it now and the timeline is not at hand."""
    times = [e.at for e in request.events
             if e.action in (Move.DISPATCH, Move.REASSIGN) and e.detail.get("to_site_id") == site_id]
    if times:
        return min(times)
    if site_id is not None and site_id == request.assignee_site_id:
        return request.unit_dispatched_at or request.dispatched_at
    return None


def _rejected_here(request: ServiceRequest) -> bool:
    """Whether a supervisor has already sent a return of this unit back to it (退单驳回)."""
    return any(e.action == Move.REJECT_RETURN and e.detail.get("to_site_id") == request.assignee_site_id
               for e in request.events)


def allowed_moves(request: ServiceRequest, actor: Staff, policy: Policy | None = None) -> list[str]:
    """The moves worth offering this actor on this request (the screens show these, one key each)."""
    policy = policy or Policy()
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
        if move is Move.REVIEW and not _review_due(request):
            continue
        if move is Move.VISIT and (_review_due(request)
                                   or (_is_handler(request, actor) and not policy.handler_may_visit)):
            continue
        if not _may_handle(request, actor) and move is not Move.VISIT:
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
    policy: Policy | None = None,
) -> Transition:
    """Check a move against the rules and say what it changes; raise MoveRefused or PermissionRefused."""
    args = args or MoveArgs()
    policy = policy or Policy()
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
    if move is Move.VISIT:
        if _is_handler(request, actor) and not policy.handler_may_visit:
            raise PermissionRefused(f"工单 {request.number} 由您承办，回访应由话务员或督办负责人进行（不自评）。")
    elif actor.role is Role.SPECIALIST and request.assignee_id not in (None, actor.id):
        raise PermissionRefused(f"工单 {request.number} 已派给其他专员，只有承办人或督办负责人可以办理。")
    if move is not Move.VISIT and not _may_handle(request, actor):
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
            detail["same_assignee"] = True
        to_status = Status.DISPATCHED
        first = request.first_dispatched_at or request.dispatched_at
        if first is None or (move is Move.REASSIGN and args.restart_clock):
            # The handling limit counts from the first 派单; only a supervisor's ruling that the first
            # dispatch was wrong (a reassignment with its reason) starts it again.
            first = now
            due = calendar.add_working_days(today, limit_days)
            if move is Move.REASSIGN:
                detail["clock_restarted"] = True
        else:
            due = request.due
        unit_first = _first_dispatch_to(request, args.to_site_id) or now
        changes.update(
            assignee_site_id=args.to_site_id,
            assignee_id=args.to_staff.id if args.to_staff else None,
            dispatched_at=now,
            first_dispatched_at=first,
            unit_dispatched_at=unit_first,
            signed_at=None,
            sign_due=calendar.add_working_days(today, policy.sign_limit_days),
            return_reason="" if move is Move.REASSIGN else request.return_reason,
            due=due,
            extension_days=None,
            extension_reason="",
        )
        if request.extension_pending:
            detail["extension_dropped"] = request.extension_days
        detail.update(to_site_id=args.to_site_id, to_staff_id=changes["assignee_id"], due=due.isoformat(),
                      sign_due=changes["sign_due"].isoformat())  # type: ignore[attr-defined]
    elif move is Move.SIGN:
        to_status = Status.IN_PROGRESS
        changes["signed_at"] = now
        if request.sign_due is not None:
            detail.update(sign_due=request.sign_due.isoformat(), sign_late=today > request.sign_due)
        if request.assignee_id is None and actor.role is Role.SPECIALIST:
            # Only a specialist can hold a request (dispatch refuses anyone else); a supervisor who
            # signs for an office leaves it to be picked up there.
            changes["assignee_id"] = actor.id
    elif move is Move.PROGRESS:
        pass
    elif move is Move.RESOLVE:
        to_status = Status.RESOLVED
        changes.update(resolved_at=now, resolution=reason, extension_days=None, extension_reason="")
        if request.first_resolved_at is None:
            # 按时办结 is judged on the first resolution; a 重办 after an unsatisfied visit has its own
            # limit but does not change this verdict.
            changes.update(first_resolved_at=now, first_on_time=today <= request.due)
        detail["on_time"] = today <= request.due
        if request.extension_pending:
            detail["extension_dropped"] = request.extension_days
    elif move is Move.VISIT:
        if args.visit_result is not None:
            result = VisitResult(args.visit_result)
        elif args.satisfied is not None:
            result = VisitResult.SATISFIED if args.satisfied else VisitResult.UNSATISFIED
        else:
            raise MoveRefused("回访必须记录是否满意。")
        detail["result"] = result.value
        if args.solved is not None:
            detail["solved"] = args.solved
        if result is VisitResult.UNREACHED:
            # Not a visit: the attempt is counted apart and the request waits for the next one.
            changes["visit_unreached"] = request.visit_unreached + 1
            detail["attempt"] = request.visit_unreached + 1
        else:
            if _review_due(request):
                raise MoveRefused(f"工单 {request.number} 重办后回访仍不满意，待督办负责人甄别。")
            detail["satisfied"] = result.satisfied
            changes.update(visited_at=now, satisfied=result.satisfied, visit_result=result.value,
                           visit_solved=args.solved)
            if result.satisfied:
                to_status = Status.VISITED
            else:
                if not reason:
                    raise MoveRefused("回访不满意时必须填写不满意的原因。")
                if request.rework_count >= 1:
                    # After one 重办 the request does not loop: it waits for the supervisor's 甄别.
                    changes["review_result"] = REVIEW_PENDING
                    detail["review_due"] = True
                else:
                    # 重办: back to work with its own limit from today.
                    to_status = Status.IN_PROGRESS
                    changes.update(resolved_at=None, due=calendar.add_working_days(today, limit_days),
                                   rework_count=request.rework_count + 1)
                    if request.direct:
                        # An answer given during the call that did not satisfy is no longer a direct
                        # resolution: it now needs work, a return visit before archiving, and a clock.
                        changes["direct"] = False
                    if request.signed_at is None:
                        changes["signed_at"] = now
    elif move is Move.REVIEW:
        if not _review_due(request):
            raise MoveRefused(f"工单 {request.number} 没有待甄别的不满意回访（须重办一次后仍不满意）。")
        if args.reasonable is None:
            raise MoveRefused("甄别必须认定不满意诉求是否合理。")
        finding = "reasonable" if args.reasonable else "unreasonable"
        # Closed as 不满意: the rating stands whatever the finding; the finding says whether it is the unit's.
        to_status = Status.VISITED
        changes["review_result"] = finding
        detail["finding"] = finding
    elif move is Move.ARCHIVE:
        if request.status is Status.RESOLVED and not request.direct:
            # Only an answer given during the call may be archived without a return visit.
            raise MoveRefused(f"工单 {request.number} 尚未回访，回访满意后才能归档。")
        to_status = Status.ARCHIVED
        changes["archived_at"] = now
    elif move is Move.RETURN:
        dispatched = _first_dispatch_to(request, request.assignee_site_id) or request.dispatched_at
        dispatched_on = (dispatched or request.opened_at).date()
        elapsed = calendar.working_days_between(dispatched_on, today)
        if actor.role is not Role.SUPERVISOR:
            if _rejected_here(request):
                raise MoveRefused(
                    f"工单 {request.number} 的退单已被督办负责人驳回，须由本单位办理；如有异议请联系督办负责人。"
                )
            if elapsed > RETURN_WINDOW_WORKING_DAYS:
                raise MoveRefused(
                    f"工单 {request.number} 派单已 {elapsed} 个工作日，超过退单时限"
                    f"（{RETURN_WINDOW_WORKING_DAYS} 个工作日），请申请延期或联系督办负责人。"
                )
        elif elapsed > RETURN_WINDOW_WORKING_DAYS:
            detail["late_accepted"] = True  # a supervisor accepts a return past the window
        to_status = Status.RETURNED
        changes.update(return_reason=reason, extension_days=None, extension_reason="")
        # The due date the unit leaves it with: the stage figures judge its 办理 stage by it.
        detail.update(from_site_id=request.assignee_site_id, working_days=elapsed, due=request.due.isoformat())
    elif move is Move.REJECT_RETURN:
        # Back to the unit that returned it; its clock never stopped.
        to_status = Status.DISPATCHED if request.signed_at is None else Status.IN_PROGRESS
        changes.update(return_reason="", return_rejections=request.return_rejections + 1)
        detail.update(to_site_id=request.assignee_site_id, to_staff_id=request.assignee_id,
                      returned_because=request.return_reason)
    elif move is Move.EXTEND:
        if today > request.due:
            raise MoveRefused(
                f"工单 {request.number} 已于 {request.due.isoformat()} 到期，超期后不能申请延期。"
            )
        if request.extension_pending:
            raise MoveRefused(f"工单 {request.number} 已有待审批的延期申请。")
        if args.days is None or not 1 <= args.days <= MAX_EXTENSION_DAYS:
            raise MoveRefused(f"延期天数应为 1 到 {MAX_EXTENSION_DAYS} 个工作日。")
        if request.extensions_used >= policy.max_extensions:
            raise MoveRefused(f"工单 {request.number} 已延期 {request.extensions_used} 次，"
                              f"本举措每件工单最多延期 {policy.max_extensions} 次。")
        if request.extension_days_used + args.days > policy.max_extension_days:
            left = policy.max_extension_days - request.extension_days_used
            raise MoveRefused(f"本举措每件工单延期合计不超过 {policy.max_extension_days} 个工作日，"
                              f"工单 {request.number} 还可延期 {left} 个工作日。")
        changes.update(extension_days=args.days, extension_reason=reason)
        detail["days"] = args.days
    elif move in (Move.APPROVE_EXTENSION, Move.REFUSE_EXTENSION):
        if not request.extension_pending:
            raise MoveRefused(f"工单 {request.number} 没有待审批的延期申请。")
        assert request.extension_days is not None
        detail["days"] = request.extension_days
        if move is Move.APPROVE_EXTENSION:
            if today > request.due:
                # Not decided before the due date: the application lapsed and the request stays overdue.
                raise MoveRefused(f"工单 {request.number} 已于 {request.due.isoformat()} 到期，"
                                  "延期申请未在期限前审批，已失效，不能再批准。")
            new_due = calendar.add_working_days(request.due, request.extension_days)
            changes.update(due=new_due, extensions_used=request.extensions_used + 1,
                           extension_days_used=request.extension_days_used + request.extension_days)
            detail.update(old_due=request.due.isoformat(), new_due=new_due.isoformat())
        elif today > request.due:
            detail["lapsed"] = True
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
        if (target.talent_id != request.talent_id or target.measure != request.measure) and not reason:
            raise MoveRefused(f"工单 {target.number} 属于其他人才或其他服务举措，并单必须填写并单说明。")
        to_status = Status.MERGED
        # A merged request is closed to work, so an extension it asked for is dropped with it.
        changes.update(merged_into_id=target.id, extension_days=None, extension_reason="")
        if request.extension_pending:
            detail["extension_dropped"] = request.extension_days
        detail.update(into=target.id, into_number=target.number)
    elif move in (Move.CHASE, Move.SUPERVISE):
        detail["due"] = request.due.isoformat()
    return Transition(move, request.status, to_status, changes, reason, detail)
