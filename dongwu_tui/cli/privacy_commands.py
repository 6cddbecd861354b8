"""Personal-data commands: who saw a person's data, erasure, subject access export, retention."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import Any

from dongwu_tui.cli.render import print_json, print_table
from dongwu_tui.services.desk import Desk

PRIVACY_COMMANDS = ("audit", "retention")
TALENT_ACTIONS = ("erase", "export")


def add_parsers(command: Callable[..., argparse.ArgumentParser], talent: Any) -> None:
    p = command("audit", "个人信息访问记录（谁在何时因何查看或导出了某人的信息）")
    which = p.add_mutually_exclusive_group(required=True)
    which.add_argument("--talent", metavar="CARD", help="人才编号或卡号")
    which.add_argument("--exports", action="store_true", help="同步文件、通报等整体导出的记录")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p = command("erase", "删除某人的个人信息（个人信息保护法第四十七条；保留匿名的办理事实）", talent)
    p.add_argument("ref", metavar="人才", help="人才编号或卡号")
    p.add_argument("--reason", required=True, help="删除原因（必填）")
    p = command("export", "导出本单位所持有的某人的全部信息（个人查阅）", talent)
    p.add_argument("ref", metavar="人才", help="人才编号或卡号")
    p.add_argument("-o", "--output", help="写入该文件（默认输出到屏幕）")
    p = command("retention", "按数据文件的保存期限将过期的已归档工单匿名化")
    p.add_argument("--dry-run", action="store_true", help="只列出将要处理的内容，不做修改")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")


def run(desk: Desk, args: argparse.Namespace) -> int:
    if args.command == "audit":
        return cmd_audit(desk, args)
    if args.command == "retention":
        return cmd_retention(desk, args)
    if args.action == "erase":
        return cmd_erase(desk, args)
    return cmd_export(desk, args)


def cmd_audit(desk: Desk, args: argparse.Namespace) -> int:
    records = desk.privacy.exports() if args.exports else desk.privacy.accesses(args.talent)
    if args.json:
        print_json([{"at": r.at.isoformat(), "who": r.actor, "what": r.what, "what_label": r.what_label,
                     "place": r.place, "reason": r.reason, "subject": r.subject} for r in records])
    else:
        print_table(["时间", "操作人", "内容", "位置", "原因"],
                    [(f"{r.at:%Y-%m-%d %H:%M:%S}", r.actor, r.what_label + (f"（{r.subject}）" if r.subject else ""),
                      r.place, r.reason) for r in records])
    return 0


def cmd_erase(desk: Desk, args: argparse.Namespace) -> int:
    done = desk.privacy.erase(args.ref, args.reason)
    print(f"已删除该人才的个人信息：来电 {done['calls']} 条、工单 {done['requests']} 件已清除个人信息，"
          "匿名的办理事实保留；删除将随同步传至各单位。")
    return 0


def cmd_export(desk: Desk, args: argparse.Namespace) -> int:
    data = desk.privacy.subject_export(args.ref, place="dongwu talent export")
    if args.output:
        import json
        from pathlib import Path

        Path(args.output).write_text(json.dumps(data, ensure_ascii=False, indent=2, default=str) + "\n",
                                     encoding="utf-8")
        print(f"已导出到 {args.output}")
    else:
        print_json(data)
    return 0


def cmd_retention(desk: Desk, args: argparse.Namespace) -> int:
    plan = desk.privacy.retention(dry_run=args.dry_run)
    if args.json:
        print_json(plan)
        return 0
    verb = "将匿名化" if args.dry_run else "已匿名化"
    print(f"保存期限：已归档 {plan['archived_years']} 年以上的工单（归档早于 {plan['cutoff']}）")
    print(f"{verb}工单 {plan['requests']} 件、来电 {plan['calls']} 条")
    return 0
