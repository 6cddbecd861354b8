"""The `dongwu` command: the scriptable twin of the screens.

Exit codes: 0 success; 2 bad input, a refused move or an unusable database (one Chinese line on
stderr); 1 an internal error (a line on stderr, the traceback in the log file); 130 interrupted.
"""

from __future__ import annotations

import gc
import logging
import sys
import traceback
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import DeskError
from dongwu_tui.domain.safetext import printable

if TYPE_CHECKING:
    import argparse

# Imported by the commands that need them, never by the desk itself (start-up, issue 6): argparse and the
# parser, the report and sync command modules, the command handlers and their renderer
# (tests/ui/test_ui_layering.py checks it).

EXIT_OK, EXIT_INTERNAL, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130

MOVES = [
    "answer", "dispatch", "sign", "progress", "resolve", "visit", "archive", "return", "reassign", "extend",
    "approve-extension", "refuse-extension", "merge", "chase", "supervise",
]


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    import argparse

    default = None if top else argparse.SUPPRESS
    parser.add_argument("--db", type=Path, default=default, help="数据库文件（默认：本机用户数据目录下的 office.db）")
    parser.add_argument("--as", dest="actor", default=default, metavar="STAFF", help="操作人（姓名或编号）")


def _listing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.add_argument("--limit", type=int, default=50, help="最多显示多少条（默认 50，0 表示全部）")


