"""A realistic demo office: a year of hotline work at the district centre, replayed through the services.

Everything is written through the same services the desk uses, with a simulated clock walking
forward through the year: calls arrive, requests are dispatched, signed, worked, returned, extended,
merged, resolved, visited and archived by the staff whose role allows it. Moves planned for after
"now" simply have not happened yet, so recent requests sit in every open status and some are overdue.
The same seed and the same day give the same database.
"""

from __future__ import annotations

import heapq
import random
from collections.abc import Callable, Iterator
from datetime import date, datetime, time, timedelta
from itertools import count
from pathlib import Path

from dongwu_tui.domain import identifiers
from dongwu_tui.domain.errors import DeskError
from dongwu_tui.domain.models import ServiceRequest, Staff
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

    def run(self) -> Iterator[int]:
        done = 0
        while self._queue:
            when, _, action = heapq.heappop(self._queue)
            self.current = max(self.current, when)
            action()
            done += 1
            if done % 2000 == 0:
                yield done
        yield done

    def clock(self) -> datetime:
        return self.current


class DemoBuilder:
    def __init__(self, path: Path, talents: int, seed: int, now: datetime) -> None:
        self.rng = random.Random(seed)
        self.timeline = _Timeline(now)
        self.desk = initialise(path, "吴中区高层次人才服务中心", "district", clock=self.timeline.clock,
                               rng=random.Random(seed + 1))
        self.talent_count = talents
        self.calendar = self.desk.calendar
        self._desks: dict[str, Desk] = {}

    def as_(self, staff: Staff) -> Desk:
        desk = self._desks.get(staff.id)
        if desk is None:
            desk = self._desks[staff.id] = self.desk.acting_as(staff)
            desk.directory.__dict__.update(self.desk.directory.__dict__ | {"desk": desk})
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
        for code in directory.townships:
            n = 2 if code in busy else 1
            self.specialists[code] = [add(_person_name(rng), "specialist", code) for _ in range(n)]
        self.sites = {site.code: site for site in directory.sites()}

    def enterprises(self) -> None:
        rng, directory = self.rng, self.desk.directory
        self.enterprise_list = []
        used: set[str] = set()
        for _ in range(max(5, self.talent_count // 8)):
            industry = rng.choice(list(ENTERPRISE_TRADES))
            township = rng.choice(list(directory.townships))
            for _attempt in range(5):
                name = f"苏州{rng.choice(ENTERPRISE_WORDS)}{rng.choice(ENTERPRISE_TRADES[industry])}有限公司"
                if name not in used:
                    break
                name = name.replace("有限公司", f"{rng.choice('一二三四五六七八九')}号有限公司")
            if name in used:
                continue
            used.add(name)
            self.enterprise_list.append(directory.add_enterprise(
                name, identifiers.random_credit_code(rng), township, industry))

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
                # One talent per resident ID number (services.talents.identity_clash): draw again on a repeat.
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

    def _resolve_and_visit(self, number: str, desk: Desk, supervisor: Staff, resolve_at: datetime,
                           rounds: int) -> None:
        rng, t = self.rng, self.timeline
        t.at(resolve_at, self._safe(lambda: desk.requests.move(
            number, "resolve", reason="已协调办理完毕，结果已告知人才本人")))
        visit_at = self._work_time(self._next_workday(resolve_at.date()), rng)
        satisfied = rng.random() < (0.9 if rounds == 2 else 0.97)

        def visit() -> None:
            desk.requests.move(number, "visit", satisfied=satisfied,
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
        request = self.desk.requests.get(number, with_events=False)
        self._work_later(request, specialist, township)

    def chase_overdue(self) -> None:
        """Supervisors have chased some of what is overdue today."""
        supervisor = self.supervisors[0]
        desk = self.as_(supervisor)
        self.timeline.current = self.timeline.now
        for request in desk.requests.list(overdue=True, limit=40):
            if request.status.value in ("dispatched", "in_progress") and self.rng.random() < 0.5:
                desk.requests.move(request.number, "supervise", reason="已超期，请于 2 个工作日内办结并反馈")


def build_demo(path: Path | str, talents: int = 2000, seed: int = 2026, now: datetime | None = None,
               progress: bool = False) -> list[str]:
    """Build the demo database at `path`, replacing any file there. Returns a few summary lines."""
    path = Path(path)
    for suffix in ("", "-wal", "-shm"):
        Path(f"{path}{suffix}").unlink(missing_ok=True)
    # The demo's year ends at the start of today, so the same seed gives the same database all day.
    now = now or china_now().replace(hour=0, minute=0, second=0)
    builder = DemoBuilder(path, talents, seed, now)
    office = builder.desk.office
    try:
        with office.write():
            builder.cast()
            builder.enterprises()
            builder.talents()
            builder.schedule_calls()
            for done in builder.timeline.run():
                if progress:
                    print(f"\r  已模拟 {done} 项业务……", end="", flush=True)
            builder.chase_overdue()
        if progress:
            print()
        stats = builder.desk.stats.closure()["totals"]
        t = office.tables
        return [
            f"工作人员 {t.StaffRow.select().count()} 人，企业 {len(builder.enterprise_list)} 家，人才 {talents} 人",
            f"来电 {t.CallRow.select().count()} 次，工单 {stats['total']} 件（已办结 {stats['closed']}，"
            f"未办结 {stats['open']}，超期 {stats['overdue']}）",
            "操作人示例：" + "、".join(f"{s.name}（{s.role.label}）" for s in
                                   [builder.operators[0], builder.specialists["mudu"][0], builder.supervisors[0]]),
        ]
    finally:
        office.close()
