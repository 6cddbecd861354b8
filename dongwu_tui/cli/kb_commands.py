"""`dongwu answer` (standard answers, 知识库), `dongwu call missed` and `dongwu callback` (回电)."""

from __future__ import annotations

import argparse
from datetime import date, datetime, timedelta
from typing import Any

from dongwu_tui.cli.render import print_json, print_table
from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.domain.knowledge import CallbackItem, StandardAnswer
from dongwu_tui.services.desk import Desk

KB_COMMANDS = ("answer", "callback")
CALL_ACTIONS = ("missed",)


def add_parsers(command: Any, call: Any, integer: Any) -> None:
    """Register the commands (`command(name, help[, parent])` is main.build_parser's helper; `call` the
    subparsers of `dongwu call`)."""
    from dongwu_tui.cli.chinese_argparse import ChineseArgumentParser

    answer = command("answer", "标准答复（知识库）").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    p = command("add", "编写标准答复（督办负责人；审核后才在来电登记中提供）", answer)
    p.add_argument("--measure", type=integer, required=True, help="服务举措编号 1–18")
    p.add_argument("--title", required=True, help="标题（常见问题）")
    p.add_argument("--body", required=True, help="答复内容")
    p.add_argument("--keywords", default="", help="关键词，用逗号或空格分开")
    p.add_argument("--policy-doc", default="", help="依据的政策文件")
    p.add_argument("--policy-date", help="政策文件日期（YYYY-MM-DD）")
    p.add_argument("--valid-from", help="有效期起（YYYY-MM-DD）")
    p.add_argument("--valid-to", help="有效期止（YYYY-MM-DD），过期后不再提供")
    p.add_argument("--replaces", metavar="答复", help="作为该答复的新版本（审核后取代旧版本）")
    p.add_argument("--reason", default="", help="说明")
    p.add_argument("--json", action="store_true")
    p = command("approve", "审核标准答复（督办负责人）", answer)
    p.add_argument("ref", metavar="答复", help="答复编号（列表中的编号）")
    p.add_argument("--reason", default="", help="说明")
    p.add_argument("--json", action="store_true")
    p = command("list", "列出标准答复", answer)
    p.add_argument("--measure", type=integer, help="只看该服务举措")
    p.add_argument("--all", action="store_true", help="含已被取代的旧版本")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p.add_argument("--limit", type=integer, default=50, help="最多显示多少条（默认 50，0 表示全部）")
    p = command("show", "查看标准答复及其各版本", answer)
    p.add_argument("ref", metavar="答复", help="答复编号")
    p.add_argument("--json", action="store_true")
    p = command("figures", "标准答复的使用情况：按答复的直接办结数、从未使用的、使用后又来电的", answer)
    p.add_argument("--since", help="起（YYYY-MM-DD）")
    p.add_argument("--until", help="止（YYYY-MM-DD，含当天）")
    p.add_argument("--json", action="store_true")

    p = command("missed", "登记未接或中断的来电（进入回电清单）", call)
    p.add_argument("--phone", required=True, help="来电号码")
    p.add_argument("--at", help="来电时间（YYYY-MM-DD HH:MM，默认现在）")
    p.add_argument("--due", help="回电期限（YYYY-MM-DD HH:MM，默认来电后 2 小时）")
    p.add_argument("--owner", help="由谁回电（姓名或编号，默认操作人）")
    p.add_argument("--note", default="", help="备注")
    p.add_argument("--json", action="store_true")

    callback = command("callback", "回电清单（未接来电、约定回电、待回访）").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    p = command("list", "列出某人的回电清单（按期限先后）", callback)
    p.add_argument("--owner", help="谁的清单（姓名或编号，默认操作人）")
    p.add_argument("--json", action="store_true")
    p = command("promise", "约定回电：在期限前给来电人回电", callback)
    p.add_argument("--phone", required=True, help="来电人号码")
    p.add_argument("--due", required=True, help="回电期限（YYYY-MM-DD HH:MM）")
    p.add_argument("--owner", help="由谁回电（姓名或编号，默认操作人）")
    p.add_argument("--request", metavar="工单", help="相关工单")
    p.add_argument("--note", default="", help="约定的内容")
    p.add_argument("--json", action="store_true")
    p = command("figures", "接通率与按时回电情况", callback)
    p.add_argument("--since", help="起（YYYY-MM-DD）")
    p.add_argument("--until", help="止（YYYY-MM-DD，含当天）")
    p.add_argument("--json", action="store_true")


