"""A realistic demo office: a year of hotline work at the district centre, simulated by the desk's rules.

A simulated clock walks forward through the year: calls arrive, requests are dispatched, signed,
worked, returned, extended, merged, resolved, visited and archived by the staff whose role allows it,
each move checked and planned by `domain.lifecycle` exactly as the request service plans it. Moves
planned for after "now" simply have not happened yet, so recent requests sit in every open status and
some are overdue. The same seed and the same day give the same database.

The records are kept in memory while the year runs (`_Store`, which answers the questions the
services would: the caller of a phone, the open request about a measure, the overdue requests) and
written once at the end through `storage.bulk`, with the rows the services would have written: the
staff and offices through the services themselves, everything else in one bulk load.
"""

from __future__ import annotations

import heapq
import json
import os
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from enum import Enum
from itertools import count
from pathlib import Path
from types import SimpleNamespace
from typing import Any

from msgspec.structs import replace

from dongwu_tui.domain import identifiers
from dongwu_tui.domain.errors import DeskError, StorageError
from dongwu_tui.domain.lifecycle import Move, MoveArgs, plan_move
from dongwu_tui.domain.models import WORKING_STATUSES, CallOutcome, Enterprise, ServiceRequest, Staff, Status, Talent
from dongwu_tui.services.accounts import DEMO_MARK, DEMO_PASSWORD
from dongwu_tui.services.calls import RepeatCallFound
from dongwu_tui.services.desk import Desk, china_now
from dongwu_tui.services.setup import initialise

SURNAMES = (
    "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
    "姚卢姜崔钟谭陆汪范金石廖贾夏韦付方白邹孟熊秦邱江尹薛闫段雷侯龙史陶黎贺顾毛郝龚邵万钱严覃武戴莫孔向汤"
)
GIVEN = (
    "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉萍红娥玲芬燕彬鹏辉宇浩凯健俊"
    "帆帅旭宁晨阳佳欣悦怡雯琳晓昊然睿泽博文轩瑞嘉航思远志诚子涵梓萱一诺雨桐可馨若曦"
)
ENTERPRISE_WORDS = (
    "东吴 太湖 苏工 吴越 姑苏 澄湖 胥江 穹窿 旺山 渔洋 "
    "金鸡 灵岩 天平 石湖 宝带 甪端 洞庭 碧螺 光福 香山"
).split()
ENTERPRISE_TRADES = {
    "biomed": ["生物科技", "医疗器械", "医药研发"],
    "equipment": ["精密机械", "智能装备", "高端装备"],
    "robotics": ["机器人", "智能制造", "自动化"],
    "it": ["信息技术", "软件", "数据科技"],
    "ai": ["人工智能", "智能科技", "视觉科技"],
    "ic": ["半导体", "微电子", "集成电路"],
    "materials": ["新材料", "纳米科技", "复合材料"],
    "energy": ["新能源", "储能科技", "光伏科技"],
    "culture": ["文化传播", "文旅发展", "创意设计"],
    "services": ["企业服务", "咨询管理", "科技服务"],
    "crafts": ["苏绣艺术", "核雕工艺", "明式家具"],
}
CALL_TOPICS = {
    1: ["咨询新出台的人才政策适用条件", "请求测算可享受的人才补贴"],
    2: ["咨询姑苏人才计划申报材料", "询问东吴英才计划申报时间"],
    3: ["询问人才补贴兑现进度", "反映政策兑现材料已提交未到账"],
    4: ["咨询青创贷申请条件", "了解人才引导基金对接渠道"],
    5: ["企业合同纠纷需要法律咨询", "咨询知识产权保护事宜"],
    6: ["咨询人才一站式服务办理事项", "希望代办企业设立手续"],
    7: ["一网通办系统无法提交材料", "咨询线上办理人才认定"],
    8: ["需要对接研发用房", "咨询办公用房租金补贴"],
    9: ["希望对接应用场景项目", "咨询产品进入示范应用的途径"],
    10: ["希望对接高校技术成果", "咨询产学研合作补贴"],
    11: ["咨询人才公寓申请条件", "询问人才公寓入住进度"],
    12: ["咨询子女入学办理流程", "子女转学需要协调学位"],
    13: ["预约专家门诊", "咨询人才就医绿色通道"],
    14: ["外籍人才工作许可咨询", "外籍人才居留手续办理"],
    15: ["东吴人才卡权益咨询", "人才卡无法在合作景区使用"],
    16: ["反映热线转接不畅", "咨询热线服务时间"],
    17: ["希望专员上门走访企业", "预约专员沟通企业发展需求"],
    18: ["报名青年人才驿站活动", "咨询青年人才交流活动安排"],
}
# How often each measure is asked about, roughly as a hotline sees it.
MEASURE_WEIGHTS = [8, 6, 9, 5, 3, 6, 7, 4, 3, 3, 9, 8, 5, 3, 6, 3, 4, 4]
CATEGORY_WEIGHTS = {"industry": 40, "young": 30, "leader": 10, "top": 2, "international": 10, "crafts": 8}
LEVEL_WEIGHTS = {"none": 45, "district": 25, "city": 15, "provincial": 10, "national": 5}
BIRTH_AREAS = ["320506", "320505", "320508", "320583", "320102", "310104", "330106", "340104", "110105", "420106"]


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), list(weights.values()))[0]


def _person_name(rng: random.Random) -> str:
    return rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2, 2))))


