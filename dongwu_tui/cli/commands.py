"""What each `dongwu` command does: open the desk, call one service, print the result."""

from __future__ import annotations

import argparse
import sys
from datetime import date
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dongwu_tui.cli.render import Renderer, print_json, print_table
from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.domain.lifecycle import event_label
from dongwu_tui.domain.models import CLOSED_LABEL, OPEN_LABEL
from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import initialise
from dongwu_tui.storage.paths import default_database_path


def _db_path(args: argparse.Namespace) -> Path:
    return args.db if args.db is not None else default_database_path()


def _limit(args: argparse.Namespace) -> int | None:
    limit = getattr(args, "limit", 50)
    if limit is not None and limit < 0:
        raise ValidationFailed("--limit 不能为负数。")
    return limit or None


def _listed(args: argparse.Namespace, fetch: Callable[[int | None], list[Any]],
            count: Callable[[], int]) -> list[Any]:
    """A list command's rows, at most --limit of them. A list that was cut says so on stderr, with the real
    total: one more row than the limit is fetched to see whether it was cut, and only then are the matching
    rows counted (a COUNT over the same filters), so an uncut list costs nothing extra. The notice is on
    stderr so that stdout (the table, or the JSON array) stays the same for scripts."""
    limit = _limit(args)
    rows = fetch(None if limit is None else limit + 1)
    if limit is not None and len(rows) > limit:
        rows = rows[:limit]
        sys.stderr.write(f"显示 {limit} 条，共 {count()} 条；用 --limit 0 显示全部。\n")
    return rows


def _renderer(desk: Desk, *, caller: bool = False) -> Renderer:
    return Renderer(desk, caller=caller)


def _date(text: str | None, flag: str) -> date | None:
    from dongwu_tui.reports.period import parse_day

    return parse_day(text, flag)


def run(args: argparse.Namespace) -> int:
    if args.command == "init":
        return cmd_init(args)
    if args.command == "demo":
        return cmd_demo(args)
    if args.command == "encrypt":
        return cmd_encrypt(args)
    if args.command == "decrypt":
        return cmd_decrypt(args)
    if args.command == "key" and args.action == "passwd":
        return cmd_passwd(args)
    from dongwu_tui.cli.sessions import signed_in_desk

    desk = signed_in_desk(_db_path(args), args.actor)
    try:
        # A year once counted on the law's holidays whose schedule has since been added: recount and list.
        for number, old, new in desk.requests.recount_scheduled_years():
            sys.stderr.write(f"提示：节假日安排已补充，工单 {number} 的期限由 {old} 改为 {new}\n")
        handler = {
            None: cmd_open,
            "summary": cmd_summary,
            "staff": cmd_staff,
            "site": cmd_site,
            "enterprise": cmd_enterprise,
            "talent": cmd_talent,
            "call": cmd_call,
            "request": cmd_request,
            "stats": cmd_stats,
            "key": cmd_key,
        }[args.command]
        code = handler(desk, args)
        # A due date counted in a year without a published schedule says so, once, beside any output.
        warning = desk.calendar.warning_line()
        if warning:
            sys.stderr.write(warning + "\n")
        return code
    finally:
        desk.office.close()