def handles(args: argparse.Namespace) -> bool:
    return args.command in KB_COMMANDS or (args.command == "call" and args.action in CALL_ACTIONS)


def open_and_run(args: argparse.Namespace) -> int:
    from dongwu_tui.cli.commands import _db_path
    from dongwu_tui.cli.sessions import signed_in_desk

    desk = signed_in_desk(_db_path(args), args.actor)
    try:
        return run(desk, args)
    finally:
        desk.office.close()


def _day(text: str | None, flag: str) -> date | None:
    if not text:
        return None
    try:
        return date.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{flag} 应为 YYYY-MM-DD 格式的日期，收到「{text}」。") from None


def _moment(desk: Desk, text: str | None, flag: str) -> datetime | None:
    if not text:
        return None
    try:
        value = datetime.fromisoformat(text.strip())
    except ValueError:
        raise ValidationFailed(f"{flag} 应为「YYYY-MM-DD HH:MM」格式的时间，收到「{text}」。") from None
    return value if value.tzinfo else value.replace(tzinfo=desk.clock().tzinfo)


def _window(desk: Desk, args: argparse.Namespace) -> dict[str, datetime | None]:
    since, until = _day(args.since, "--since"), _day(args.until, "--until")
    tz = desk.clock().tzinfo
    return {"since": datetime.combine(since, datetime.min.time(), tz) if since else None,
            "until": datetime.combine(until + timedelta(days=1), datetime.min.time(), tz) if until else None}


def answer_json(desk: Desk, answer: StandardAnswer) -> dict[str, Any]:
    return {
        "id": answer.id, "ref": answer.ref, "measure": answer.measure, "version": answer.version,
        "lineage": answer.lineage_id, "title": answer.title, "body": answer.body, "keywords": answer.keywords,
        "policy_doc": answer.policy_doc, "policy_date": answer.policy_date, "valid_from": answer.valid_from,
        "valid_to": answer.valid_to, "approved": answer.approved, "approved_at": answer.approved_at,
        "superseded_by": answer.superseded_by_id, "state": answer.state_label,
        "offered_today": answer.offered_on(desk.clock().date()),
    }


def item_json(desk: Desk, item: CallbackItem) -> dict[str, Any]:
    from dongwu_tui.cli.commands import _renderer

    return {"id": item.id, "ref": item.ref, "kind": item.kind.value, "kind_name": item.kind.label,
            "phone": _renderer(desk).phone(item.phone), "due_at": item.due_at,
            "at": item.at, "owner_id": item.owner_id, "note": item.note, "request": item.request_number,
            "overdue": item.due_at < desk.clock(), "done_at": item.done_at}


def run(desk: Desk, args: argparse.Namespace) -> int:
    if args.command == "answer":
        return cmd_answer(desk, args)
    if args.command == "call":
        return cmd_missed(desk, args)
    return cmd_callback(desk, args)


