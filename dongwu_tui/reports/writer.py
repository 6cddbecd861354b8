"""Writing the periodic report as a workbook (xlsx), csv or markdown.

xlsx: one sheet per part, Chinese headers, numbers stored as numbers (rates as fractions shown with a
percentage format, dates as dates), column widths measured in terminal cells so Chinese text fits.
csv: every table one after the other, each under its title, UTF-8 with a BOM so Excel reads Chinese.
openpyxl is imported only when a workbook is written, keeping it off the start-up path.
"""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.reports.tables import DATE, DAYS, INT, RATE, PeriodicReport, Table

FORMATS = ("xlsx", "csv", "md")
MAX_COLUMN_CELLS = 60


def format_value(value: Any, kind: str) -> str:
    """How a figure reads on screen and in markdown: 98.36%, 5.1, 2026-10-31, — for nothing."""
    if value is None:
        return "—"
    if kind == RATE:
        return f"{value:.2%}"
    if kind == DAYS:
        return f"{value:.1f}"
    if kind == DATE and isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == RATE:
        return round(value * 100, 2)
    if kind == DAYS:
        return round(value, 2)
    if isinstance(value, date):
        return value.isoformat()
    return value


def format_for(path: Path, explicit: str | None) -> str:
    fmt = (explicit or path.suffix.lstrip(".")).lower()
    if fmt not in FORMATS:
        raise ValidationFailed(f"不支持的报表格式「{fmt or path.suffix}」，可用：xlsx、csv、md。")
    return fmt


def write_report(report: PeriodicReport, path: Path, fmt: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        if fmt == "xlsx":
            _write_xlsx(report, path)
        elif fmt == "csv":
            _write_csv(report, path)
        else:
            path.write_text(render_markdown(report), encoding="utf-8")
    except OSError as error:
        raise ValidationFailed(f"无法写入报表文件 {path}：{error.strerror or error}。") from error
    return path


# -- markdown -----------------------------------------------------------------------------------


def _md_table(table: Table) -> list[str]:
    lines = [f"## {table.title}", ""]
    if not table.rows:
        return [*lines, "（无）", ""]
    lines.append("| " + " | ".join(table.headers) + " |")
    lines.append("|" + "|".join("---:" if k in (INT, RATE, DAYS) else "---" for k in table.kinds) + "|")
    for row in table.rows:
        cells = [format_value(v, k).replace("|", "\\|").replace("\n", " ")
                 for v, k in zip(row, table.kinds, strict=True)]
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_markdown(report: PeriodicReport) -> str:
    lines = [f"# {report.title}", "", *(f"- {note}" for note in report.notes), ""]
    for _, tables in report.sheets:
        for table in tables:
            lines.extend(_md_table(table))
    return "\n".join(lines)


# -- csv ----------------------------------------------------------------------------------------


def _write_csv(report: PeriodicReport, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([report.title])
        for note in report.notes:
            writer.writerow([note])
        for _, tables in report.sheets:
            for table in tables:
                writer.writerow([])
                writer.writerow([table.title])
                writer.writerow([f"{h}（%）" if k == RATE else h
                                 for h, k in zip(table.headers, table.kinds, strict=True)])
                for row in table.rows:
                    writer.writerow([_csv_value(v, k) for v, k in zip(row, table.kinds, strict=True)])


# -- xlsx ---------------------------------------------------------------------------------------


def _fit(widths: dict[int, int], column: int, text: str) -> None:
    """Widen a column to its text, measured in terminal cells (a Chinese character is two)."""
    widths[column] = min(MAX_COLUMN_CELLS, max(widths.get(column, 0), cell_len(text)))


def _write_xlsx(report: PeriodicReport, path: Path) -> None:
    from openpyxl import Workbook
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter

    workbook = Workbook()
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    title_font = Font(bold=True, size=14)
    header_fill = PatternFill("solid", fgColor="DDEBF7")
    number_formats = {INT: "0", RATE: "0.00%", DAYS: "0.0", DATE: "yyyy-mm-dd"}
    for sheet_name, tables in report.sheets:
        sheet = workbook.create_sheet(sheet_name)
        widths: dict[int, int] = {}

        sheet.cell(row=1, column=1, value=report.title).font = title_font
        row_no = 2
        if sheet_name == report.sheets[0][0]:
            for note in report.notes:
                sheet.cell(row=row_no, column=1, value=note)
                row_no += 1
        for table in tables:
            row_no += 1
            sheet.cell(row=row_no, column=1, value=table.title).font = bold
            row_no += 1
            for column, header in enumerate(table.headers, start=1):
                cell = sheet.cell(row=row_no, column=column, value=header)
                cell.font, cell.fill = bold, header_fill
                cell.alignment = Alignment(horizontal="center")
                _fit(widths, column, header)
            if table.rows:
                sheet.freeze_panes = sheet.freeze_panes or sheet.cell(row=row_no + 1, column=1)
            for values in table.rows:
                row_no += 1
                for column, (value, kind) in enumerate(zip(values, table.kinds, strict=True), start=1):
                    cell = sheet.cell(row=row_no, column=column, value=value)
                    if kind in number_formats and value is not None:
                        cell.number_format = number_formats[kind]
                    _fit(widths, column, format_value(value, kind))
            if not table.rows:
                row_no += 1
                sheet.cell(row=row_no, column=1, value="（无）")
            row_no += 1
        for column, width in widths.items():
            # Excel's width unit is about one Latin character; a Chinese character takes two.
            sheet.column_dimensions[get_column_letter(column)].width = width + 2
    workbook.save(path)