def cmd_init(args: argparse.Namespace) -> int:
    from dongwu_tui.cli.sessions import PasswordSource
    from dongwu_tui.storage import keyring

    encrypt = args.encrypt if args.encrypt is not None else args.kind != "district"
    supplied = None if (args.password_stdin or args.password_file) else keyring.supplied_password()
    if not (supplied or args.password_stdin or args.password_file or sys.stdin.isatty()):
        raise ValidationFailed(f"需要管理员密码（{args.admin}）：请在终端中运行，或用 --password-stdin、"
                               f"--password-file 或环境变量 {keyring.PASSWORD_VARIABLE} 提供；未创建任何文件。")
    password = supplied or PasswordSource(stdin=args.password_stdin, file=args.password_file).read(
        f"请设置管理员「{args.admin}」的密码：", what="管理员密码", confirm=True)
    recovery = None
    if encrypt:
        from dongwu_tui.services.setup import initialise_encrypted

        desk, recovery = initialise_encrypted(_db_path(args), args.site, args.kind, password, township=args.township,
                                              code=args.code, admin_name=args.admin, admin_password=password)
    else:
        desk = initialise(_db_path(args), args.site, args.kind, township=args.township, code=args.code,
                          admin_name=args.admin, admin_password=password)
    site = desk.directory.this_site()
    print(f"已创建数据库 {desk.office.path}" + ("（已加密）" if encrypt else ""))
    if recovery is not None:
        _print_recovery(recovery, desk.office.path)
    print(f"本单位：{site.name}（代码 {site.code}）；管理员：{args.admin}")
    print(f"下一步：dongwu --db {desk.office.path} login --as {args.admin}，"
          f"再 staff add --as {args.admin} --name 姓名 --role operator")
    desk.office.close()
    return 0


def _new_password(who: str, variable: str | None = None) -> str:
    """A new password for `who`: DONGWU_PASSWORD (or `variable`), or asked twice on the terminal."""
    import os

    from dongwu_tui.storage import keyring

    password = os.environ.get(variable) if variable else keyring.supplied_password()
    if not password:
        variable = variable or keyring.PASSWORD_VARIABLE
        if not sys.stdin.isatty():
            raise ValidationFailed(
                f"须设置{who}的密码：请在终端中运行，或用环境变量 {variable} 提供"
                + ("（不加密请加 --no-encrypt）。" if variable == keyring.PASSWORD_VARIABLE else "。")
            )
        import getpass

        password = getpass.getpass(f"设置{who}的密码：")
        if getpass.getpass("再输入一次：") != password:
            raise ValidationFailed("两次输入的密码不一致，未做任何修改。")
    from dongwu_tui.domain.passwords import check_new_password

    check_new_password(password, name=who)  # the same rules as an account's password
    return password


def _print_recovery(recovery: str, path: Path) -> None:
    print(f"恢复密钥（只显示这一次，请抄下后离线保管；忘记所有密码时用它打开 {path.name}）：")
    print(f"  {recovery}")


def cmd_encrypt(args: argparse.Namespace) -> int:
    from dongwu_tui.services.setup import encrypt_office

    if not args.actor:
        raise ValidationFailed("加密数据库须由管理员操作：请用 --as 指明管理员。")
    path = _db_path(args)
    recovery = encrypt_office(path, args.actor, _new_password(args.actor))
    print(f"数据库 {path} 已加密；{args.actor}用刚设置的密码打开它。")
    _print_recovery(recovery, path)
    return 0


NEW_PASSWORD_VARIABLE = "DONGWU_NEW_PASSWORD"