def build_parser() -> argparse.ArgumentParser:
    from dongwu_tui.cli.chinese_argparse import ChineseArgumentParser

    parser = ChineseArgumentParser(prog="dongwu", description="东吴人才服务台：来电登记、人才服务工单与督办")
    _common(parser, top=True)
    sub = parser.add_subparsers(dest="command", metavar="命令", parser_class=ChineseArgumentParser)

    def command(name: str, help_text: str, parent: argparse._SubParsersAction = sub) -> argparse.ArgumentParser:
        p = parent.add_parser(name, help=help_text, description=help_text)
        _common(p)
        return p

    p = command("init", "创建本单位的数据库")
    p.add_argument("--site", required=True, help="本单位名称，如：吴中区高层次人才服务中心")
    p.add_argument("--kind", required=True, choices=["district", "township", "zone"], help="单位类型")
    p.add_argument("--township", help="所属板块（镇街道或开发区单位必填，可用名称或代码）")
    p.add_argument("--code", help="单位代码（用于工单编号，默认按板块生成）")
    p.add_argument("--admin", default="系统管理员", help="首位管理员的姓名")

    p = command("demo", "生成演示数据库（可重复：同一种子生成同样的数据）")
    p.add_argument("--talents", type=int, default=2000, help="人才数量（默认 2000）")
    p.add_argument("--seed", type=int, default=2026, help="随机种子")
    p.add_argument("--if-missing", action="store_true", help="数据库已存在时直接使用，不重新生成")

    command("summary", "显示数据库概况")

    staff = command("staff", "工作人员").add_subparsers(dest="action", metavar="操作", required=True,
                                                      parser_class=ChineseArgumentParser)
    p = command("add", "添加工作人员", staff)
    p.add_argument("--name", required=True)
    p.add_argument("--role", required=True, choices=["operator", "specialist", "supervisor", "admin"])
    p.add_argument("--office", help="所在单位（名称或代码，默认本单位）")
    p.add_argument("--phone")
    p = command("list", "列出工作人员", staff)
    p.add_argument("--role", choices=["operator", "specialist", "supervisor", "admin"])
    p.add_argument("--office")
    _listing(p)

    site = command("site", "单位（区中心、镇街道、开发区）").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    p = command("add", "添加单位", site)
    p.add_argument("--code", required=True)
    p.add_argument("--name", required=True)
    p.add_argument("--kind", required=True, choices=["district", "township", "zone"])
    p.add_argument("--township")
    p = command("list", "列出单位", site)
    _listing(p)

    enterprise = command("enterprise", "人才企业").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    p = command("add", "登记企业", enterprise)
    p.add_argument("--name", required=True)
    p.add_argument("--credit-code", required=True, help="统一社会信用代码")
    p.add_argument("--township")
    p.add_argument("--industry")
    p = command("list", "列出企业", enterprise)
    _listing(p)

    talent = command("talent", "人才").add_subparsers(dest="action", metavar="操作", required=True,
                                                      parser_class=ChineseArgumentParser)
    p = command("add", "登记人才", talent)
    _talent_fields(p, required=True)
    p = command("edit", "修改人才信息", talent)
    p.add_argument("ref", help="人才编号、卡号或手机号")
    _talent_fields(p, required=False)
    p.add_argument("--reason", default="", help="修改原因")
    p = command("list", "列出人才", talent)
    p.add_argument("--township")
    p.add_argument("--category")
    p.add_argument("--specialist")
    _listing(p)
    p = command("show", "查看人才档案（含来电和工单）", talent)
    p.add_argument("ref", help="人才编号、卡号或手机号")
    p.add_argument("--json", action="store_true")

    call = command("call", "来电").add_subparsers(dest="action", metavar="操作", required=True,
                                                 parser_class=ChineseArgumentParser)
    p = command("log", "登记来电", call)
    p.add_argument("--phone", required=True, help="来电号码")
    p.add_argument("--summary", required=True, help="来电摘要")
    p.add_argument("--measure", type=int, help="服务举措编号 1–18")
    p.add_argument("--outcome", default="request", choices=["answered", "request", "transfer"],
                   help="answered 当场答复；request 转工单；transfer 转接")
    p.add_argument("--resolution", default="", help="当场答复的内容")
    p.add_argument("--direction", default="in", choices=["in", "out", "callback"])
    p.add_argument("--duration", type=int, default=0, help="通话时长（秒）")
    p.add_argument("--attach", metavar="REQUEST", help="关联到已有的未办结工单（重复来电）")
    p.add_argument("--new", action="store_true", help="已有同类工单时仍另开新工单")
    p.add_argument("--dispatch-to", metavar="OFFICE", help="转工单后立即派给该单位")
    p.add_argument("--dispatch-staff", metavar="STAFF", help="转工单后立即派给该专员")
    p.add_argument("--confidential", action="store_true", help="应来电人要求保密")
    p.add_argument("--name", help="新来电人姓名（号码未登记时新建人才）")
    p.add_argument("--category", help="新来电人的人才类别")
    p.add_argument("--township", help="新来电人的所属板块")
    p.add_argument("--json", action="store_true")
    p = command("list", "列出来电", call)
    p.add_argument("--phone")
    _listing(p)

    request = command("request", "人才服务工单").add_subparsers(dest="action", metavar="操作", required=True,
                                                        parser_class=ChineseArgumentParser)
    p = command("list", "列出工单", request)
    p.add_argument("--status", choices=["new", "dispatched", "in_progress", "resolved", "visited", "archived",
                                        "returned", "merged"])
    p.add_argument("--measure", type=int)
    p.add_argument("--township")
    p.add_argument("--assignee")
    p.add_argument("--talent")
    p.add_argument("--overdue", action="store_true", help="只看已超期的")
    _listing(p)
    p = command("show", "查看工单及其全部记录", request)
    p.add_argument("ref", help="工单编号或 ID")
    p.add_argument("--json", action="store_true")
    for move in MOVES:
        p = command(move, f"工单操作：{move}", request)
        p.add_argument("ref", help="工单编号或 ID")
        p.add_argument("--reason", default="", help="原因、说明或办理结果")
        if move in ("dispatch", "reassign"):
            p.add_argument("--to", dest="to_site", help="承办单位（名称或代码）")
            p.add_argument("--staff", dest="to_staff", help="承办专员")
        if move == "visit":
            group = p.add_mutually_exclusive_group(required=True)
            group.add_argument("--satisfied", dest="satisfied", action="store_true", help="满意")
            group.add_argument("--unsatisfied", dest="satisfied", action="store_false", help="不满意（退回重办）")
        if move == "extend":
            p.add_argument("--days", type=int, required=True, help="申请延期的工作日数")
        if move == "merge":
            p.add_argument("--into", required=True, help="并入的工单")
        p.add_argument("--json", action="store_true")

    p = command("stats", "办结情况统计（按举措、类别、板块、专员）")
    p.add_argument("--since", help="受理日期起（YYYY-MM-DD）")
    p.add_argument("--until", help="受理日期止（YYYY-MM-DD）")
    p.add_argument("--json", action="store_true")
    from dongwu_tui.cli import report_commands
    from dongwu_tui.cli.sync_commands import add_sync_parser  # issue 4

    report_commands.add_stats_period(p)
    report_commands.add_parsers(command)

    add_sync_parser(command)
    return parser


