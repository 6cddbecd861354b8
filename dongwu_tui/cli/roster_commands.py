"""`dongwu import`, `dongwu export`, `dongwu talent duplicates` and `dongwu talent merge`."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path
from typing import Any

from dongwu_tui.cli.render import print_json, print_table
from dongwu_tui.services.desk import Desk

ROSTER_COMMANDS = ("import", "export")
TALENT_ACTIONS = ("duplicates", "merge")
KIND_CHOICES = {"talents": "talents", "人才": "talents", "enterprises": "enterprises", "企业": "enterprises",
                "staff": "staff", "工作人员": "staff"}


def _kind(text: str) -> str:
    value = KIND_CHOICES.get(text.strip())
    if value is None:
        raise argparse.ArgumentTypeError(f"「{text}」不是可导入导出的名册，可选：talents（人才）、enterprises（企业）、staff（工作人员）")
    return value


def add_parsers(command: Any, talent: Any) -> None:
    """Register the commands (`command(name, help[, parent])` is main.build_parser's helper; `talent` the
    subparsers of `dongwu talent`)."""
    p = command("import", "从 Excel 工作簿（.xlsx/.xls）或 CSV 导入人才、企业或工作人员名册")
    p.add_argument("kind", type=_kind, metavar="名册", help="talents（人才）、enterprises（企业）或 staff（工作人员）")
    p.add_argument("file", type=Path, metavar="文件", help="要导入的 .xlsx、.xls 或 .csv 文件")
    p.add_argument("--map", action="append", default=[], metavar="表头=列",
                   help="指明文件的某一列对应哪一项，如「手机号码=手机」；「表头=」表示忽略该列；可多次使用")
    p.add_argument("--save-mapping", action="store_true", help="保存本次的列对应，以后导入同类名册时自动使用")
    p.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    p.add_argument("--all-or-nothing", action="store_true", help="有任何一行不合格就整份不导入")
    p.add_argument("--errors", type=Path, metavar="文件", help="未导入行的工作簿（默认：原文件名-未导入.xlsx）")
    p.add_argument("--json", action="store_true", help="以 JSON 输出每一行的结果")
    p = command("export", "把人才、企业或工作人员名册导出为 Excel 工作簿或 CSV（表头与导入相同）")
    p.add_argument("kind", type=_kind, metavar="名册", help="talents（人才）、enterprises（企业）或 staff（工作人员）")
    p.add_argument("-o", "--output", type=Path, required=True, help="输出文件（.xlsx 或 .csv）")
    p = command("duplicates", "列出可能重复登记的人才（证件号、卡号相同，或手机与姓名相近）", talent)
    p.add_argument("--json", action="store_true", help="以 JSON 输出")
    p = command("merge", "合并重复登记的人才：保留一条，来电、工单移到保留的人才名下（督办负责人）", talent)
    p.add_argument("keep", metavar="保留", help="保留的人才（编号、卡号或手机号）")
    p.add_argument("other", metavar="并入", help="并入后注销的人才（编号、卡号或手机号）")
    p.add_argument("--take", action="append", default=[], metavar="字段",
                   help="该项取并入人才的值（如 手机、身份证号、企业）；可多次使用，默认全部取保留人才的值")
    p.add_argument("--reason", default="", help="合并原因")
    p.add_argument("--json", action="store_true", help="以 JSON 输出")


def run(desk: Desk, args: argparse.Namespace) -> int:
    if args.command == "import":
        return cmd_import(desk, args)
    if args.command == "export":
        return cmd_export(desk, args)
    if args.action == "duplicates":
        return cmd_duplicates(desk, args)
    return cmd_merge(desk, args)


def cmd_import(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.cli.progress import progress_bar
    from dongwu_tui.domain.safetext import printable
    from dongwu_tui.services.roster import (
        RosterService,
        error_workbook_path,
        parse_mapping,
        save_mapping,
        write_error_workbook,
    )

    mapping = parse_mapping(args.kind, args.map)
    service = RosterService(desk)
    with progress_bar({"check": "检查", "write": "写入"}) as shown:
        result = service.import_file(args.kind, args.file, mapping=mapping, dry_run=args.dry_run,
                                     all_or_nothing=args.all_or_nothing, progress=shown)
    if args.save_mapping and mapping and not args.dry_run:
        save_mapping(desk, args.kind, mapping)
    errors = None
    if result.rejected_rows:
        errors = write_error_workbook(result, args.errors or error_workbook_path(args.file))
    if args.json:
        print_json({"kind": result.kind, "written": result.written, "unknown_headers": result.unknown_headers,
                    "created": result.count("created"), "updated": result.count("updated"),
                    "unchanged": result.count("unchanged"), "rejected": result.count("rejected"),
                    "enterprises_created": result.enterprises_created,
                    "errors_file": str(errors) if errors else None,
                    "rows": [{"line": o.line, "action": o.action, "who": o.label, "detail": o.detail}
                             for o in result.outcomes]})
    else:
        if result.unknown_headers:
            print(f"未识别的列（已忽略）：{'、'.join(printable(h) for h in result.unknown_headers)}")
        for o in result.outcomes:
            if o.action == "updated":
                print(f"第 {o.line} 行：更新 {printable(o.label)}：{o.detail}")
        print(result.summary)
        if errors:
            print(f"未导入的行及原因已写入 {errors}，修改后可再次导入。")
    if args.all_or_nothing and result.rejected_rows and not args.dry_run:
        sys.stderr.write(f"错误：有 {len(result.rejected_rows)} 行不合格，按 --all-or-nothing 整份未导入"
                         f"（原因见 {errors}）。\n")
        return 2
    return 0


def cmd_export(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.services.roster import KIND_LABELS, RosterService

    count = RosterService(desk).export_file(args.kind, args.output)
    print(f"已导出{KIND_LABELS[args.kind]} {count} 条到 {args.output}")
    return 0


def cmd_duplicates(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.services.duplicates import find_duplicates

    groups = find_duplicates(desk)
    if args.json:
        print_json([{"kind": g.kind, "reason": g.reason, "score": g.score,
                     "talents": [{"id": t[0], "name": t[1], "card_no": t[2]} for t in g.talents]} for g in groups])
        return 0
    print_table(["类型", "依据", "人才"],
                [("确定重复" if g.kind == "exact" else "疑似重复", g.reason,
                  " / ".join(f"{name}（{card or tid}）" for tid, name, card in g.talents)) for g in groups])
    return 0


def cmd_merge(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.services.duplicates import merge_talents

    merged = merge_talents(desk, args.keep, args.other, take=args.take, reason=args.reason)
    if args.json:
        print_json(merged)
        return 0
    print(f"已合并：{merged['other_name']} 并入 {merged['keep_name']}，移过来电 {merged['calls']} 条、"
          f"工单 {merged['requests']} 件")
    return 0


def handles(args: argparse.Namespace) -> bool:
    return args.command in ROSTER_COMMANDS or (args.command == "talent" and args.action in TALENT_ACTIONS)


def open_and_run(args: argparse.Namespace) -> int:
    from dongwu_tui.cli.commands import _db_path
    from dongwu_tui.cli.sessions import signed_in_desk

    desk = signed_in_desk(_db_path(args), args.actor)
    try:
        return run(desk, args)
    finally:
        desk.office.close()