def cmd_key(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.services.setup import manage_key
    from dongwu_tui.storage import keyring

    if args.action == "list":
        if desk.office.key is None:
            raise ValidationFailed(f"数据库 {desk.office.path.name} 没有加密。")
        print_table(["编号", "姓名"], [[s["id"], s["name"]] for s in keyring.slots(desk.office.path)])
        return 0
    if args.action == "recovery":
        _print_recovery(manage_key(desk, "recovery"), desk.office.path)
        return 0
    new_password = _new_password(args.staff, NEW_PASSWORD_VARIABLE) if args.action == "add" else None
    manage_key(desk, args.action, args.staff, new_password, args.reason)
    print(f"已{'添加' if args.action == 'add' else '删除'}{args.staff}的密钥。")
    return 0


def cmd_passwd(args: argparse.Namespace) -> int:
    from dongwu_tui.services.setup import change_password
    from dongwu_tui.storage import keyring

    if not args.actor:
        raise ValidationFailed("请用 --as 指明修改谁的密码。")
    old = keyring.supplied_password()
    if old is None:
        raise ValidationFailed(f"请在终端中运行，或用环境变量 {keyring.PASSWORD_VARIABLE} 提供原密码。")
    change_password(_db_path(args), args.actor, old, _new_password(args.actor, NEW_PASSWORD_VARIABLE))
    print(f"{args.actor}的密码已修改。")
    return 0


def cmd_decrypt(args: argparse.Namespace) -> int:
    from dongwu_tui.services.setup import decrypt_office

    path = _db_path(args)
    decrypt_office(path, args.actor)
    print(f"数据库 {path} 已解密，不再需要密码；密钥文件已删除。")
    return 0


def cmd_demo(args: argparse.Namespace) -> int:
    from dongwu_tui.services.demo import build_demo, check_replaceable, demo_mark

    path = _db_path(args)
    if args.if_missing and demo_mark(path) is not None:
        print(f"使用已有的演示数据库 {path}")
        return 0
    check_replaceable(path)
    if args.talents < 10 or args.talents > 500_000:
        raise ValidationFailed("--talents 应在 10 到 500000 之间。")
    from dongwu_tui.cli.progress import progress_bar

    steps = {"setup": "创建数据库", "people": "登记人员、企业和人才", "year": "模拟一年的来电和工单",
             "load": "写入数据库", "check": "检查数据库"}
    with progress_bar(steps) as shown:
        report = build_demo(path, talents=args.talents, seed=args.seed, progress=shown)
    print(f"已生成演示数据库 {path}")
    for line in report:
        print(f"  {line}")
    return 0


def cmd_open(desk: Desk, args: argparse.Namespace) -> int:
    """No subcommand: open the desk screens (the summary when not on a terminal)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        return cmd_summary(desk, args)
    from dongwu_tui.ui.run import run_desk  # Textual is imported only on this path

    return run_desk(desk)


def cmd_summary(desk: Desk, args: argparse.Namespace) -> int:
    t = desk.office.tables
    site = desk.directory.this_site()
    stats = desk.stats.closure()["totals"]
    print(f"东吴人才服务台 · {site.name}")
    print(f"数据库：{desk.office.path}（架构版本 {desk.office.schema_version}）")
    print(
        f"人才 {t.TalentRow.select().where(t.TalentRow.deleted == False).count()} 人，"  # noqa: E712
        f"企业 {t.EnterpriseRow.select().where(t.EnterpriseRow.deleted == False).count()} 家，"  # noqa: E712
        f"来电 {t.CallRow.select().count()} 次，工作人员 {t.StaffRow.select().count()} 人"
    )
    print(f"工单 {stats['total']} 件：已办结 {stats['closed']}，未办结 {stats['open']}，其中超期 {stats['overdue']}")
    for year in desk.requests.open_due_years():
        desk.calendar.is_workday(date(year, 1, 1))  # a year counted on the fallback is noted by the calendar
    for warning in desk.calendar.warnings():
        print(f"提示：{warning}")
    for line in desk.requests.migration_notes():
        print(f"提示：{line}")
    duplicates = desk.talents.duplicate_identities()
    if duplicates:
        shown = "；".join(f"{'证件号码' if field == 'id_number' else '人才卡号'}相同：{' / '.join(cards)}"
                         for field, cards in duplicates[:5])
        more = "；……" if len(duplicates) > 5 else ""
        print(f"提示：{len(duplicates)} 组人才的身份重复，请核对后合并（{shown}{more}）")
    return 0


def cmd_staff(desk: Desk, args: argparse.Namespace) -> int:
    render = _renderer(desk)
    if args.action == "add":
        staff = desk.directory.add_staff(args.name, args.role, args.office, args.phone)
        print(f"已添加{staff.role.label} {staff.name}（{staff.office_name}），编号 {staff.id}")
        print(f"请用 dongwu staff password {staff.name} 为其设置临时密码。")
        return 0
    if args.action == "password":
        from dongwu_tui.cli.account_commands import staff_password

        return staff_password(desk, args)
    rows = _listed(args, lambda limit: desk.directory.staff_list(args.role, args.office, limit),
                   lambda: desk.directory.staff_count(args.role, args.office))
    if args.json:
        print_json([render.staff(s) for s in rows])
    else:
        print_table(["姓名", "角色", "单位", "编号"], [(s.name, s.role.label, s.office_name, s.id) for s in rows])
    return 0


def cmd_site(desk: Desk, args: argparse.Namespace) -> int:
    render = _renderer(desk)
    if args.action == "add":
        site = desk.directory.add_site(args.code, args.name, args.kind, args.township)
        print(f"已添加单位 {site.name}（代码 {site.code}），编号 {site.id}")
        return 0
    every = desk.directory.sites()
    sites = _listed(args, lambda limit: every[:limit], lambda: len(every))
    if args.json:
        print_json([render.site(s) for s in sites])
    else:
        print_table(["代码", "名称", "类型"], [(s.code, s.name, s.kind.label) for s in sites])
    return 0


def cmd_enterprise(desk: Desk, args: argparse.Namespace) -> int:
    directory = desk.directory
    if args.action == "add":
        e = directory.add_enterprise(args.name, args.credit_code, args.township, args.industry)
        print(f"已登记企业 {e.name}（{e.credit_code}），编号 {e.id}")
        return 0
    rows = _listed(args, directory.enterprises, directory.enterprise_count)
    if args.json:
        print_json([{"id": e.id, "name": e.name, "credit_code": e.credit_code, "township": e.township_code,
                     "industry": e.industry_code} for e in rows])
    else:
        print_table(
            ["企业名称", "统一社会信用代码", "板块", "行业"],
            [(e.name, e.credit_code, directory.townships[e.township_code].name if e.township_code else "",
              directory.industries[e.industry_code].name if e.industry_code else "") for e in rows],
        )
    return 0


def _talent_values(args: argparse.Namespace) -> dict[str, Any]:
    values: dict[str, Any] = {
        "name": args.name, "phone": args.phone, "category_code": args.category, "level_code": args.level,
        "enterprise_id": args.enterprise, "township_code": args.township, "specialist_id": args.specialist,
        "card_no": args.card, "notes": args.notes,
    }
    if getattr(args, "passport", None):
        values.update(id_kind="passport", id_number=args.passport)
    elif getattr(args, "id_number", None):
        values.update(id_kind="resident", id_number=args.id_number)
    return {k: v for k, v in values.items() if v is not None}


def cmd_talent(desk: Desk, args: argparse.Namespace) -> int:
    render = _renderer(desk)
    talents = desk.talents
    if args.action == "add":
        talent = talents.add(**_talent_values(args))
        if args.json:
            print_json(render.talent(talent, full=True))  # the numbers the clerk has just typed
        else:
            print(f"已登记人才 {talent.name}，编号 {talent.id}")
        return 0
    if args.action == "edit":
        talent = talents.update(args.ref, reason=args.reason, **_talent_values(args))
        print(f"已更新人才 {talent.name}（{talent.id}）")
        return 0
    if args.action == "show":
        file = talents.file(args.ref)
        if getattr(args, "reveal", False):
            desk.privacy.reveal(file.talent.id, args.reason or "", "dongwu talent show")
        full = render.talent_full(file.talent)
        merged = {"merged_from": file.merged_from.id} if file.merged_from else {}
        if args.json:
            print_json({**render.talent(file.talent, full), **merged,
                        "calls": [render.call(c, full) for c in file.calls],
                        "requests": [render.request(r, full) for r in file.requests]})
            render.record("dongwu talent show --json")
            return 0
        if file.merged_from:
            old = file.merged_from
            print(f"「{args.ref.strip()}」是已合并的登记（{old.name}，{old.id}），以下为合并后保留的人才：")
        data = render.talent(file.talent, full)
        text = render.privacy.text
        print(f"{data['name']}  {data['category_name']} · {data['level_name']}")
        print(f"电话 {data['phone']}  证件 {data['id_number'] or '—'}  人才卡 {data['card_no'] or '—'}")
        print(f"企业 {data['enterprise'] or '—'}  板块 {data['township_name'] or '—'}  "
              f"专员 {data['specialist'] or '—'}")
        print(f"\n工单（{len(file.requests)}）")
        print_table(["编号", "举措", "状态", "期限", "摘要"],
                    [(r.number, r.measure, r.status.label, r.due, text(r.summary, full)[:20]) for r in file.requests])
        print(f"\n来电（{len(file.calls)}）")
        print_table(["时间", "方向", "举措", "处理", "摘要"],
                    [(c.at, c.direction.label, c.measure or "", c.outcome.label, text(c.summary, full)[:20])
                     for c in file.calls])
        render.record("dongwu talent show")
        return 0
    filters = {"township": args.township, "category": args.category, "specialist": args.specialist}
    rows = _listed(args, lambda limit: talents.list(**filters, limit=limit), lambda: talents.count(**filters))
    own = desk.privacy.own_talents(t.id for t in rows)
    render.shown = [t.id for t in rows if t.id in own]
    if args.json:
        print_json([render.talent(t, t.id in own) for t in rows])
        render.record("dongwu talent list --json")
    else:
        directory = desk.directory
        print_table(
            ["姓名", "电话", "类别", "板块", "编号"],
            [(t.name, render.phone(t.phone, t.id in own), directory.talent_categories.get(t.category_code, ""),
              directory.townships[t.township_code].name if t.township_code else "", t.id) for t in rows],
        )
        render.record("dongwu talent list")
    return 0


def cmd_call(desk: Desk, args: argparse.Namespace) -> int:
    render = _renderer(desk, caller=args.action == "log")  # the call just logged: the caller on the line
    if args.action == "list":
        from dongwu_tui.domain.identifiers import InvalidIdentifier, normalize_phone

        try:
            phone = normalize_phone(args.phone) if args.phone else None
        except InvalidIdentifier as error:
            raise ValidationFailed(f"--phone：{error}。") from None
        calls = _listed(args, lambda limit: desk.calls.list(limit=limit, phone=phone),
                        lambda: desk.calls.count(phone=phone))
        own = desk.privacy.own_talents(c.talent_id for c in calls)
        if args.json:
            print_json([render.call(c, render.call_full(c, own)) for c in calls])
            render.record("dongwu call list --json")
        else:
            print_table(["时间", "号码", "举措", "处理", "摘要"],
                        [(c.at, render.phone(c.phone, c.talent_id in own), c.measure or "", c.outcome.label,
                          render.privacy.text(c.summary, c.talent_id in own)[:24]) for c in calls])
        render.shown = [c.talent_id for c in calls if c.talent_id in own]
        render.record("dongwu call list")
        return 0
    new_talent = None
    if args.name:
        new_talent = {"name": args.name, "category_code": args.category or "industry", "township_code": args.township}
        new_talent = {k: v for k, v in new_talent.items() if v}
    result = desk.calls.log(
        phone=args.phone, summary=args.summary, measure=args.measure, outcome=args.outcome,
        resolution=args.resolution, direction=args.direction, duration_s=args.duration,
        confidential=args.confidential, attach_to=args.attach, force_new=args.new,
        dispatch_to=args.dispatch_to, dispatch_staff=args.dispatch_staff, new_talent=new_talent,
        answer_id=desk.answers.get(args.answer).id if args.answer else None,
    )
    if args.json:
        print_json({"call": render.call(result.call),
                    "talent": render.talent(result.talent) if result.talent else None,
                    "request": render.request(result.request) if result.request else None})
        render.record("dongwu call log --json")
        return 0
    who = result.talent.name if result.talent else "未登记来电人"
    print(f"已登记来电：{who}，{result.call.outcome.label}")
    if result.request:
        print(f"工单 {result.request.number}：{result.request.status.label}，办理期限 {result.request.due}")
    return 0


def cmd_request(desk: Desk, args: argparse.Namespace) -> int:
    render = _renderer(desk)
    requests = desk.requests
    if args.action == "list":
        filters = {"status": args.status, "measure": args.measure, "township": args.township,
                   "assignee": args.assignee, "talent": args.talent, "overdue": args.overdue}
        rows = _listed(args, lambda limit: requests.list(**filters, limit=limit),
                       lambda: requests.count(**filters))
        own = desk.privacy.own_talents(r.talent_id for r in rows)
        if args.json:
            print_json([render.request(r, render.request_full(r, own)) for r in rows])
            render.record("dongwu request list --json")
        else:
            print_table(
                ["编号", "举措", "状态", "期限", "剩余工作日", "摘要"],
                [(r.number, r.measure, r.status.label, r.due, requests.working_days_left(r) if r.is_open else "",
                  render.text(r.summary, desk.privacy.needs_numbers(talent_id=r.talent_id, assignee_id=r.assignee_id)
                              or r.talent_id in own)[:20]) for r in rows],
            )
        return 0
    if args.action == "show":
        request = requests.get(args.ref)
        if args.json:
            print_json(render.request(request))
            render.record("dongwu request show --json")
            return 0
        data = render.request(request)
        print(f"工单 {request.number}  {request.status.label}  举措 {request.measure} {data['measure_name']}")
        print(f"受理 {request.opened_at}  期限 {request.due}" +
              (f"（剩余 {data['working_days_left']} 个工作日）" if request.is_open else ""))
        print(f"摘要：{data['summary']}")
        if request.merged_into_id:
            print(f"已并入工单：{data['merged_into'] or request.merged_into_id}")
        if request.resolution:
            print(f"办理结果：{data['resolution']}")
        print_table(["时间", "操作人", "操作", "状态", "说明"],
                    [(e.at, e.actor_name, event_label(e.action), e.to_status.label, (shown["reason"] or "")[:30])
                     for e, shown in zip(request.events, data["events"], strict=True)])
        render.record("dongwu request show")
        return 0
    request = requests.move(
        args.ref, args.action, reason=args.reason, to_site=getattr(args, "to_site", None),
        to_staff=getattr(args, "to_staff", None), satisfied=getattr(args, "satisfied", None),
        days=getattr(args, "days", None), into=getattr(args, "into", None),
        restart_clock=getattr(args, "restart_clock", False), visit_result=getattr(args, "visit_result", None),
        solved=getattr(args, "solved", None), reasonable=getattr(args, "reasonable", None),
    )
    request = requests.get(request.id)
    if args.json:
        print_json(render.request(request))
        render.record(f"dongwu request {args.action} --json")
    else:
        print(f"工单 {request.number}：{event_label(request.events[-1].action)}完成，"
              f"当前状态「{request.status.label}」，期限 {request.due}")
    return 0


def cmd_stats(desk: Desk, args: argparse.Namespace) -> int:
    stats = desk.stats.closure(_date(args.since, "--since"), _date(args.until, "--until"))
    if args.json:
        print_json(stats)
        return 0
    def rate(row: dict[str, Any]) -> str:
        return f"{row['closed'] / row['total']:.1%}" if row["total"] else "—"

    print(f"截至 {stats['as_of']} 的办结情况（不含已并单）")
    print_table(["举措", "名称", "合计", CLOSED_LABEL, OPEN_LABEL, "超期", "办结率"],
                [(r["measure"], r["name"][:14], r["total"], r["closed"], r["open"], r["overdue"], rate(r))
                 for r in stats["by_measure"]])
    print()
    print_table(["类别", "合计", CLOSED_LABEL, OPEN_LABEL, "超期", "办结率"],
                [(r["name"], r["total"], r["closed"], r["open"], r["overdue"], rate(r)) for r in stats["by_category"]])
    print()
    print_table(["板块", "合计", CLOSED_LABEL, OPEN_LABEL, "超期", "办结率"],
                [(r["name"], r["total"], r["closed"], r["open"], r["overdue"], rate(r)) for r in stats["by_township"]])
    print()
    print_table(["专员", "单位", "合计", CLOSED_LABEL, OPEN_LABEL, "超期", "办结率"],
                [(r["name"], r["office"], r["total"], r["closed"], r["open"], r["overdue"], rate(r))
                 for r in stats["by_specialist"]])
    return 0
