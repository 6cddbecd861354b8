"""The `dongwu` command: the scriptable twin of the screens.

Exit codes: 0 success; 2 bad input, a refused move or an unusable database (one Chinese line on
stderr); 1 an internal error (a line on stderr, the traceback in the log file); 130 interrupted.
"""

from __future__ import annotations

import errno
import gc
import logging
import sys
from collections.abc import Sequence
from pathlib import Path
from types import SimpleNamespace
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import DeskError
from dongwu_tui.domain.safetext import printable

if TYPE_CHECKING:
    import argparse

# Imported by the commands that need them, never by the desk itself (start-up): argparse and the
# parser, the report and sync command modules, the command handlers and their renderer
# (tests/ui/test_ui_layering.py checks it).

EXIT_OK, EXIT_INTERNAL, EXIT_REFUSED, EXIT_INTERRUPTED = 0, 1, 2, 130


def __getattr__(name: str) -> Any:
    # MOVES: the request moves' subcommands, from the move table (domain/lifecycle.py), read when asked for so
    # that opening the desk does not import the table.
    if name == "MOVES":
        from dongwu_tui.domain.lifecycle import MOVE_RULES

        return [str(move) for move in MOVE_RULES]
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


def integer(text: str) -> int:
    """An integer option: a whole number that SQLite can store (64-bit), refused in Chinese otherwise."""
    import argparse

    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"应为整数，收到「{text}」") from None
    if not -(2**63) <= value < 2**63:
        raise argparse.ArgumentTypeError(f"数值 {text} 过大")
    return value


def _choices(kind: str, help_text: str) -> dict[str, Any]:
    """An option with a fixed set of values: the English value or its Chinese name is accepted (值 or 中文),
    and the help lists each value with its meaning."""
    import argparse

    from dongwu_tui.domain.models import CallDirection, CallOutcome, Status, VisitResult
    from dongwu_tui.domain.roles import Role, SiteKind

    enum: Any = {"role": Role, "kind": SiteKind, "status": Status, "outcome": CallOutcome,
                 "direction": CallDirection, "visit": VisitResult}[kind]
    members = [m for m in enum if not (enum is CallOutcome and m is CallOutcome.ATTACHED)]  # set by --attach
    by_label = {m.label: m.value for m in members}

    def value(text: str) -> str:
        return by_label.get(text.strip(), text.strip())

    value.__name__ = kind
    meanings = "，".join(f"{m.value} {m.label}" for m in members)
    return {"choices": [m.value for m in members], "type": value, "help": f"{help_text}：{meanings}",
            "metavar": "{" + ",".join(m.value for m in members) + "}"}


def _common(parser: argparse.ArgumentParser, *, top: bool = False) -> None:
    import argparse

    default = None if top else argparse.SUPPRESS
    parser.add_argument("--db", type=Path, default=default, help="数据库文件（默认：本机用户数据目录下的 office.db）")
    parser.add_argument("--as", dest="actor", default=default, metavar="STAFF", help="操作人（姓名或编号）")


