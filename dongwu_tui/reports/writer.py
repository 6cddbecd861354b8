"""Writing the periodic report as a workbook (xlsx), csv or markdown.

xlsx: one sheet per part, Chinese headers, numbers stored as numbers (rates as fractions shown with a
percentage format, dates as dates), column widths measured in terminal cells so Chinese text fits.
csv: every table one after the other, each under its title, UTF-8 with a BOM so Excel reads Chinese.
openpyxl is imported only when a workbook is written, keeping it off the start-up path.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, time
from pathlib import Path
from typing import Any

from rich.cells import cell_len

from dongwu_tui.domain.errors import ValidationFailed
from dongwu_tui.reports.tables import DATE, DAYS, INT, RATE, PeriodicReport, Table

FORMATS = ("xlsx", "csv", "md")
MAX_COLUMN_CELLS = 60


# One rounding for every format: a rate to 0.01 of a percent (4 decimals of the fraction), days to 0.1.
RATE_DIGITS, DAYS_DIGITS = 4, 1


def rounded(value: Any, kind: str) -> Any:
    """The value as every format shows it: the xlsx cell holds exactly what md and csv print."""
    if value is None:
        return None
    if kind == RATE:
        return round(value, RATE_DIGITS)
    if kind == DAYS:
        return round(value, DAYS_DIGITS)
    return value


def format_value(value: Any, kind: str) -> str:
    """How a figure reads on screen and in markdown: 98.36%, 5.1, 2026-10-31, — for nothing."""
    if value is None:
        return "—"
    if kind == RATE:
        return f"{rounded(value, kind):.2%}"
    if kind == DAYS:
        return f"{rounded(value, kind):.1f}"
    if kind == DATE and isinstance(value, date):
        return value.isoformat()
    return str(value)


def _csv_value(value: Any, kind: str) -> Any:
    if value is None:
        return ""
    if kind == RATE:
        return f"{rounded(value, kind) * 100:.2f}"
    if kind == DAYS:
        return f"{rounded(value, kind):.1f}"
    if isinstance(value, date):
        return value.isoformat()
    return value


MARK_WORDS = {"red": "红", "yellow": "黄"}


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
    marked = bool(table.marks)
    lines.append("| " + " | ".join([*table.headers, *(["预警"] if marked else [])]) + " |")
    lines.append("|" + "|".join([*("---:" if k in (INT, RATE, DAYS) else "---" for k in table.kinds),
                                 *(["---"] if marked else [])]) + "|")
    for index, row in enumerate(table.rows):
        cells = [format_value(v, k).replace("|", "\\|").replace("\n", " ")
                 for v, k in zip(row, table.kinds, strict=True)]
        if marked:
            cells.append(MARK_WORDS.get(table.marks.get(str(index), ""), ""))
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_markdown(report: PeriodicReport) -> str:
    lines = [f"# {report.title}", ""]
    if report.header:
        lines += ["　".join(report.header), ""]
    if report.narrative:
        lines += [report.narrative, ""]
    lines += [*(f"- {note}" for note in report.notes), ""]
    for _, tables in report.sheets:
        for table in tables:
            lines.extend(_md_table(table))
    return "\n".join(lines)


# -- csv ----------------------------------------------------------------------------------------


def _write_csv(report: PeriodicReport, path: Path) -> None:
    with path.open("w", encoding="utf-8-sig", newline="") as handle:
        writer = csv.writer(handle)
        writer.writerow([report.title])
        if report.header:
            writer.writerow(report.header)
        if report.narrative:
            writer.writerow([report.narrative])
        for note in report.notes:
            writer.writerow([note])
        for _, tables in report.sheets:
            for table in tables:
                writer.writerow([])
                writer.writerow([table.title])
                marked = bool(table.marks)
                writer.writerow([*(f"{h}（%）" if k == RATE else h
                                   for h, k in zip(table.headers, table.kinds, strict=True)),
                                 *(["预警"] if marked else [])])
                for index, row in enumerate(table.rows):
                    writer.writerow([*(_csv_value(v, k) for v, k in zip(row, table.kinds, strict=True)),
                                     *([MARK_WORDS.get(table.marks.get(str(index), ""), "")] if marked else [])])


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
    mark_fills = {"red": PatternFill("solid", fgColor="F8CBAD"), "yellow": PatternFill("solid", fgColor="FFE699")}
    for sheet_name, tables in report.sheets:
        sheet = workbook.create_sheet(sheet_name)
        widths: dict[int, int] = {}

        sheet.cell(row=1, column=1, value=report.title).font = title_font
        row_no = 2
        if sheet_name == report.sheets[0][0]:
            lines = ["　".join(report.header)] if report.header else []
            lines += [report.narrative] if report.narrative else []
            for note in [*lines, *report.notes]:
                sheet.cell(row=row_no, column=1, value=note)
                row_no += 1
        # Print setup for the wide sheets: landscape, one page wide, the first table's header row repeated.
        sheet.page_setup.orientation = "landscape"
        sheet.page_setup.fitToWidth, sheet.page_setup.fitToHeight = 1, 0
        sheet.sheet_properties.pageSetUpPr.fitToPage = True
        for table in tables:
            row_no += 1
            sheet.cell(row=row_no, column=1, value=table.title).font = bold
            row_no += 1
            headers = [*table.headers, *(["预警"] if table.marks else [])]
            for column, header in enumerate(headers, start=1):
                cell = sheet.cell(row=row_no, column=column, value=header)
                cell.font, cell.fill = bold, header_fill
                cell.alignment = Alignment(horizontal="center")
                _fit(widths, column, header)
            if table.rows and not sheet.print_title_rows:
                sheet.print_title_rows = f"{row_no}:{row_no}"
            if table.rows:
                sheet.freeze_panes = sheet.freeze_panes or sheet.cell(row=row_no + 1, column=1)
            for index, values in enumerate(table.rows):
                row_no += 1
                for column, (value, kind) in enumerate(zip(values, table.kinds, strict=True), start=1):
                    cell = sheet.cell(row=row_no, column=column, value=rounded(value, kind))
                    if kind in number_formats and value is not None:
                        cell.number_format = number_formats[kind]
                    _fit(widths, column, format_value(value, kind))
                mark = table.marks.get(str(index))
                if mark:
                    cell = sheet.cell(row=row_no, column=len(values) + 1, value=MARK_WORDS[mark])
                    for column in range(1, len(values) + 2):
                        sheet.cell(row=row_no, column=column).fill = mark_fills[mark]
            if not table.rows:
                row_no += 1
                sheet.cell(row=row_no, column=1, value="（无）")
            row_no += 1
        for column, width in widths.items():
            # Excel's width unit is about one Latin character; a Chinese character takes two.
            sheet.column_dimensions[get_column_letter(column)].width = width + 2
    # The same report gives the same bytes: the workbook's dates are the report's, not the clock's.
    stamp = datetime.combine(report.as_of, time(0, 0))
    workbook.properties.creator = "东吴人才服务台"
    workbook.properties.created = workbook.properties.modified = stamp
    buffer = io.BytesIO()
    workbook.save(buffer)
    _write_fixed_zip(buffer.getvalue(), path, stamp)


def _write_fixed_zip(data: bytes, path: Path, stamp: datetime) -> None:
    """Rewrite the workbook's zip with every entry dated `stamp` and the core properties' modified time
    set to it (openpyxl stamps both with the time of saving)."""
    import re
    import zipfile

    moment = stamp.strftime("%Y-%m-%dT%H:%M:%SZ")
    with zipfile.ZipFile(io.BytesIO(data)) as source, zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as target:
        for entry in source.infolist():
            content = source.read(entry.filename)
            if entry.filename == "docProps/core.xml":
                content = re.sub(rb"(<dcterms:(?:created|modified)[^>]*>)[^<]*(</dcterms:)",
                                 lambda m: m[1] + moment.encode() + m[2], content)
            info = zipfile.ZipInfo(entry.filename, date_time=stamp.timetuple()[:6])
            info.compress_type = zipfile.ZIP_DEFLATED
            info.external_attr = entry.external_attr
            target.writestr(info, content)