class _Timeline:
    """Work to do at simulated times; the desk's clock follows it."""

    def __init__(self, now: datetime) -> None:
        self.now = now
        self.current = now - timedelta(days=366)
        self._queue: list[tuple[datetime, int, Callable[[], None]]] = []
        self._order = count()

    def at(self, when: datetime, action: Callable[[], None]) -> None:
        if when <= self.now:
            heapq.heappush(self._queue, (when, next(self._order), action))

    def run(self) -> Iterator[tuple[int, int]]:
        """Do the work in time order; yields (done, done + still queued) every few hundred actions."""
        done = 0
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            self.current = max(self.current, when)
            action()
            done += 1
            if done % 500 == 0:
                yield done, done + len(self._queue)
        yield done, done

    def clock(self) -> datetime:
        return self.current


def _text(value: object) -> object:
    """A value as the desk's tables store it (peewee's text forms of times, dates and booleans)."""
    if isinstance(value, datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, bool):
        return int(value)
    if isinstance(value, Enum):
        return value.value
    return value


class _Store:
    """The demo's records kept in memory, written as the services write them, loaded in one go at the end.

    The simulation asks the same questions of it that it would ask the services (the caller of a phone,
    the open request about a measure, the overdue requests) and moves requests by the same rules
    (`domain.lifecycle.plan_move`); only the storing differs: rows are collected and handed to
    `storage.bulk` instead of being written one statement (and a dozen triggers) at a time."""

    def __init__(self, desk: Desk, staff: dict[str, Staff], sites: dict[str, str]) -> None:
        self.desk = desk
        self.site_id = desk.site_id
        self.staff = staff  # id -> Staff
        self.sites = sites  # code -> site id
        self.limits = {number: m.limit_days for number, m in desk.directory.measures.items()}
        self.code = desk.directory.this_site().code.upper()
        self.enterprises: list[tuple[object, ...]] = []
        self.talents: list[tuple[object, ...]] = []
        self.audit: list[tuple[object, ...]] = []
        self.calls: list[tuple[object, ...]] = []
        self.events: list[tuple[object, ...]] = []
        self.requests: dict[str, ServiceRequest] = {}  # by id, in the order they were opened
        self.updated: dict[str, datetime] = {}
        self.numbers: dict[str, str] = {}  # number -> id
        self.by_phone: dict[str, Talent] = {}
        self.open_by_caller: dict[tuple[str, int], list[str]] = {}
        self.seq: dict[str, int] = {}
        self.answers: dict[int, Any] = {}  # measure -> the standard answer operators insert (demo_answers)
        self.answer_uses: list[tuple[object, ...]] = []

    def new_id(self, at: datetime) -> str:
        return self.desk.new_id(at)

    def record(self, at: datetime) -> tuple[object, ...]:
        stamp = _text(at)
        return (self.site_id, stamp, stamp, 0)

    def add_audit(self, actor: Staff | None, entity: str, entity_id: str, changes: dict[str, Any]) -> None:
        at = self.desk.clock()
        self.audit.append((self.new_id(at), *self.record(at), _text(at), actor.id if actor else None, entity,
                           entity_id, "add", "", json.dumps(changes, ensure_ascii=False, default=str)))

    def add_enterprise(self, actor: Staff | None, name: str, credit_code: str, township: str,
                       industry: str) -> Enterprise:
        from dongwu_tui.domain.validation import EnterpriseInput, parse

        data = parse(EnterpriseInput, name=name, credit_code=credit_code, township_code=township,
                     industry_code=industry)
        at = self.desk.clock()
        enterprise_id = self.new_id(at)
        self.enterprises.append((enterprise_id, *self.record(at), data.name, data.credit_code, data.township_code,
                                 data.industry_code))
        self.add_audit(actor, "enterprise", enterprise_id, data.model_dump(mode="json"))
        return Enterprise(enterprise_id, data.name, data.credit_code, data.township_code, data.industry_code)

    def add_talent(self, actor: Staff, values: dict[str, Any]) -> Talent:
        from dongwu_tui.domain.pinyin import pinyin_keys
        from dongwu_tui.domain.validation import TalentInput, parse

        data = parse(TalentInput, **values)
        at = self.desk.clock()
        talent_id = self.new_id(at)
        full, initials = pinyin_keys(data.name)
        self.talents.append((talent_id, *self.record(at), data.name, full, initials, data.phone, data.id_kind.value,
                             data.id_number, data.category_code, data.level_code, data.enterprise_id,
                             data.township_code, data.specialist_id, data.card_no, data.notes))
        self.add_audit(actor, "talent", talent_id, {"name": data.name})
        talent = Talent(talent_id, data.name, data.phone, data.id_kind, data.id_number, data.category_code,
                        data.level_code, data.enterprise_id, data.township_code, data.specialist_id, data.card_no,
                        data.notes, at, at)
        self.by_phone[talent.phone] = talent
        return talent

    # -- requests ---------------------------------------------------------------------------------

    def get(self, ref: str) -> ServiceRequest:
        return self.requests[self.numbers.get(ref, ref)]

    def _event(self, actor: Staff, request_id: str, at: datetime, action: str, before: Status | None,
               after: Status, reason: str = "", detail: dict[str, Any] | None = None) -> None:
        self.events.append((self.new_id(at), *self.record(at), request_id, _text(at), actor.id, action,
                            before.value if before else None, after.value, reason,
                            json.dumps(detail or {}, ensure_ascii=False, default=str)))

    def _put(self, request: ServiceRequest, at: datetime) -> None:
        self.requests[request.id] = request
        self.updated[request.id] = at
        key = (request.phone, request.measure)
        waiting = self.open_by_caller.setdefault(key, [])
        if request.is_open and request.id not in waiting:
            waiting.append(request.id)
        elif not request.is_open and request.id in waiting:
            waiting.remove(request.id)

    def create(self, actor: Staff, talent: Talent | None, phone: str, measure: int, summary: str) -> str:
        at = self.desk.clock()
        request_id = self.new_id(at)
        day = f"{at:%Y%m%d}"
        self.seq[day] = self.seq.get(day, 0) + 1
        number = f"{self.code}-{day}-{self.seq[day]:04d}"
        request = ServiceRequest(
            id=request_id, number=number, talent_id=talent.id if talent else None, phone=phone, measure=measure,
            summary=summary, status=Status.NEW, township_code=talent.township_code if talent else None,
            opened_by_id=actor.id, opened_at=at,
            due=self.desk.calendar.add_working_days(at.date(), self.limits[measure]))
        self.numbers[number] = request_id
        self._put(request, at)
        self._event(actor, request_id, at, "log", None, Status.NEW, summary)
        return request_id

    def find_repeat(self, phone: str, measure: int) -> ServiceRequest | None:
        waiting = self.open_by_caller.get((phone, measure))
        if not waiting:
            return None
        return max((self.requests[i] for i in waiting), key=lambda r: r.opened_at)

    def move(self, actor: Staff, ref: str, move: Move | str, *, reason: str = "", to_site: str | None = None,
             to_staff: str | None = None, satisfied: bool | None = None, days: int | None = None,
             into: str | None = None) -> ServiceRequest:
        move = Move(move)
        staff = self.staff[to_staff] if to_staff else None
        site_id = self.sites[to_site] if to_site else (staff.office_id if staff else None)
        request = self.get(ref)
        target = self.get(into) if into else None
        now = self.desk.clock()
        args = MoveArgs(reason=reason, to_site_id=site_id, to_staff=staff, satisfied=satisfied, days=days,
                        target=target)
        transition = plan_move(request, move, actor, now, self.desk.calendar, self.limits[request.measure], args)
        moved = replace(request, status=transition.to_status, **transition.changes)  # type: ignore[arg-type]
        self._put(moved, now)
        self._event(actor, request.id, now, transition.move.value, transition.from_status, transition.to_status,
                    transition.reason, dict(transition.detail))
        if move is Move.MERGE and target is not None:
            self._event(actor, target.id, now, "merged-in", target.status, target.status, reason,
                        {"from": request.id, "from_number": request.number})
        return moved

    def overdue(self, limit: int) -> list[ServiceRequest]:
        today = self.desk.clock().date()
        late = [r for r in self.requests.values() if r.is_open and r.due < today]
        late.sort(key=lambda r: (r.opened_at, r.id), reverse=True)
        return late[:limit]

    def log_call(self, actor: Staff, *, phone: str, summary: str, measure: int | None, duration_s: int,
                 outcome: str = "", resolution: str = "", attach_to: str | None = None,
                 force_new: bool = False) -> ServiceRequest | None:
        """What `CallService.log` writes for the demo's calls; raises RepeatCallFound as it does."""
        from dongwu_tui.services.calls import RepeatCallFound

        talent = self.by_phone.get(phone)
        request_id: str | None = None
        if attach_to:
            outcome = CallOutcome.ATTACHED.value
            request_id = self.get(attach_to).id
        elif outcome == CallOutcome.REQUEST.value:
            repeat = self.find_repeat(phone, measure or 0)
            if repeat is not None and not force_new:
                raise RepeatCallFound(repeat)
        at = self.desk.clock()
        call_id = self.new_id(at)
        if outcome in (CallOutcome.REQUEST.value, CallOutcome.ANSWERED.value):
            assert measure is not None
            request_id = self.create(actor, talent, phone, measure, summary)
        self.calls.append((call_id, *self.record(at), _text(at), "in", phone, talent.id if talent else None,
                           actor.id, duration_s, summary, measure, outcome, request_id))
        if outcome == CallOutcome.ATTACHED.value and request_id:
            status = self.requests[request_id].status
            self._event(actor, request_id, at, "repeat-call", status, status, summary, {"call_id": call_id})
        if outcome == CallOutcome.ANSWERED.value and request_id:
            answer = self.answers.get(measure or 0)
            if answer is not None and answer.offered_on(at.date()):
                self.answer_uses.append((self.new_id(at), *self.record(at), call_id, answer.id, answer.version,
                                         _text(at), actor.id))
            self.move(actor, request_id, Move.ANSWER, reason=resolution)
        return self.requests[request_id] if request_id else None

    # -- the load ---------------------------------------------------------------------------------

    def request_rows(self) -> Iterator[tuple[object, ...]]:
        for r in self.requests.values():
            yield (r.id, self.site_id, _text(r.opened_at), _text(self.updated[r.id]), 0, r.number, r.talent_id,
                   r.phone, r.measure, r.summary, r.status.value, r.township_code, r.opened_by_id,
                   _text(r.opened_at), _text(r.due), r.assignee_site_id, r.assignee_id, _text(r.dispatched_at),
                   _text(r.signed_at), _text(r.resolved_at), r.resolution, int(r.direct), _text(r.visited_at),
                   None if r.satisfied is None else int(r.satisfied), _text(r.archived_at), r.merged_into_id,
                   r.extension_days, r.extension_reason, r.return_reason, int(r.confidential))

    def load(self, office: Any) -> None:
        """Every collected row through the bulk path (search index, sync rows, report facts derived once)."""
        from dongwu_tui.storage.bulk import bulk_load

        record = ["id", "site_id", "created_at", "updated_at", "deleted"]
        with bulk_load(office) as writer:
            writer.insert("enterprise", [*record, "name", "credit_code", "township_code", "industry_code"],
                          self.enterprises)
            writer.insert("talent", [*record, "name", "name_pinyin", "name_initials", "phone", "id_kind",
                                     "id_number", "category_code", "level_code", "enterprise_id", "township_code",
                                     "specialist_id", "card_no", "notes"], self.talents)
            writer.insert("audit_log", [*record, "at", "actor_id", "entity", "entity_id", "action", "reason",
                                        "changes"], self.audit)
            writer.insert("service_request", [
                *record, "number", "talent_id", "phone", "measure_number", "summary", "status", "township_code",
                "opened_by_id", "opened_at", "due_date", "assignee_site_id", "assignee_id", "dispatched_at",
                "signed_at", "resolved_at", "resolution", "direct", "visited_at", "satisfied", "archived_at",
                "merged_into_id", "extension_days", "extension_reason", "return_reason", "confidential"],
                self.request_rows())
            writer.insert("request_event", [*record, "request_id", "at", "actor_id", "action", "from_status",
                                            "to_status", "reason", "detail"], self.events)
            writer.insert("call", [*record, "at", "direction", "phone", "talent_id", "operator_id", "duration_s",
                                   "summary", "measure_number", "outcome", "request_id"], self.calls)
            writer.insert("answer_use", [*record, "call_id", "answer_id", "version", "at", "actor_id"],
                          self.answer_uses)
            for day, seq in self.seq.items():
                office.set_meta(f"request_seq:{day}", str(seq))