def cmd_answer(desk: Desk, args: argparse.Namespace) -> int:
    kb = desk.answers
    if args.action in ("add", "approve"):
        if args.action == "add":
            answer = kb.add(measure=args.measure, title=args.title, body=args.body, keywords=args.keywords,
                            policy_doc=args.policy_doc, policy_date=_day(args.policy_date, "--policy-date"),
                            valid_from=_day(args.valid_from, "--valid-from"),
                            valid_to=_day(args.valid_to, "--valid-to"), replaces=args.replaces, reason=args.reason)
            done = "已保存标准答复（待审核）"
        else:
            answer = kb.approve(args.ref, reason=args.reason)
            done = "已审核标准答复"
        if args.json:
            print_json(answer_json(desk, answer))
        else:
            print(f"{done}：{answer.ref}，举措 {answer.measure}，第 {answer.version} 版，{answer.title}")
        return 0
    if args.action == "list":
        from dongwu_tui.cli.commands import _listed

        answers = kb.list(measure=args.measure, include_old=args.all)
        answers = _listed(args, lambda limit: answers[:limit] if limit else answers, lambda: len(answers))
        if args.json:
            print_json([answer_json(desk, a) for a in answers])
        else:
            today = desk.clock().date()
            print_table(["编号", "举措", "版本", "状态", "有效期止", "标题"],
                        [(a.ref, a.measure, a.version,
                          a.state_label if a.valid_on(today) or not a.approved else "已过期",
                          a.valid_to or "", a.title[:30]) for a in answers])
        return 0
    if args.action == "show":
        versions = kb.versions(args.ref)
        answer = kb.get(args.ref)
        if args.json:
            print_json({**answer_json(desk, answer), "versions": [answer_json(desk, v) for v in versions]})
            return 0
        print(f"{answer.title}（编号 {answer.ref}，举措 {answer.measure}，第 {answer.version} 版，{answer.state_label}）")
        if answer.policy_doc:
            print(f"政策依据：{answer.policy_doc}" + (f"（{answer.policy_date}）" if answer.policy_date else ""))
        if answer.valid_from or answer.valid_to:
            print(f"有效期：{answer.valid_from or '—'} 至 {answer.valid_to or '—'}")
        if answer.keywords:
            print(f"关键词：{answer.keywords}")
        print()
        print(answer.body)
        if len(versions) > 1:
            print(f"\n各版本（{len(versions)}）")
            print_table(["编号", "版本", "状态", "标题"], [(v.ref, v.version, v.state_label, v.title[:30]) for v in versions])
        return 0
    from dongwu_tui.domain.lifecycle import MOVE_RULES, Move

    figures = kb.figures(**_window(desk, args))
    if args.json:
        print_json(figures)
        return 0
    print("按答复：")
    print_table(["编号", "举措", "引用次数", MOVE_RULES[Move.ANSWER].label, "其后又来电", "标题"],
                [(f["ref"], f["measure"], f["uses"], f["answered"], f["repeat_calls"], f["title"][:30])
                 for f in figures["by_answer"]])
    print(f"\n从未使用的已审核答复（{len(figures['never_used'])}）")
    print_table(["编号", "举措", "版本", "标题"],
                [(f["ref"], f["measure"], f["version"], f["title"][:30]) for f in figures["never_used"]])
    return 0


def cmd_missed(desk: Desk, args: argparse.Namespace) -> int:
    item = desk.callbacks.missed(args.phone, at=_moment(desk, args.at, "--at"), due_at=_moment(desk, args.due, "--due"),
                                 owner=args.owner, note=args.note)
    if args.json:
        print_json(item_json(desk, item))
    else:
        print(f"已登记未接来电，回电期限 {item.due_at:%Y-%m-%d %H:%M}（编号 {item.ref}）")
    return 0


def cmd_callback(desk: Desk, args: argparse.Namespace) -> int:
    if args.action == "promise":
        due = _moment(desk, args.due, "--due")
        assert due is not None
        item = desk.callbacks.promise(args.phone, due_at=due, owner=args.owner, note=args.note, request=args.request)
        if args.json:
            print_json(item_json(desk, item))
        else:
            print(f"已约定回电，期限 {item.due_at:%Y-%m-%d %H:%M}（编号 {item.ref}）")
        return 0
    if args.action == "figures":
        figures = desk.callbacks.figures(**_window(desk, args))
        if args.json:
            print_json(figures)
            return 0
        rate = figures["answer_rate"]
        on_time = figures["on_time_rate"]
        print(f"接通率：{'—' if rate is None else f'{rate:.1%}'}（接听 {figures['answered_calls']}，"
              f"未接 {figures['missed_calls']}）")
        print(f"按时回电：{'—' if on_time is None else f'{on_time:.1%}'}（到期 {figures['callbacks_due']}，"
              f"已回电 {figures['callbacks_done']}，按时 {figures['callbacks_on_time']}）")
        return 0
    owner = desk.directory.staff(args.owner).id if args.owner else None
    items = desk.callbacks.queue(owner)
    if args.json:
        print_json([item_json(desk, item) for item in items])
        return 0
    from dongwu_tui.cli.commands import _renderer

    render = _renderer(desk)
    now = desk.clock()
    print_table(["编号", "类别", "号码", "期限", "", "备注"],
                [(item.ref, item.kind.label, render.phone(item.phone),
                  f"{item.due_at:%m-%d %H:%M}", "已超时" if item.due_at < now else "", item.note[:24])
                 for item in items])
    return 0
