"""`dongwu report` (the periodic report, 通报) and `dongwu stats` with its KPI block and --period."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from dongwu_tui.cli.render import print_json, print_table
from dongwu_tui.services.desk import Desk

REPORT_COMMANDS = ("report", "stats", "catalogue")


def add_parsers(command: Any) -> None:
    """Register `report` and extend `stats` (`command(name, help)` is main.build_parser's helper)."""
    p = command("report", "生成定期通报（汇总指标、超期工单、不满意回访），导出为 xlsx、csv 或 md；"
                          "report close --period 2026-11 月度关账（督办负责人），关账后该月通报不再变化")
    p.add_argument("action", nargs="?", choices=["close"], help="close 关账（冻结该月通报）")
    p.add_argument("--reason", default="", help="关账说明")
    _period_options(p)
    p.add_argument("--format", choices=["xlsx", "csv", "md"],
                   help="文件格式（默认按 -o 的扩展名）：xlsx 电子表格，csv 逗号分隔的表格文本，md 文本（Markdown）")
    p.add_argument("-o", "--output", type=Path, help="输出文件（默认：通报-统计期.xlsx）")
    add_catalogue_parser(command)


def add_catalogue_parser(command: Any) -> None:
    p = command("catalogue", "目录数据（服务举措、板块、行业、人才类别）："
                             "reload 将修改后的数据文件应用到本数据库（管理员）")
    p.add_argument("action", choices=["reload"], help="reload 重新载入 data/ 下的目录数据文件")
    p.add_argument("--reason", default="", help="说明")


def _period_options(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", help="统计期：2026-10（月）、2026-Q4（季度）、2026（年）")
    p.add_argument("--since", help="受理日期起（YYYY-MM-DD）")
    p.add_argument("--until", help="受理日期止（YYYY-MM-DD）")


def add_stats_period(p: argparse.ArgumentParser) -> None:
    p.add_argument("--period", help="统计期：2026-10（月）、2026-Q4（季度）、2026（年），与 --since/--until 二选一")


def run(desk: Desk, args: argparse.Namespace) -> int:
    if args.command == "catalogue":
        return cmd_catalogue(desk, args)
    return cmd_report(desk, args) if args.command == "report" else cmd_stats(desk, args)


_TABLE_NAMES = {"measure_category": "举措类别", "measure": "服务举措", "township": "板块", "industry": "行业",
                "talent_category": "人才类别", "talent_level": "人才层次"}


def cmd_catalogue(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.services.setup import reload_catalogue

    changes = reload_catalogue(desk, args.reason)
    parts = [f"{_TABLE_NAMES[table]}新增 {c['added']}、修改 {c['changed']}、删除 {c['removed']}"
             for table, c in changes.items() if any(c.values())]
    print("已应用目录数据：" + ("；".join(parts) if parts else "与数据库一致，无变化") + "。")
    return 0


def cmd_report(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.reports.period import resolve_period
    from dongwu_tui.reports.tables import build_periodic_report
    from dongwu_tui.reports.writer import format_for, write_report

    period = resolve_period(args.period, args.since, args.until)
    service = desk.reports  # refused before anything is written for a role that may not see the figures
    if args.action == "close":
        from dongwu_tui.reports.tables import close_month, period_words

        report = close_month(service, period, args.reason)
        print(f"已关账：{period_words(period)}（{report.header[0] if report.header else ''}），"
              f"该月通报已冻结，此后的数据变动将在下月通报中说明。")
        return 0
    output = args.output or Path(f"通报-{period.slug}.{args.format or 'xlsx'}")
    fmt = format_for(output, args.format)
    from dongwu_tui.cli.progress import progress_bar

    with progress_bar({"figures": "统计指标", "write": f"写入 {output.name}"}) as shown:
        if shown:
            shown("figures", 0, 2)
        report = build_periodic_report(service, period)
        if shown:
            shown("write", 1, 2)
        write_report(report, output, fmt)
    desk.privacy.record_export(f"通报 {output.name}", period.label, masked=True)  # who saw what
    overdue = len(report.table("overdue").rows)
    unsatisfied = len(report.table("unsatisfied").rows)
    print(f"已生成通报 {output}（{period.label}，截至 {report.as_of}）："
          f"超期工单 {overdue} 件，不满意回访 {unsatisfied} 次")
    return 0


def cmd_stats(desk: Desk, args: argparse.Namespace) -> int:
    from dongwu_tui.cli import commands
    from dongwu_tui.reports.definitions import KPIS, field_label
    from dongwu_tui.reports.engine import Row
    from dongwu_tui.reports.export import kpis_dict
    from dongwu_tui.reports.period import resolve_period
    from dongwu_tui.reports.tables import RATE, overall_table
    from dongwu_tui.reports.writer import format_value

    period = resolve_period(getattr(args, "period", None), args.since, args.until)
    report = desk.reports.figures(period)
    if args.json:
        stats = desk.stats.closure(period.since, period.until)
        stats["kpis"] = kpis_dict(report)
        print_json(stats)
        return 0
    args.since = period.since.isoformat() if period.since else None
    args.until = period.until.isoformat() if period.until else None
    commands.cmd_stats(desk, args)
    print()
    table = overall_table(report.total)
    print(f"指标（{period.label}，定义见 docs/KPI.md）")
    print_table(["指标", "分子", "分母", "数值"],
                [(row[0], row[1], row[3],
                  format_value(row[6], table.kinds[6]) if row[5] is None and row[6] is not None
                  else format_value(row[5], table.kinds[5]))
                 for row in table.rows])
    print()
    print("按承办单位（签收、超期转出按各阶段的承办单位计，办结按办结时的承办单位计）")
    rates = ("closure_rate", "on_time_rate", "sign_rate")
    counts = ("requests", "sign_base", "sign_on_time", "overdue_left", "returns_made")
    labels = {k.key: k.label for k in KPIS}
    print_table(["承办单位", *(field_label(key) for key in counts), *(labels[key] for key in rates)],
                [(row.name, *(row.figures[key] for key in counts),
                  *(format_value(row.figures.kpi(key), RATE) for key in rates))
                 for row in [*report.by_unit, Row("unit", "", "合计", report.total)]])
    return 0