class _Requests:
    def __init__(self, store: _Store, actor: Staff) -> None:
        self.store, self.actor = store, actor

    def move(self, ref: str, move: Move | str, **args: Any) -> ServiceRequest:
        return self.store.move(self.actor, ref, move, **args)

    def get(self, ref: str, with_events: bool = False) -> ServiceRequest:
        return self.store.get(ref)

    def list(self, *, overdue: bool, limit: int) -> list[ServiceRequest]:
        assert overdue
        return self.store.overdue(limit)


class _Calls:
    def __init__(self, store: _Store, actor: Staff) -> None:
        self.store, self.actor = store, actor

    def log(self, **values: Any) -> SimpleNamespace:
        return SimpleNamespace(request=self.store.log_call(self.actor, **values))


class _Talents:
    def __init__(self, store: _Store, actor: Staff) -> None:
        self.store, self.actor = store, actor

    def add(self, **values: Any) -> Talent:
        return self.store.add_talent(self.actor, values)


class _Acting:
    """One staff member working on the store: the parts of `Desk` the simulation uses."""

    def __init__(self, store: _Store, actor: Staff) -> None:
        self.requests = _Requests(store, actor)
        self.calls = _Calls(store, actor)
        self.talents = _Talents(store, actor)


class DemoBuilder:
    def __init__(self, path: Path, talents: int, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.timeline = _Timeline(now)
        self.desk = initialise(path, "吴中区高层次人才服务中心", "district", clock=self.timeline.clock,
                               rng=random.Random(seed + 1))
        self.talent_count = talents
        self.calendar = self.desk.calendar
        self._desks: dict[str, _Acting] = {}

    def as_(self, staff: Staff) -> _Acting:
        desk = self._desks.get(staff.id)
        if desk is None:
            desk = self._desks[staff.id] = _Acting(self.store, staff)
        return desk

    # -- people ---------------------------------------------------------------------------------

    def cast(self) -> None:
        rng, directory = self.rng, self.desk.directory
        self.timeline.current = self.timeline.now - timedelta(days=400)
        add = directory.add_staff
        self.operators = [add(_person_name(rng), "operator", "wz") for _ in range(4)]
        self.supervisors = [add(_person_name(rng), "supervisor", "wz") for _ in range(2)]
        self.specialists: dict[str, list[Staff]] = {}
        busy = {"mudu", "luzhi", "wedz", "wzgx", "changqiao", "guoxiang"}
        for code in (c for c, t in directory.townships.items() if not t.retired):  # merged-away ones have no office
            n = 2 if code in busy else 1
            self.specialists[code] = [add(_person_name(rng), "specialist", code) for _ in range(n)]
        self.sites = {site.code: site for site in directory.sites()}
        everyone = [*self.operators, *self.supervisors, *(s for group in self.specialists.values() for s in group)]
        self.store = _Store(self.desk, {s.id: s for s in everyone}, {code: s.id for code, s in self.sites.items()})
        self.store.answers = demo_answers(self.desk.acting_as(self.supervisors[0]), self.timeline.now.date())

    def enterprises(self) -> None:
        rng, directory = self.rng, self.desk.directory
        self.enterprise_list = []
        used: set[str] = set()
        for _ in range(max(5, self.talent_count // 8)):
            industry = rng.choice(list(ENTERPRISE_TRADES))
            township = rng.choice([c for c, t in directory.townships.items() if not t.retired])
            for _attempt in range(5):
                name = f"苏州{rng.choice(ENTERPRISE_WORDS)}{rng.choice(ENTERPRISE_TRADES[industry])}有限公司"
                if name not in used:
                    break
                name = name.replace("有限公司", f"{rng.choice('一二三四五六七八九')}号有限公司")
            if name in used:
                continue
            used.add(name)
            self.enterprise_list.append(self.store.add_enterprise(
                self.desk.actor, name, identifiers.random_credit_code(rng), township, industry))

    def talents(self) -> None:
        rng = self.rng
        desk = self.as_(self.operators[0])
        self.talent_list = []
        phones: set[str] = set()
        id_numbers: set[str] = set()
        today = self.timeline.now.date()
        for i in range(self.talent_count):
            phone = identifiers.random_mobile(rng)
            while phone in phones:
                phone = identifiers.random_mobile(rng)
            phones.add(phone)
            category = _weighted(rng, CATEGORY_WEIGHTS)
            enterprise = rng.choice(self.enterprise_list) if rng.random() < 0.85 else None
            township = (enterprise.township_code if enterprise else None) or rng.choice(list(self.specialists))
            values = {
                "name": _person_name(rng),
                "phone": phone,
                "category_code": category,
                "level_code": _weighted(rng, LEVEL_WEIGHTS),
                "enterprise_id": enterprise.id if enterprise else None,
                "township_code": township,
                "specialist_id": rng.choice(self.specialists[township]).id,
                "card_no": f"DW{i + 1:06d}" if rng.random() < 0.6 else None,
            }
            if category == "international":
                values["id_kind"] = "passport"
                values["id_number"] = rng.choice("EGPKS") + f"{rng.randrange(10**8):08d}"
                values["name"] = rng.choice(["Anna", "David", "Kenji", "Maria", "Lukas", "Sofia", "Raj", "Emma"]) + \
                    " " + rng.choice(["Müller", "Smith", "Tanaka", "Rossi", "Kim", "Dubois", "Patel", "Novak"])
            else:
                # One talent per resident ID number (storage.identity.identity_clash): draw again on a repeat.
                while (resident_id := identifiers.random_resident_id(
                        rng, date(today.year - 60, 1, 1), date(today.year - 22, 12, 31), rng.choice(BIRTH_AREAS))
                       ) in id_numbers:
                    pass
                id_numbers.add(resident_id)
                values["id_number"] = resident_id
            self.talent_list.append(desk.talents.add(**{k: v for k, v in values.items() if v is not None}))

    # -- a year of calls ------------------------------------------------------------------------

    def _work_time(self, day: date, rng: random.Random) -> datetime:
        return datetime.combine(day, time(8, 30)) + timedelta(minutes=rng.randrange(0, 8 * 60))

    def _next_workday(self, day: date, n: int = 1) -> date:
        return self.calendar.add_working_days(day, n)

    def schedule_calls(self) -> None:
        rng = self.rng
        start = self.timeline.now.date() - timedelta(days=365)
        calls = int(self.talent_count * 1.6)
        for _ in range(calls):
            day = self._next_workday(start + timedelta(days=rng.randrange(0, 366)), 0)
            if not self.calendar.is_workday(day):
                day = self._next_workday(day)
            talent = rng.choice(self.talent_list)
            measure = rng.choices(range(1, 19), MEASURE_WEIGHTS)[0]
            self.timeline.at(self._work_time(day, rng), self._call_action(talent, measure, rng.random()))

    def _call_action(self, talent, measure: int, roll: float) -> Callable[[], None]:
        def action() -> None:
            rng = self.rng
            desk = self.as_(rng.choice(self.operators))
            summary = rng.choice(CALL_TOPICS[measure])
            common = {"phone": talent.phone, "summary": summary, "measure": measure,
                      "duration_s": rng.randrange(40, 900)}
            if roll < 0.33:
                answered = desk.calls.log(outcome="answered", resolution="已按政策口径当场答复", **common)
                if answered.request is not None:
                    self._archive_answer_later(answered.request.number)
                return
            if roll < 0.40:
                desk.calls.log(outcome="transfer", **{**common, "measure": None})
                return
            try:
                result = desk.calls.log(outcome="request", **common)
            except RepeatCallFound as repeat:
                if rng.random() < 0.8:
                    desk.calls.log(attach_to=repeat.request.number, **common)
                    return
                result = desk.calls.log(outcome="request", force_new=True, **common)
                if result.request is not None:
                    self._merge_later(result.request, repeat.request)
                return
            if result.request is None:
                return
            opened = self.timeline.current
            if opened > self.timeline.now - timedelta(hours=20) and rng.random() < 0.3:
                return  # logged this morning, not yet dispatched
            self._dispatch_later(result.request, talent)
            if rng.random() < 0.15:
                follow_up = opened + timedelta(days=rng.randint(1, 6), hours=rng.randint(0, 6))
                self.timeline.at(follow_up, self._call_action(talent, measure, 0.5))
        return action

    def _archive_answer_later(self, number: str) -> None:
        when = self._work_time(self._next_workday(self.timeline.current.date(), self.rng.randint(1, 5)), self.rng)
        supervisor = self.rng.choice(self.supervisors)
        self.timeline.at(when, self._safe(lambda: self.as_(supervisor).requests.move(number, "archive")))

    def _merge_later(self, request: ServiceRequest, into: ServiceRequest) -> None:
        when = self.timeline.current + timedelta(hours=self.rng.randrange(1, 30))
        supervisor = self.rng.choice(self.supervisors)
        self.timeline.at(when, self._safe(lambda: self.as_(supervisor).requests.move(
            request.number, "merge", into=into.number, reason="同一来电人同一事项，并入原工单")))

    def _safe(self, move: Callable[[], object]) -> Callable[[], None]:
        def action() -> None:
            try:
                move()
            except DeskError:
                pass  # the request moved on by another path (merged, returned): the move no longer applies
        return action

    def _dispatch_later(self, request: ServiceRequest, talent) -> None:
        rng = self.rng
        when = self.timeline.current + timedelta(minutes=rng.randrange(5, 240))
        operator = rng.choice(self.operators)
        township = talent.township_code or rng.choice(list(self.specialists))
        specialist = next((s for s in self.specialists[township] if s.id == talent.specialist_id),
                          rng.choice(self.specialists[township]))

        def dispatch() -> None:
            self.as_(operator).requests.move(request.number, "dispatch", to_site=township, to_staff=specialist.id)
            self._work_later(request, specialist, township)
        self.timeline.at(when, self._safe(dispatch))

    def _work_later(self, request: ServiceRequest, specialist: Staff, township: str) -> None:
        rng, t = self.rng, self.timeline
        desk = self.as_(specialist)
        supervisor = rng.choice(self.supervisors)
        sign_day = self._next_workday(t.current.date(), rng.choice((0, 0, 1, 1, 2)) or 0)
        signed = max(self._work_time(sign_day, rng), t.current + timedelta(minutes=10))
        limit = self.desk.directory.measure(request.measure).limit_days
        number = request.number
        if rng.random() < 0.06:
            def give_back() -> None:
                desk.requests.move(number, "return", reason="该事项不属于本板块职责，请改派区相关部门")
                other = rng.choice([c for c in self.specialists if c != township])
                review = self._work_time(self._next_workday(self.timeline.current.date(), rng.randint(2, 6)), rng)
                self.timeline.at(review, self._safe(
                    lambda: self._reassign(number, supervisor, other)))
            t.at(signed, self._safe(give_back))
            return
        t.at(signed, self._safe(lambda: desk.requests.move(number, "sign")))
        # Most are resolved within the limit; some run late, some ask for more time.
        roll = rng.random()
        days = rng.randint(1, max(1, limit)) if roll < 0.82 else limit + rng.randint(1, 6)
        progress_day = self._next_workday(sign_day, max(1, days // 2))
        t.at(self._work_time(progress_day, rng), self._safe(lambda: desk.requests.move(
            number, "progress", reason="已联系人才了解具体诉求，正在协调相关部门")))
        if 0.82 <= roll < 0.90:
            ask = self._work_time(self._next_workday(sign_day, max(1, limit - 1)), rng)
            extra = rng.randint(2, 7)
            t.at(ask, self._safe(lambda: desk.requests.move(number, "extend", days=extra,
                                                          reason="需等待相关部门会商，申请延期")))
            decide = ask + timedelta(hours=rng.randrange(2, 30))
            if rng.random() < 0.85:
                t.at(decide, self._safe(lambda: self.as_(supervisor).requests.move(number, "approve-extension",
                                                                                 reason="同意延期")))
            else:
                t.at(decide, self._safe(lambda: self.as_(supervisor).requests.move(
                    number, "refuse-extension", reason="事项不复杂，请按期办结")))
        resolve_at = self._work_time(self._next_workday(sign_day, days), rng)
        self._resolve_and_visit(number, desk, supervisor, resolve_at, rounds=2)

    def _resolve_and_visit(self, number: str, desk: _Acting, supervisor: Staff, resolve_at: datetime,
                           rounds: int) -> None:
        rng, t = self.rng, self.timeline
        t.at(resolve_at, self._safe(lambda: desk.requests.move(
            number, "resolve", reason="已协调办理完毕，结果已告知人才本人")))
        visit_at = self._work_time(self._next_workday(resolve_at.date()), rng)
        satisfied = rng.random() < (0.9 if rounds == 2 else 0.97)

        def visit() -> None:
            # The visit is the supervisor's: the handler does not rate their own work.
            self.as_(supervisor).requests.move(number, "visit", satisfied=satisfied,
                               reason="" if satisfied else "人才认为问题未实际解决，要求重新办理")
            if not satisfied and rounds > 1:
                again = self._work_time(self._next_workday(visit_at.date(), rng.randint(1, 4)), rng)
                self._resolve_and_visit(number, desk, supervisor, again, rounds - 1)
        t.at(visit_at, self._safe(visit))
        if satisfied:
            archive_at = self._work_time(self._next_workday(visit_at.date(), rng.randint(1, 10)), rng)
            t.at(archive_at, self._safe(lambda: self.as_(supervisor).requests.move(number, "archive")))

    def _reassign(self, number: str, supervisor: Staff, township: str) -> None:
        specialist = self.rng.choice(self.specialists[township])
        self.as_(supervisor).requests.move(number, "reassign", to_site=township, to_staff=specialist.id,
                                            reason="经审核退单理由成立，改派属地板块办理")
        request = self.store.get(number)
        self._work_later(request, specialist, township)

    def chase_overdue(self) -> None:
        """Supervisors have chased some of what is overdue today."""
        supervisor = self.supervisors[0]
        desk = self.as_(supervisor)
        self.timeline.current = self.timeline.now
        for request in desk.requests.list(overdue=True, limit=40):
            if request.status in WORKING_STATUSES and self.rng.random() < 0.5:
                desk.requests.move(request.number, "supervise", reason="已超期，请于 2 个工作日内办结并反馈")


SQLITE_HEADER = b"SQLite format 3\x00"


BUILDING = ".building-"


# Standard answers the demo's supervisor writes and approves: measure, title, keywords, answer. The last one
# is past its validity (never offered); a draft shows what waits for approval.
DEMO_ANSWERS = [
    (11, "人才公寓申请条件", "公寓 住房 租房", "持东吴人才卡、在吴中区工作的人才可申请人才公寓，"
                                          "向所在镇（街道）人才工作站提交申请，5 个工作日内答复。"),
    (3, "子女入学咨询", "子女 入学 上学 学校", "高层次人才子女入学由区教育局统筹安排，请于每年 4 月底前提交申请材料。"),
    (4, "青创贷申请条件", "贷款 青创贷 创业", "在吴中区创办企业的青年人才可申请青创贷，最高 100 万元，"
                                           "由合作银行审核，贴息一年。"),
    (12, "落户办理流程", "落户 户口 迁入", "持人才认定材料到所在派出所办理落户，可同时办理配偶及子女随迁。"),
]


def demo_answers(supervisor: Desk, today: date) -> dict[int, Any]:
    """The demo's knowledge base, written through the service: one approved answer per listed measure, an
    expired one and a draft."""
    kb = supervisor.answers
    answers = {}
    for measure, title, keywords, body in DEMO_ANSWERS:
        answer = kb.add(measure=measure, title=title, keywords=keywords, body=body, policy_doc="吴人才〔2025〕8号",
                        policy_date=date(2025, 6, 1))
        answers[measure] = kb.approve(answer.ref)
    expired = kb.add(measure=11, title="人才公寓租金补贴（旧政策）", keywords="租金 补贴", body="按旧政策每月补贴 800 元。",
                     valid_to=today - timedelta(days=30))
    kb.approve(expired.ref)
    kb.add(measure=11, title="人才公寓退租手续", keywords="退租", body="退租请提前 30 天向人才工作站提出。")
    return answers


def demo_callbacks(desk: Desk, operators: list[Staff], phones: list[str]) -> None:
    """A few missed calls and promised callbacks in the operators' queues; the first missed call returned."""
    if not phones:
        return
    now = desk.clock()
    first = desk.acting_as(operators[0])
    first.callbacks.missed(phones[0], at=now - timedelta(hours=3))
    first.calls.log(phone=phones[0], summary="回拨未接来电", outcome="transfer", direction="callback")
    first.callbacks.missed(phones[1 % len(phones)], at=now - timedelta(hours=1), note="通话中断")
    first.callbacks.promise(phones[2 % len(phones)], due_at=now + timedelta(hours=4), note="答复补贴到账时间")
    desk.acting_as(operators[1 % len(operators)]).callbacks.missed(phones[3 % len(phones)], at=now - timedelta(hours=2))


def building_path(path: Path, pid: int | None = None) -> Path:
    """Where this process (or process `pid`) builds the demo for `path` before renaming it into place: a
    name of its own, so two builds at once do not write into one file."""
    return path.with_name(f"{path.name}{BUILDING}{os.getpid() if pid is None else pid}")


def _remove_left_over_builds(path: Path) -> None:
    """Remove the builds of processes that are gone (killed mid-build) beside `path`."""
    import glob

    for file in path.parent.glob(glob.escape(path.name + BUILDING) + "*"):
        digits = file.name[len(path.name + BUILDING):].split(".")[0].split("-")[0]
        if not digits.isdigit():
            continue
        try:
            os.kill(int(digits), 0)
            alive = int(digits) != os.getpid()
        except ProcessLookupError:
            alive = False
        except OSError:
            alive = True  # another user's process: not ours to judge
        if not alive:
            file.unlink(missing_ok=True)


def _remove_database(path: Path) -> None:
    for suffix in ("", "-wal", "-shm", "-journal", ".replica"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)


def demo_mark(path: Path) -> str | None:
    """The demo mark of the database at `path` (None: no such file, or not a finished demo database).
    Read-only: a file that is not ours is never opened for writing."""
    try:
        with open(path, "rb") as file:
            if file.read(len(SQLITE_HEADER)) != SQLITE_HEADER:
                return None
    except OSError:
        return None
    import sqlite3

    try:
        # immutable: nothing of the file is written, no -wal or -shm is made beside it. The mark is in the main
        # file, checkpointed there before the demo was renamed into place (`_verify`).
        connection = sqlite3.connect(f"{path.resolve().as_uri()}?mode=ro&immutable=1", uri=True)
    except sqlite3.Error:
        return None
    try:
        row = connection.execute("SELECT value FROM meta WHERE key = ?", (DEMO_MARK,)).fetchone()
    except sqlite3.Error:
        return None
    finally:
        connection.close()
    return str(row[0]) if row else None


def check_replaceable(path: Path) -> None:
    """Refuse to build over anything but nothing or a finished demo database."""
    if (path.exists() or path.is_symlink()) and demo_mark(path) is None:
        raise StorageError(f"{path} 已存在且不是演示数据库，演示数据不会覆盖它（文件未做任何修改）；"
                           "请用 --db 指定一个新文件。")


# How far the build is, in hundredths, when each step ends: roughly their shares of the time.
PROGRESS_STEPS = {"setup": 15, "people": 28, "year": 70, "load": 92, "check": 100}


def build_demo(path: Path | str, talents: int = 2000, seed: int = 2026, now: datetime | None = None,
               progress: Callable[[str, int, int], None] | None = None) -> list[str]:
    """Build the demo database at `path`, which must not exist or be a demo database itself. Returns a
    few summary lines.

    The database is built next to it (`building_path`), checked, marked as a demo and only then renamed
    over `path`: an interrupted build (Ctrl+C, a kill, a full disk) leaves `path` as it was, and
    whatever file is found at `path` is a finished one. A build left over by a killed run is removed
    by the next. `progress(step, done, total)` hears how far it is, in hundredths (PROGRESS_STEPS)."""
    path = Path(path).expanduser()
    check_replaceable(path)
    building = building_path(path)
    _remove_left_over_builds(path)
    # The demo's year ends at the start of today, so the same seed gives the same database all day.
    now = now or china_now().replace(hour=0, minute=0, second=0)
    try:
        report = progress or (lambda step, done, total: None)
        summary, replica_id = _build(building, path, talents, seed, now, report)
        _verify(building, talents)
        report("check", PROGRESS_STEPS["check"], 100)
        check_replaceable(path)  # still nothing there, or a demo, after the build
        for suffix in ("-wal", "-shm", "-journal"):
            Path(f"{path}{suffix}").unlink(missing_ok=True)  # the old demo's; they would not match the new file
        os.replace(building, path)
        from dongwu_tui.sync.identity import _write_sidecar

        # The replica's home was recorded as `path` while building; the rename keeps the inode.
        _write_sidecar(path, replica_id, 0)
    except BaseException:
        _remove_database(building)
        raise
    _remove_database(building)
    return summary


def _verify(building: Path, talents: int) -> None:
    """The built file is whole: SQLite's own check, the mark, every talent; its log folded in."""
    import sqlite3

    connection = sqlite3.connect(str(building), isolation_level=None)
    try:
        check = connection.execute("PRAGMA quick_check").fetchone()[0]
        mark = connection.execute("SELECT value FROM meta WHERE key = ?", (DEMO_MARK,)).fetchone()
        count = connection.execute("SELECT count(*) FROM talent").fetchone()[0]
        connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        connection.close()
    if check != "ok" or mark is None or count != talents:
        raise StorageError(f"演示数据库生成后检查未通过（{check}），原有文件未被替换。")


def _build(building: Path, home: Path, talents: int, seed: int, now: datetime,
           report: Callable[[str, int, int], None]) -> tuple[list[str], str]:
    report("setup", 0, 100)
    builder = DemoBuilder(building, talents, seed, now)
    office = builder.desk.office
    try:
        report("people", PROGRESS_STEPS["setup"], 100)
        builder.cast()
        builder.enterprises()
        builder.talents()
        report("year", PROGRESS_STEPS["people"], 100)
        builder.schedule_calls()
        start, end = PROGRESS_STEPS["people"], PROGRESS_STEPS["year"]
        for done, total in builder.timeline.run():
            report("year", start + (end - start) * done // max(total, 1), 100)
        builder.chase_overdue()
        report("load", end, 100)
        db = office.db
        # A file of its own, thrown away if the build fails: no rollback journal and no fsync while it is
        # written (what makes it whole is the rename after the check). WAL again for the desk.
        db.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
        db.execute_sql("PRAGMA journal_mode = OFF")
        db.execute_sql("PRAGMA synchronous = OFF")
        builder.store.load(office)
        db.execute_sql("PRAGMA journal_mode = WAL")
        db.execute_sql("PRAGMA synchronous = NORMAL")
        demo_callbacks(builder.desk, builder.operators, list(builder.store.by_phone)[:4])
        report("check", PROGRESS_STEPS["load"], 100)
        with office.write():
            # Its home is where it is renamed to (same inode), so opening it there is not taken for a copy.
            office.set_meta("replica_path", str(home.resolve()))
            office.set_meta(DEMO_MARK, json.dumps({"seed": seed, "talents": talents, "day": now.date().isoformat()}))
            builder.desk.accounts.demo_passwords()
        stats = builder.desk.stats.closure()["totals"]
        t = office.tables
        return [
            f"工作人员 {t.StaffRow.select().count()} 人，企业 {len(builder.enterprise_list)} 家，人才 {talents} 人",
            f"来电 {t.CallRow.select().count()} 次，工单 {stats['total']} 件（已办结 {stats['closed']}，"
            f"未办结 {stats['open']}，超期 {stats['overdue']}）",
            "操作人示例：" + "、".join(f"{s.name}（{s.role.label}）" for s in
                                   [builder.operators[0], builder.specialists["mudu"][0], builder.supervisors[0]]),
            f"演示账号的密码（仅供演示，人人相同，首次登录无需修改）：{DEMO_PASSWORD}",
        ], office.meta("replica_id") or ""
    finally:
        office.close()