def _listing(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--json", action="store_true", help="以 JSON 输出")
    parser.add_argument("--limit", type=integer, default=50, help="最多显示多少条（默认 50，0 表示全部）")


def build_parser() -> argparse.ArgumentParser:
    import argparse

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
    p.add_argument("--kind", required=True, **_choices("kind", "单位类型"))
    p.add_argument("--township", help="所属板块（镇街道或开发区单位必填，可用名称或代码）")
    p.add_argument("--code", help="单位代码（用于工单编号，默认按板块生成）")
    p.add_argument("--admin", default="系统管理员", help="首位管理员的姓名")
    p.add_argument("--encrypt", action=argparse.BooleanOptionalAction, default=None,
                   help="加密数据库（镇街道、开发区默认加密，区中心默认不加密）；管理员密码取自 DONGWU_PASSWORD 或终端输入")
    p.add_argument("--password-stdin", action="store_true", help="从标准输入的第一行读取管理员密码（供脚本使用）")
    p.add_argument("--password-file", type=Path, help="从文件的第一行读取管理员密码")

    command("encrypt", "把本单位的数据库就地加密（须由管理员用 --as 操作，并设置其密码）")
    command("decrypt", "把加密的数据库就地解密（管理员密码，或环境变量 DONGWU_RECOVERY_KEY 中的恢复密钥）")
    keys = command("key", "加密数据库的密钥（每位工作人员一把，由各自的密码保护）").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    command("list", "列出有密钥的人员", keys)
    for name, help_text in (("add", "为工作人员添加密钥（新密码取自 DONGWU_NEW_PASSWORD 或终端输入）"),
                            ("remove", "删除工作人员的密钥")):
        p = command(name, help_text, keys)
        p.add_argument("--staff", required=True, help="工作人员（姓名或编号）")
        p.add_argument("--reason", default="", help="原因")
    command("passwd", "修改自己的密码（原密码取自 DONGWU_PASSWORD，新密码取自 DONGWU_NEW_PASSWORD 或终端输入）", keys)
    command("recovery", "换一把新的恢复密钥（旧的随即作废）", keys)

    p = command("demo", "生成演示数据库（可重复：同一种子生成同样的数据）")
    p.add_argument("--talents", type=integer, default=2000, help="人才数量（默认 2000）")
    p.add_argument("--seed", type=integer, default=2026, help="随机种子")
    p.add_argument("--if-missing", action="store_true", help="数据库已存在时直接使用，不重新生成")

    command("summary", "显示数据库概况")
    from dongwu_tui.cli import account_commands

    account_commands.add_parsers(command)

    staff = command("staff", "工作人员").add_subparsers(dest="action", metavar="操作", required=True,
                                                      parser_class=ChineseArgumentParser)
    p = command("add", "添加工作人员", staff)
    p.add_argument("--name", required=True, help="姓名")
    p.add_argument("--role", required=True, **_choices("role", "角色"))
    p.add_argument("--office", help="所在单位（名称或代码，默认本单位）")
    p.add_argument("--phone", help="联系电话")
    p = command("password", "为工作人员设置临时密码（管理员；其下次登录时须修改）", staff)
    p.add_argument("name", metavar="姓名", help="工作人员的姓名或编号")
    account_commands.password_options(p, lines="第一行为临时密码")
    p = command("list", "列出工作人员", staff)
    p.add_argument("--role", **_choices("role", "只看该角色"))
    p.add_argument("--office", help="只看该单位（名称或代码）")
    _listing(p)

    site = command("site", "单位（区中心、镇街道、开发区、职能部门）").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    p = command("add", "添加单位", site)
    p.add_argument("--code", required=True, help="单位代码（小写字母、数字，用于工单编号）")
    p.add_argument("--name", required=True, help="单位名称")
    p.add_argument("--kind", required=True, **_choices("kind", "单位类型"))
    p.add_argument("--township", help="所属板块（名称或代码）")
    p = command("list", "列出单位", site)
    _listing(p)

    enterprise = command("enterprise", "人才企业").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    p = command("add", "登记企业", enterprise)
    p.add_argument("--name", required=True, help="企业名称")
    p.add_argument("--credit-code", required=True, help="统一社会信用代码")
    p.add_argument("--township", help="所在板块（名称或代码）")
    p.add_argument("--industry", help="所属行业（名称或代码）")
    p = command("list", "列出企业", enterprise)
    _listing(p)

    talent = command("talent", "人才").add_subparsers(dest="action", metavar="操作", required=True,
                                                      parser_class=ChineseArgumentParser)
    p = command("add", "登记人才", talent)
    _talent_fields(p, required=True)
    p = command("edit", "修改人才信息", talent)
    p.add_argument("ref", metavar="人才", help="人才编号、卡号或手机号")
    _talent_fields(p, required=False)
    p.add_argument("--reason", default="", help="修改原因")
    p = command("list", "列出人才", talent)
    p.add_argument("--township", help="只看该板块（名称或代码）")
    p.add_argument("--category", help="只看该人才类别（名称或代码）")
    p.add_argument("--specialist", help="只看该专员联系的人才（姓名或编号）")
    _listing(p)
    p = command("show", "查看人才档案（含来电和工单）", talent)
    p.add_argument("ref", metavar="人才", help="人才编号、卡号或手机号")
    p.add_argument("--json", action="store_true")
    p.add_argument("--reveal", action="store_true", help="显示完整号码（须填写 --reason，将记录在案）")
    p.add_argument("--reason", default="", help="显示完整号码的原因")

    call = command("call", "来电").add_subparsers(dest="action", metavar="操作", required=True,
                                                 parser_class=ChineseArgumentParser)
    p = command("log", "登记来电", call)
    p.add_argument("--phone", required=True, help="来电号码")
    p.add_argument("--summary", required=True, help="来电摘要")
    p.add_argument("--measure", type=integer, help="服务举措编号 1–18")
    p.add_argument("--outcome", default="request", **_choices("outcome", "处理方式（默认 request）"))
    p.add_argument("--resolution", default="", help="当场答复的内容")
    p.add_argument("--direction", default="in", **_choices("direction", "方向（默认 in）"))
    p.add_argument("--duration", type=integer, default=0, help="通话时长（秒）")
    p.add_argument("--attach", metavar="REQUEST", help="关联到已有的未办结工单（重复来电）")
    p.add_argument("--new", action="store_true", help="已有同类工单时仍另开新工单")
    p.add_argument("--dispatch-to", metavar="OFFICE", help="转工单后立即派给该单位")
    p.add_argument("--dispatch-staff", metavar="STAFF", help="转工单后立即派给该专员")
    p.add_argument("--confidential", action="store_true", help="应来电人要求保密")
    p.add_argument("--name", help="新来电人姓名（号码未登记时新建人才）")
    p.add_argument("--category", help="新来电人的人才类别")
    p.add_argument("--township", help="新来电人的所属板块")
    p.add_argument("--answer", metavar="答复", help="当场答复引用的标准答复（编号）")
    p.add_argument("--json", action="store_true")
    p = command("list", "列出来电", call)
    p.add_argument("--phone", help="只看该号码的来电")
    _listing(p)

    request = command("request", "人才服务工单").add_subparsers(dest="action", metavar="操作", required=True,
                                                        parser_class=ChineseArgumentParser)
    p = command("list", "列出工单", request)
    p.add_argument("--status", **_choices("status", "只看该状态"))
    p.add_argument("--measure", type=integer, help="只看该服务举措（编号 1–18）")
    p.add_argument("--township", help="只看该板块（名称或代码）")
    p.add_argument("--assignee", help="只看该专员承办的（姓名或编号）")
    p.add_argument("--talent", help="只看该人才的（编号、卡号或手机号）")
    p.add_argument("--overdue", action="store_true", help="只看已超期的")
    _listing(p)
    p = command("show", "查看工单及其全部记录", request)
    p.add_argument("ref", metavar="工单", help="工单编号或 ID")
    p.add_argument("--json", action="store_true")
    from dongwu_tui.domain.lifecycle import MOVE_RULES, MoveInput

    for move, rule in MOVE_RULES.items():  # one subcommand per move of the table, asking what the move declares
        p = command(str(move), f"工单操作：{rule.label}", request)
        p.add_argument("ref", metavar="工单", help="工单编号或 ID")
        if rule.needs_reason:
            p.add_argument("--reason", default="", help=f"{rule.reason_label}（必填）")
        else:
            p.add_argument("--reason", default="", help=f"{'备注' if rule.reason_label == '原因' else rule.reason_label}"
                                                        "（可不填）")
        if MoveInput.OFFICE in rule.inputs:
            p.add_argument("--to", dest="to_site", help="承办单位（名称或代码）")
            p.add_argument("--staff", dest="to_staff", help="承办专员")
        if MoveInput.VISIT in rule.inputs:
            group = p.add_mutually_exclusive_group(required=True)
            group.add_argument("--satisfied", dest="satisfied", action="store_true", help="满意")
            group.add_argument("--unsatisfied", dest="satisfied", action="store_false", help="不满意（退回重办）")
            group.add_argument("--result", dest="visit_result", **_choices("visit", "回访结果"))
            solved = p.add_mutually_exclusive_group()
            solved.add_argument("--solved", dest="solved", action="store_true", default=None, help="诉求已解决")
            solved.add_argument("--unsolved", dest="solved", action="store_false", help="诉求未解决")
        if MoveInput.RESTART in rule.inputs:
            p.add_argument("--restart-clock", action="store_true",
                           help="认定首次派单有误，办理时限从本次改派重新起算（须填写改派说明）")
        if MoveInput.FINDING in rule.inputs:
            finding = p.add_mutually_exclusive_group(required=True)
            finding.add_argument("--reasonable", dest="reasonable", action="store_true", default=None,
                                 help="甄别：不满意诉求合理")
            finding.add_argument("--unreasonable", dest="reasonable", action="store_false",
                                 help="甄别：不满意诉求不合理")
        if MoveInput.DAYS in rule.inputs:
            p.add_argument("--days", type=integer, required=True, help="申请延期的工作日数")
        if MoveInput.TARGET in rule.inputs:
            p.add_argument("--into", required=True, help="并入的工单")
        p.add_argument("--json", action="store_true")

    p = command("stats", "办结情况统计（按举措、类别、板块、专员）")
    p.add_argument("--since", help="受理日期起（YYYY-MM-DD）")
    p.add_argument("--until", help="受理日期止（YYYY-MM-DD）")
    p.add_argument("--json", action="store_true")
    from dongwu_tui.cli import report_commands
    from dongwu_tui.cli.sync_commands import add_sync_parser

    report_commands.add_stats_period(p)
    report_commands.add_parsers(command)

    add_sync_parser(command)
    from dongwu_tui.cli import roster_commands

    roster_commands.add_parsers(command, talent)
    from dongwu_tui.cli import privacy_commands

    privacy_commands.add_parsers(command, talent)
    from dongwu_tui.cli import kb_commands

    kb_commands.add_parsers(command, call, integer)
    from dongwu_tui.cli.serve_commands import add_parser as add_serve_parser

    add_serve_parser(command)
    return parser


def _talent_fields(p: argparse.ArgumentParser, *, required: bool) -> None:
    p.add_argument("--name", required=required, help="姓名")
    p.add_argument("--phone", required=required, help="手机号码或座机号码")
    if required:
        p.add_argument("--id-number", help="居民身份证号码")
        p.add_argument("--passport", help="护照号码（外籍人才）")
    p.add_argument("--category", required=required, help="人才类别（名称或代码）")
    p.add_argument("--level", help="人才工程层级")
    p.add_argument("--enterprise", help="所在企业（名称或统一社会信用代码）")
    p.add_argument("--township", help="所属板块")
    p.add_argument("--specialist", help="联系专员")
    p.add_argument("--card", help="东吴人才卡号")
    p.add_argument("--notes", help="备注")
    if required:
        p.add_argument("--json", action="store_true")


def _as_desk_error(error: BaseException) -> DeskError | None:
    """What an exception means to the user, when it is about their input or their database rather than a
    bug: a database failure, met while reading or writing, and an identifier the domain refused
    outside a service's validation."""
    if isinstance(error, DeskError):
        return error
    from dongwu_tui.domain.identifiers import InvalidIdentifier

    if isinstance(error, InvalidIdentifier):
        from dongwu_tui.domain.errors import ValidationFailed

        text = str(error)
        return ValidationFailed(text if text.endswith("。") else f"{text}。")
    if "peewee" in sys.modules or "sqlite3" in sys.modules:
        from dongwu_tui.storage.database import as_storage_error

        storage = as_storage_error(error)
        if storage is not None:
            return storage
    if isinstance(error, OSError) and error.errno in _FILE_PROBLEMS:
        from dongwu_tui.domain.errors import StorageError

        name = f" {error.filename}" if error.filename else ""
        return StorageError(f"无法读写文件{name}：{_FILE_PROBLEMS[error.errno]}。")
    return None


# A file or folder named on the command line that cannot be used: the user's to fix, not a bug.
_FILE_PROBLEMS = {
    errno.ENOENT: "文件或文件夹不存在", errno.EACCES: "没有权限", errno.EPERM: "没有权限",
    errno.ENAMETOOLONG: "文件名太长", errno.ENOTDIR: "路径中有一段不是文件夹", errno.EISDIR: "这是一个文件夹，不是文件",
    errno.ENOSPC: "磁盘空间已满", errno.EROFS: "所在的磁盘是只读的", errno.EEXIST: "文件已存在",
    errno.EINVAL: "文件名不可用",
}


def desk_arguments(argv: Sequence[str]) -> Any | None:
    """`dongwu [--db PATH] [--as STAFF]` and nothing else (opening the desk), read without building the full
    parser: its forty-odd subcommand parsers and the modules that define them cost start-up time.
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
    import os

    # A browser session of `dongwu serve` talks through pipes (textual-serve's web driver), not a terminal.
    in_browser = os.environ.get("DONGWU_SERVE") == "1"
    if not in_browser and not (sys.stdin.isatty() and sys.stdout.isatty()):
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
    from dongwu_tui import logfile
    from dongwu_tui.storage.paths import private_umask

    private_umask()  # the database, its WAL, the log and every export: owner-only (storage/paths.py)
    logfile.install()
    args = desk_arguments(sys.argv[1:] if argv is None else argv)
    if args is None:
        args = build_parser().parse_args(argv)
    try:
        _ask_password(args)
        if args.command is None:
            return _open_desk_screens(args)
        if args.command not in ("init", "demo"):  # these print no stored text; demo redraws its progress line
            from dongwu_tui.cli.render import guard_output

            guard_output()
        from dongwu_tui.cli import report_commands

        if args.command in report_commands.REPORT_COMMANDS:
            from dongwu_tui.cli.commands import _db_path
            from dongwu_tui.cli.sessions import signed_in_desk

            desk = signed_in_desk(_db_path(args), args.actor)
            try:
                return report_commands.run(desk, args)
            finally:
                desk.office.close()
        from dongwu_tui.cli import privacy_commands

        if args.command in privacy_commands.PRIVACY_COMMANDS or (
                args.command == "talent" and args.action in privacy_commands.TALENT_ACTIONS):
            from dongwu_tui.cli.commands import _db_path
            from dongwu_tui.cli.sessions import signed_in_desk

            desk = signed_in_desk(_db_path(args), args.actor)
            try:
                return privacy_commands.run(desk, args)
            finally:
                desk.office.close()
        from dongwu_tui.cli import roster_commands

        if roster_commands.handles(args):
            return roster_commands.open_and_run(args)
        if args.command in ("login", "logout", "password"):
            from dongwu_tui.cli import account_commands

            return account_commands.run(args)
        from dongwu_tui.cli import kb_commands

        if kb_commands.handles(args):
            return kb_commands.open_and_run(args)
        if args.command == "sync":
            from dongwu_tui.cli.sync_commands import run_sync

            return run_sync(args)
        if args.command == "serve":
            from dongwu_tui.cli.serve_commands import run_serve

            return run_serve(args)
        from dongwu_tui.cli.commands import run

        return run(args)
    except KeyboardInterrupt:
        sys.stderr.write("已中断。\n")
        return EXIT_INTERRUPTED
    except BrokenPipeError:
        return EXIT_OK
    except Exception as error:  # noqa: BLE001 - the last line of defence: no traceback on the terminal
        refusal = _as_desk_error(error)
        if refusal is not None:
            if not isinstance(error, DeskError):
                logging.getLogger(__name__).warning("%s", refusal.message, exc_info=error)
            sys.stderr.write(f"错误：{printable(_one_line(refusal.message))}\n")  # messages quote typed refs
            return EXIT_REFUSED
        logging.getLogger(__name__).error("internal error in: dongwu %s", " ".join(map(str, argv or sys.argv[1:])),
                                          exc_info=error)
        where = logfile.written_to()
        note = f"，详情已记录在 {where}" if where else ""
        sys.stderr.write(_one_line(f"内部错误：{type(error).__name__}: {error}{note}。") + "\n")
        return EXIT_INTERNAL


def _ask_password(args: Any) -> None:
    """An encrypted database is opened with the acting person's password: DONGWU_PASSWORD, or asked here on
    the terminal before anything else (the desk screens included) starts. Sign-in sessions will take
    this over."""
    import os

    from dongwu_tui.storage import keyring

    if args.command in ("init", "demo", "encrypt", "login"):
        return  # they make a new key ring and ask for a new password, or read the password themselves
    if args.db is None:
        from dongwu_tui.storage.paths import default_database_path

        db = default_database_path()
    else:
        db = Path(args.db).expanduser()
    if (not keyring.is_encrypted_file(db) or keyring.supplied_password() is not None
            or os.environ.get("DONGWU_RECOVERY_KEY") or not sys.stdin.isatty()):
        return
    import getpass

    who = f"{args.actor}的" if args.actor else ""
    try:
        keyring.supply_password(getpass.getpass(f"数据库已加密，请输入{who}密码："))
    except EOFError:
        return  # no password typed: opening the database refuses in one line


def _one_line(text: str) -> str:
    """stderr carries exactly one line, whatever a message quotes (a value with a newline in it)."""
    return " ".join(text.split("\n")).replace("\r", " ")


if __name__ == "__main__":
    sys.exit(main())