def _talent_fields(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("--name", required=required)
    p.add_argument("--phone", required=required)
    if required:
        p.add_argument("--id-number", help="居民身份证号码")
        p.add_argument("--passport", help="护照号码（外籍人才）")
    p.add_argument("--category", required=required, help="人才类别（名称或代码）")
    p.add_argument("--level", help="人才工程层级")
    p.add_argument("--enterprise", help="所在企业（名称或统一社会信用代码）")
    p.add_argument("--township", help="所属板块")
    p.add_argument("--specialist", help="联系专员")
    p.add_argument("--card", help="东吴人才卡号")
    p.add_argument("--notes")
    if required:
        p.add_argument("--json", action="store_true")


def _log_internal_error() -> Path | None:
    try:
        from dongwu_tui.storage.paths import user_log_path

        path = user_log_path()
        path.parent.mkdir(parents=True, exist_ok=True)
        with path.open("a", encoding="utf-8") as handle:
            handle.write(traceback.format_exc())
        return path
    except OSError:
        return None


def desk_arguments(argv: Sequence[str]) -> Any | None:
    """`dongwu [--db PATH] [--as STAFF]` and nothing else (opening the desk), read without building the full
    parser: its forty-odd subcommand parsers and the modules that define them cost start-up time (issue 6).
    Anything else (a command, --help, an abbreviation, a missing value) returns None for the full parser,
    which then gives its usual answer or error."""
    values: dict[str, str | None] = {"--db": None, "--as": None}
    i = 0
    while i < len(argv):
        name, equals, value = argv[i].partition("=")
        if name not in values:
            return None
        if not equals:
            if i + 1 >= len(argv) or argv[i + 1].startswith("-"):
                return None
            i += 1
            value = argv[i]
        if not value:
            return None
        values[name] = value
        i += 1
    db = values["--db"]
    return SimpleNamespace(db=Path(db) if db is not None else None, actor=values["--as"], command=None)


def _open_desk_screens(args: Any) -> int:
    """No command: the desk screens (the summary when not on a terminal). The first frame is drawn before the
    database is opened and before the modules that open it are imported (ui/app.py `open_and_run`)."""
    if not (sys.stdin.isatty() and sys.stdout.isatty()):
        from dongwu_tui.cli.commands import run

        return run(args)
    # Start-up makes about a million objects that live as long as the desk (modules, classes, widgets, style
    # rules); the cyclic collector would walk them ~150 times before the first frame and find nothing. It is
    # off until then; DeskApp freezes what start-up made and switches it back on after the first frame.
    gc.disable()
    try:
        from dongwu_tui.ui.app import open_and_run  # Textual is imported only on this path

        return open_and_run(args.db, args.actor)
    finally:
        gc.enable()


def main(argv: Sequence[str] | None = None) -> int:
    logging.basicConfig(level=logging.WARNING)
    args = desk_arguments(sys.argv[1:] if argv is None else argv)
    if args is None:
        args = build_parser().parse_args(argv)
    try:
        if args.command is None:
            return _open_desk_screens(args)
        if args.command not in ("init", "demo"):  # these print no stored text; demo redraws its progress line
            from dongwu_tui.cli.render import guard_output

            guard_output()
        from dongwu_tui.cli import report_commands

        if args.command in report_commands.REPORT_COMMANDS:
            from dongwu_tui.cli.commands import _db_path
            from dongwu_tui.services.setup import open_desk

            desk = open_desk(_db_path(args), args.actor)
            try:
                return report_commands.run(desk, args)
            finally:
                desk.office.close()
        if args.command == "sync":  # issue 4
            from dongwu_tui.cli.sync_commands import run_sync

            return run_sync(args)
        from dongwu_tui.cli.commands import run

        return run(args)
    except DeskError as error:
        sys.stderr.write(f"错误：{printable(error.message)}\n")  # messages quote names and typed refs
        return EXIT_REFUSED
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback on the terminal
        where = _log_internal_error()
        note = f"，详情已记录在 {where}" if where else ""
        sys.stderr.write(f"内部错误：{type(error).__name__}: {error}{note}。\n")
        return EXIT_INTERNAL


if __name__ == "__main__":
    sys.exit(main())
