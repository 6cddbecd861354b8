"""Rosters: talents, enterprises and staff imported from a workbook (or CSV) and exported to one.

Columns are matched by their Chinese headers (the same the export writes, so an exported file imports
back unchanged), with a mapping the user can correct and save per kind. Every row is validated with the
rules the desk applies (domain/validation.py); a bad row is reported with its reason and never stops the
good ones unless the caller asks for all or nothing. A row that matches a talent the office holds (ID
number, else card number, else phone and name) updates the fields the file gives, so importing the same
file twice changes nothing. New records go in through the bulk loader (storage/bulk.py).
"""

from __future__ import annotations

import csv
import json
import unicodedata
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING, Any

from dongwu_tui.domain.errors import PermissionRefused, ValidationFailed
from dongwu_tui.domain.models import IdKind
from dongwu_tui.domain.pinyin import pinyin_keys
from dongwu_tui.domain.roles import Role, sees_personal_data

if TYPE_CHECKING:
    from dongwu_tui.services.desk import Desk

Progress = Callable[[str, int, int], None]

KINDS = ("talents", "enterprises", "staff")
KIND_LABELS = {"talents": "人才", "enterprises": "企业", "staff": "工作人员"}


@dataclass(frozen=True, slots=True)
class Column:
    key: str
    header: str  # the header the export writes
    aliases: tuple[str, ...] = ()
    required: bool = False


COLUMNS: dict[str, tuple[Column, ...]] = {
    "talents": (
        Column("name", "姓名", ("人才姓名", "名字"), required=True),
        Column("phone", "手机", ("手机号", "手机号码", "电话", "电话号码", "联系电话"), required=True),
        Column("id_kind", "证件类型", ()),
        Column("id_number", "身份证号", ("身份证号码", "身份证", "证件号码", "证件号")),
        Column("category", "人才类别", ("类别",), required=True),
        Column("level", "人才工程层级", ("人才层级", "层级")),
        Column("township", "所属板块", ("板块", "所在板块", "镇街道")),
        Column("specialist", "专员", ("联系专员", "人才工作专员")),
        Column("enterprise", "企业", ("所在企业", "企业名称", "工作单位")),
        Column("credit_code", "统一社会信用代码", ("信用代码", "企业信用代码")),
        Column("card_no", "东吴人才卡号", ("人才卡号", "卡号")),
        Column("notes", "备注", ()),
    ),
    "enterprises": (
        Column("name", "企业名称", ("企业", "名称"), required=True),
        Column("credit_code", "统一社会信用代码", ("信用代码",), required=True),
        Column("township", "所属板块", ("板块", "所在板块")),
        Column("industry", "行业", ("所属行业",)),
    ),
    "staff": (
        Column("name", "姓名", (), required=True),
        Column("role", "角色", ("岗位",), required=True),
        Column("office", "所在单位", ("单位",)),
        Column("phone", "手机", ("手机号", "手机号码", "电话", "联系电话")),
    ),
}
# Columns the error workbook adds: ignored when it is imported again after fixing.
LINE_HEADER, REASON_HEADER = "原行号", "错误原因"
IGNORED_HEADERS = frozenset({LINE_HEADER, REASON_HEADER})
ID_KIND_LABELS = {IdKind.RESIDENT.value: "居民身份证", IdKind.PASSPORT.value: "护照"}
# Cells that hold identifiers: full-width digits and letters folded to ASCII.
IDENTIFIER_KEYS = frozenset({"phone", "id_number", "credit_code", "card_no"})
MAPPING_META = "roster_mapping.{kind}"
TALENT_WRITERS = (Role.OPERATOR, Role.SPECIALIST, Role.SUPERVISOR)
TALENT_UPDATE_LABELS = {
    "name": "姓名", "phone": "手机", "id_kind": "证件类型", "id_number": "证件号码", "category_code": "人才类别",
    "level_code": "人才工程层级", "township_code": "所属板块", "specialist_id": "专员", "enterprise_id": "企业",
    "card_no": "东吴人才卡号", "notes": "备注",
}


# --------------------------------------------------------------------------- reading a file


@dataclass
class Sheet:
    """A file's first sheet: its header row, the data rows as text (by file line), merged-cell lines."""

    headers: list[str]
    rows: list[tuple[int, list[Any]]]
    merged_lines: set[int] = field(default_factory=set)


def read_sheet(path: Path) -> Sheet:
    """The first sheet of an .xlsx/.xls/.ods workbook or a .csv file, refused in Chinese when unreadable."""
    path = Path(path)
    if not path.exists():
        raise ValidationFailed(f"找不到文件「{path}」。")
    if path.is_dir():
        raise ValidationFailed(f"「{path}」是文件夹，不是工作簿。")
    if path.suffix.lower() in (".csv", ".txt"):
        grid = _read_csv(path)
        merged: list[tuple[tuple[int, int], tuple[int, int]]] = []
    else:
        grid, merged = _read_workbook(path)
    # The header is the first row with anything in it.
    start = next((i for i, row in enumerate(grid) if any(_blank(c) is False for c in row)), None)
    if start is None:
        raise ValidationFailed(f"「{path.name}」的第一个工作表是空的，没有可导入的内容。")
    headers = [_text(c).strip() for c in grid[start]]
    rows = [(i + 1, list(row)) for i, row in enumerate(grid[start + 1:], start=start + 1)
            if any(_blank(c) is False for c in row)]
    merged_lines: set[int] = set()
    for (r0, _c0), (r1, _c1) in merged:
        if r0 <= start <= r1:
            raise ValidationFailed(f"「{path.name}」的表头有合并单元格，请取消合并、每列一个表头后再导入。")
        merged_lines.update(range(r0 + 1, r1 + 2))
    return Sheet(headers, rows, merged_lines)


def _read_csv(path: Path) -> list[list[Any]]:
    raw = path.read_bytes()
    if b"\x00" in raw[:4096]:
        raise ValidationFailed(f"「{path.name}」不是文本格式的 CSV 文件。")
    for encoding in ("utf-8-sig", "gb18030"):
        try:
            text = raw.decode(encoding)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise ValidationFailed(f"「{path.name}」的文字编码无法识别，请另存为 UTF-8 编码的 CSV。")
    return [list(row) for row in csv.reader(text.splitlines())]


def _read_workbook(path: Path) -> tuple[list[list[Any]], list[Any]]:
    from python_calamine import CalamineWorkbook  # reads 100k rows in about a second

    try:
        workbook = CalamineWorkbook.from_path(str(path))
        if not workbook.sheet_names:
            raise ValidationFailed(f"「{path.name}」里没有工作表。")
        sheet = workbook.get_sheet_by_index(0)
        grid = sheet.to_python(skip_empty_area=False)
        try:
            merged = list(sheet.merged_cell_ranges or [])
        except Exception:  # noqa: BLE001 - formats without merged-cell information
            merged = []
    except ValidationFailed:
        raise
    except Exception:  # noqa: BLE001 - calamine's errors (zip, xml, password) mean one thing to the user
        raise ValidationFailed(f"「{path.name}」不是可以读取的 Excel 工作簿（.xlsx/.xls）或 CSV 文件。") from None
    return grid, merged


def _blank(cell: Any) -> bool:
    return cell is None or (isinstance(cell, str) and not cell.strip())


def _text(cell: Any) -> str:
    """A cell as the text a person typed: 1.3800138e10 → "13800138000", a date → "2026-01-31"."""
    if cell is None:
        return ""
    if isinstance(cell, bool):
        return "是" if cell else "否"
    if isinstance(cell, float):
        return str(int(cell)) if cell.is_integer() else repr(cell)
    if isinstance(cell, datetime):
        return cell.date().isoformat() if cell.time() == time() else cell.isoformat(sep=" ")
    if isinstance(cell, date):
        return cell.isoformat()
    return str(cell)


# --------------------------------------------------------------------------- the column mapping


def saved_mapping(desk: Desk, kind: str) -> dict[str, str]:
    value = desk.office.meta(MAPPING_META.format(kind=kind))
    return json.loads(value) if value else {}


def save_mapping(desk: Desk, kind: str, mapping: dict[str, str]) -> None:
    with desk.office.write():
        desk.office.set_meta(MAPPING_META.format(kind=kind), json.dumps(mapping, ensure_ascii=False))
        desk.audit("roster_mapping", kind, "update", mapping)


def parse_mapping(kind: str, items: Iterable[str]) -> dict[str, str]:
    """`--map 表头=列` items: a header of the file, then the column it holds (its Chinese header or key;
    empty: ignore the header)."""
    columns = COLUMNS[kind]
    mapping: dict[str, str] = {}
    for item in items:
        header, equals, target = item.partition("=")
        if not equals or not header.strip():
            raise ValidationFailed(f"列对应「{item}」应写成「表头=列名」，如「手机号码=手机」。")
        target = target.strip()
        if not target:
            mapping[header.strip()] = ""
            continue
        column = next((c for c in columns if target in (c.key, c.header, *c.aliases)), None)
        if column is None:
            names = "、".join(c.header for c in columns)
            raise ValidationFailed(f"列对应「{item}」中的「{target}」不是可导入的列，可选：{names}。")
        mapping[header.strip()] = column.key
    return mapping


@dataclass(frozen=True, slots=True)
class Mapping:
    """Which file column holds which field, and the headers left unused."""

    index: dict[str, int]
    unknown: list[str]
    headers: list[str]

    def describe(self, kind: str) -> list[tuple[str, str]]:
        by_key = {c.key: c.header for c in COLUMNS[kind]}
        return [(self.headers[i], by_key[key]) for key, i in sorted(self.index.items(), key=lambda kv: kv[1])]


def map_columns(kind: str, headers: Sequence[str], mapping: dict[str, str] | None = None) -> Mapping:
    """Match the file's headers to the kind's columns: the given mapping first, then the headers and their
    usual variants. A required column that no header gives is refused, naming what the file has."""
    mapping = mapping or {}
    columns = COLUMNS[kind]
    known = {name: c.key for c in columns for name in (c.header, *c.aliases)}
    index: dict[str, int] = {}
    unknown: list[str] = []
    for i, header in enumerate(headers):
        if not header or header in IGNORED_HEADERS:
            continue
        key = mapping[header] if header in mapping else known.get(header) or known.get(_loose(header))
        if not key:
            unknown.append(header)
            continue
        if key in index:
            by_key = {c.key: c.header for c in columns}
            raise ValidationFailed(f"有两列都对应「{by_key[key]}」：「{headers[index[key]]}」和「{header}」，"
                                   "请用列对应指明使用哪一列。")
        index[key] = i
    missing = [c.header for c in columns if c.required and c.key not in index]
    if missing:
        have = "、".join(h for h in headers if h) or "（无）"
        raise ValidationFailed(f"找不到必需的列：{'、'.join(missing)}。文件的表头为：{have}；"
                               "可用列对应指明，如「--map 手机号码=手机」。")
    return Mapping(index, unknown, list(headers))


def _loose(header: str) -> str:
    """A header without spaces, full-width forms, asterisks of required marks and a trailing colon."""
    text = unicodedata.normalize("NFKC", header)
    return text.replace(" ", "").replace("*", "").rstrip(":")


# --------------------------------------------------------------------------- import results


@dataclass(frozen=True, slots=True)
class RowOutcome:
    line: int
    action: str  # created | updated | unchanged | rejected
    label: str  # who: a name and a card number or credit code
    detail: str = ""  # the fields updated, or why the row was refused


@dataclass
class ImportResult:
    kind: str
    headers: list[str]
    unknown_headers: list[str]
    outcomes: list[RowOutcome] = field(default_factory=list)
    rejected_rows: list[tuple[int, list[Any], str]] = field(default_factory=list)
    written: bool = False
    enterprises_created: int = 0

    def count(self, action: str) -> int:
        return sum(1 for o in self.outcomes if o.action == action)

    @property
    def summary(self) -> str:
        what = KIND_LABELS[self.kind]
        text = (f"{what}：新增 {self.count('created')} 条，更新 {self.count('updated')} 条，"
                f"无变化 {self.count('unchanged')} 条，未导入 {self.count('rejected')} 条")
        if self.enterprises_created:
            text += f"；新建企业 {self.enterprises_created} 家"
        return text + ("。" if self.written else "（未写入数据库）。")


def write_error_workbook(result: ImportResult, path: Path) -> Path:
    """The rejected rows as the file gave them, with the file's line and the reason: fix, import again."""
    from openpyxl import Workbook

    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("未导入")
    sheet.append([LINE_HEADER, *result.headers, REASON_HEADER])
    for line, cells, reason in result.rejected_rows:
        sheet.append([line, *[_text(c) for c in cells], reason])
    path = Path(path)
    workbook.save(path)
    return path


def error_workbook_path(source: Path) -> Path:
    return Path(source).with_name(f"{Path(source).stem}-未导入.xlsx")


# --------------------------------------------------------------------------- the service


def _has_table(db: Any, name: str) -> bool:
    return db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = ?", (name,)).fetchone() is not None


class _Reject(Exception):
    pass


class RosterService:
    def __init__(self, desk: Desk) -> None:
        self.desk = desk
        self.t = desk.office.tables

    # -- import ---------------------------------------------------------------------------------

    def preview(self, kind: str, path: Path, *, mapping: dict[str, str] | None = None,
                rows: int = 10) -> tuple[list[tuple[str, str]], list[str], list[list[str]]]:
        """What an import would read: (file header, the column it goes to) pairs, the headers left unused, and
        the first rows as text. Refused like the import for an unreadable file or a missing column."""
        if kind not in KINDS:
            raise ValidationFailed(f"不能导入「{kind}」，可导入：{'、'.join(KINDS)}。")
        sheet = read_sheet(path)
        columns = map_columns(kind, sheet.headers, {**saved_mapping(self.desk, kind), **(mapping or {})})
        first = [[_text(c) for c in cells] for _line, cells in sheet.rows[:rows]]
        return columns.describe(kind), columns.unknown, [sheet.headers, *first]

    def import_file(self, kind: str, path: Path, *, mapping: dict[str, str] | None = None, dry_run: bool = False,
                    all_or_nothing: bool = False, progress: Progress | None = None) -> ImportResult:
        if kind not in KINDS:
            raise ValidationFailed(f"不能导入「{kind}」，可导入：{'、'.join(KINDS)}。")
        if kind == "staff":
            self.desk.require(Role.ADMIN, action="导入工作人员")
        else:
            self.desk.require(*TALENT_WRITERS, action=f"导入{KIND_LABELS[kind]}")
        sheet = read_sheet(path)
        columns = map_columns(kind, sheet.headers, {**saved_mapping(self.desk, kind), **(mapping or {})})
        result = ImportResult(kind, sheet.headers, columns.unknown)
        plan = {"talents": self._plan_talents, "enterprises": self._plan_enterprises,
                "staff": self._plan_staff}[kind]
        writes = plan(sheet, columns, result, progress)
        result.outcomes.sort(key=lambda o: o.line)
        result.rejected_rows.sort(key=lambda r: r[0])
        if dry_run or (all_or_nothing and result.rejected_rows):
            return result
        writes(Path(path).name)
        result.written = True
        return result

    def _cells(self, sheet: Sheet, columns: Mapping) -> Iterable[tuple[int, list[Any], dict[str, str], str]]:
        """Each row: its line, the cells as given, the mapped values as text, and a refusal if the cells are
        unusable as such (merged cells, an ID number stored as a number)."""
        for line, cells in sheet.rows:
            values: dict[str, str] = {}
            problem = ""
            for key, i in columns.index.items():
                cell = cells[i] if i < len(cells) else None
                if key == "id_number" and isinstance(cell, float) and abs(cell) >= 1e15:
                    problem = "身份证号被表格存成了数字，后几位已丢失：请把该列设为文本格式后重新填写"
                text = _text(cell).strip()
                if key in IDENTIFIER_KEYS:
                    text = unicodedata.normalize("NFKC", text).strip()
                values[key] = text
            if line in sheet.merged_lines:
                problem = "该行含合并单元格：请取消合并，每格填写完整后重新导入"
            yield line, cells, values, problem

    def _reject(self, result: ImportResult, line: int, cells: list[Any], label: str, reason: str) -> None:
        reason = reason.rstrip("。")
        result.outcomes.append(RowOutcome(line, "rejected", label, reason))
        result.rejected_rows.append((line, list(cells), reason))

    # talents

    def _lookups(self) -> dict[str, dict[str, str]]:
        directory = self.desk.directory
        db = self.desk.office.db

        def names(table: dict[str, str]) -> dict[str, str]:
            return {**{code: code for code in table}, **{name: code for code, name in table.items()}}

        townships = {}
        for code, township in directory.townships.items():
            townships[code] = code
            townships[township.name] = code
        specialists: dict[str, str] = {}
        ambiguous: set[str] = set()
        for sid, name, active in db.execute_sql("SELECT id, name, active FROM staff WHERE deleted = 0 "
                                                "AND role = 'specialist'"):
            specialists[sid] = sid
            if name in specialists and specialists[name] != sid:
                ambiguous.add(name)
            specialists[name] = sid
        for name in ambiguous:
            specialists[name] = ""
        return {"category": names(directory.talent_categories), "level": names(directory.talent_levels),
                "township": townships, "specialist": specialists,
                "industry": {**{c: c for c in directory.industries},
                             **{i.name: c for c, i in directory.industries.items()}}}

    def _plan_talents(self, sheet: Sheet, columns: Mapping, result: ImportResult,
                      progress: Progress | None) -> Callable[[str], None]:
        from dongwu_tui.domain.identifiers import InvalidIdentifier, mask_id, mask_phone, validate_credit_code
        from dongwu_tui.domain.validation import TalentInput, parse

        db = self.desk.office.db
        look = self._lookups()
        enterprises_by_code: dict[str, str] = {}
        enterprises_by_name: dict[str, str] = {}
        for eid, name, code in db.execute_sql("SELECT id, name, credit_code FROM enterprise WHERE deleted = 0"):
            enterprises_by_code[code] = eid
            enterprises_by_name.setdefault(name, eid)
        existing: dict[str, dict[str, Any]] = {}
        by_id_number: dict[str, str] = {}
        by_card: dict[str, str] = {}
        by_phone_name: dict[tuple[str, str], str] = {}
        fields = list(TALENT_UPDATE_LABELS)
        for row in db.execute_sql(f"SELECT id, {', '.join(fields)} FROM talent WHERE deleted = 0 ORDER BY id"):
            record = dict(zip(["id", *fields], row, strict=True))
            existing[record["id"]] = record
            if record["id_number"] and record["id_kind"] == IdKind.RESIDENT.value:
                by_id_number.setdefault(record["id_number"], record["id"])
            if record["card_no"]:
                by_card.setdefault(record["card_no"], record["id"])
            by_phone_name.setdefault((record["phone"], record["name"]), record["id"])
        # Talents waiting for a person's choice in a sync conflict: an edit of them is refused, as on the desk.
        conflicted = {rid for (rid,) in db.execute_sql(
            "SELECT DISTINCT id FROM sync_sibling WHERE tbl = 'talent' AND open = 1")} if _has_table(
            db, "sync_sibling") else set()
        new_enterprises: dict[str, dict[str, Any]] = {}
        # A roster names the same enterprise and the same names many times: each checked or spelt once.
        credit_codes: dict[str, str] = {}
        spelt: dict[str, tuple[str, str]] = {}
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        # What earlier rows of the file claimed: a later row for the same person is refused.
        seen: dict[Any, int] = {}
        kinds = {**{v: k for k, v in ID_KIND_LABELS.items()}, **{k: k for k in ID_KIND_LABELS}, "身份证": "resident"}
        total = len(sheet.rows)
        for n, (line, cells, values, problem) in enumerate(self._cells(sheet, columns), start=1):
            if progress is not None and n % 2000 == 0:
                progress("check", n, total)
            label = values.get("name", "") + (f"（{values['card_no']}）" if values.get("card_no") else "")
            try:
                if problem:
                    raise _Reject(problem)
                given = {k: v for k, v in values.items() if v}
                match_id = None
                # A masked number as the export gives it to a role that may not see it: the talent's own
                # number, unchanged, when the row is matched by card.
                if given.get("card_no") in by_card:
                    match_id = by_card[given["card_no"]]
                for key, mask in (("phone", mask_phone), ("id_number", mask_id)):
                    if "*" in given.get(key, ""):
                        current = existing.get(match_id or "", {}).get(key)
                        if not current or mask(current) != given[key]:
                            raise _Reject(f"{'手机' if key == 'phone' else '身份证号'}是打码的号码，无法导入：请填写完整号码")
                        given[key] = current
                match_id = None
                data: dict[str, Any] = {}
                for key, target in (("name", "name"), ("phone", "phone"), ("id_number", "id_number"),
                                    ("card_no", "card_no"), ("notes", "notes")):
                    if key in given:
                        data[target] = given[key]
                if "id_kind" in given:
                    if given["id_kind"] not in kinds:
                        raise _Reject(f"证件类型「{given['id_kind']}」不正确，可选：居民身份证、护照")
                    data["id_kind"] = kinds[given["id_kind"]]
                for key, target, what in (("category", "category_code", "人才类别"), ("level", "level_code", "人才工程层级"),
                                          ("township", "township_code", "所属板块")):
                    if key in given:
                        code = look[key].get(given[key])
                        if code is None:
                            raise _Reject(f"{what}「{given[key]}」不在目录中")
                        data[target] = code
                if "specialist" in given:
                    sid = look["specialist"].get(given["specialist"])
                    if sid is None:
                        raise _Reject(f"专员「{given['specialist']}」不是本系统的人才工作专员")
                    if not sid:
                        raise _Reject(f"有多位名为「{given['specialist']}」的专员：请填写专员编号")
                    data["specialist_id"] = sid
                if "credit_code" in given:
                    code = credit_codes.get(given["credit_code"], "")
                    if not code:
                        try:
                            code = credit_codes[given["credit_code"]] = validate_credit_code(given["credit_code"])
                        except InvalidIdentifier as error:
                            raise _Reject(str(error)) from None
                    eid = enterprises_by_code.get(code)
                    if eid is None:
                        if "enterprise" not in given:
                            raise _Reject(f"统一社会信用代码 {code} 的企业未登记：请同时填写企业名称以便新建")
                        pending = new_enterprises.get(code)
                        if pending is None:
                            name = given["enterprise"]
                            if not 2 <= len(name) <= 60:
                                raise _Reject("企业名称应为 2–60 个字")
                            pending = {"id": self.desk.new_id(), "name": name, "credit_code": code,
                                       "township_code": data.get("township_code")}
                            new_enterprises[code] = pending
                        eid = pending["id"]
                    data["enterprise_id"] = eid
                elif "enterprise" in given:
                    eid = enterprises_by_name.get(given["enterprise"])
                    if eid is None:
                        raise _Reject(f"企业「{given['enterprise']}」未登记：请填写统一社会信用代码以便新建")
                    data["enterprise_id"] = eid
                # The desk's own rules (phone, GB 11643 ID number, card number, lengths, safe text).
                try:
                    checked = parse(TalentInput, **{"level_code": "none", **data})
                except ValidationFailed as error:
                    raise _Reject(error.message) from None
                for key in data:
                    data[key] = getattr(checked, key)
                if "id_kind" in data:
                    data["id_kind"] = checked.id_kind.value
                # Who the row is: ID number, else card number, else phone and name.
                resident = data.get("id_kind", "resident") == "resident"
                keys = []
                if data.get("id_number") and resident:
                    keys.append(("id", data["id_number"]))
                if data.get("card_no"):
                    keys.append(("card", data["card_no"]))
                keys.append(("phone", data["phone"], data["name"]))
                for key in keys:
                    if key in seen:
                        raise _Reject(f"与第 {seen[key]} 行是同一人，同一文件中只能出现一次")
                if data.get("id_number") and resident and data["id_number"] in by_id_number:
                    match_id = by_id_number[data["id_number"]]
                elif data.get("card_no") and data["card_no"] in by_card:
                    match_id = by_card[data["card_no"]]
                else:
                    match_id = by_phone_name.get((data["phone"], data["name"]))
                # One talent per ID number and per card number (storage/identity.py): the row may not give
                # another talent's.
                for key, index, what in (("id_number", by_id_number, "证件号码"), ("card_no", by_card, "东吴人才卡号")):
                    holder = index.get(data.get(key) or "")
                    if holder and holder != match_id and (key == "card_no" or resident):
                        other = existing[holder]
                        card = f"人才卡 {other['card_no']}" if other["card_no"] else f"编号 {holder}"
                        raise _Reject(f"该{what}已登记给人才 {other['name']}（{card}），同一人不能重复登记")
                for key in keys:
                    seen[key] = line
                if match_id is None:
                    talent_id = self.desk.new_id()
                    keys_of = spelt.get(data["name"])
                    if keys_of is None:
                        keys_of = spelt[data["name"]] = pinyin_keys(data["name"])
                    full, initials = keys_of
                    record = {"id": talent_id, "name_pinyin": full, "name_initials": initials,
                              **{k: getattr(checked, k) for k in ("name", "phone", "id_number", "category_code",
                                                                  "level_code", "enterprise_id", "township_code",
                                                                  "specialist_id", "card_no", "notes")},
                              "id_kind": checked.id_kind.value}
                    inserts.append(record)
                    result.outcomes.append(RowOutcome(line, "created", label))
                    continue
                current = existing[match_id]
                changes = {k: v for k, v in data.items() if current.get(k) != v}
                label = current["name"] + (f"（{current['card_no']}）" if current["card_no"] else "")
                if not changes:
                    result.outcomes.append(RowOutcome(line, "unchanged", label))
                    continue
                if match_id in conflicted:
                    raise _Reject("该人才与其他单位的修改存在冲突，须先处理冲突（dongwu sync conflicts）再导入")
                audit = {k: {"from": current.get(k), "to": v} for k, v in changes.items()}
                updates.append((match_id, changes, audit))
                what = "、".join(TALENT_UPDATE_LABELS[k] for k in changes)
                result.outcomes.append(RowOutcome(line, "updated", label, what))
            except _Reject as refusal:
                self._reject(result, line, cells, label, str(refusal))
        used = {r["enterprise_id"] for r in inserts} | {c.get("enterprise_id") for _, c, _ in updates}
        new_enterprises = {k: v for k, v in new_enterprises.items() if v["id"] in used}
        result.enterprises_created = len(new_enterprises)

        def write(source: str) -> None:
            self._write_talents(source, list(new_enterprises.values()), inserts, updates, progress)

        return write

    def _write_talents(self, source: str, enterprises: list[dict[str, Any]], inserts: list[dict[str, Any]],
                       updates: list[tuple[str, dict[str, Any], dict[str, Any]]], progress: Progress | None) -> None:
        from dongwu_tui.storage.bulk import bulk_load

        desk = self.desk
        at = desk.clock()
        stamp = at.isoformat(sep=" ")
        site = desk.site_id
        actor = desk.actor.id if desk.actor else None
        reason = f"批量导入 {source}"
        common = (site, stamp, stamp, 0)
        audit_columns = ("id", "site_id", "created_at", "updated_at", "deleted", "at", "actor_id", "entity",
                         "entity_id", "action", "reason", "changes")
        talent_columns = ("id", "site_id", "created_at", "updated_at", "deleted", "name", "name_pinyin",
                          "name_initials", "phone", "id_kind", "id_number", "category_code", "level_code",
                          "enterprise_id", "township_code", "specialist_id", "card_no", "notes")
        if progress is not None:
            progress("write", 0, len(inserts) + len(updates))
        with bulk_load(desk.office) as writer:
            if enterprises:
                writer.insert("enterprise", ("id", "site_id", "created_at", "updated_at", "deleted", "name",
                                             "credit_code", "township_code", "industry_code"),
                              [(e["id"], *common, e["name"], e["credit_code"], e["township_code"], None)
                               for e in enterprises])
            # Ids are UUIDv7 in creation order: the rows go in in id order, as the bulk capture prefers.
            writer.insert("talent", talent_columns,
                          [(r["id"], *common, *(r[c] for c in talent_columns[5:])) for r in inserts])
            db = desk.office.db
            for talent_id, changes, _audit in updates:
                if "name" in changes:
                    changes = {**changes, **dict(zip(("name_pinyin", "name_initials"),
                                                     pinyin_keys(changes["name"]), strict=True))}
                sets = ", ".join(f'"{k}" = ?' for k in changes)
                db.execute_sql(f"UPDATE talent SET {sets}, updated_at = ? WHERE id = ?",
                               (*changes.values(), stamp, talent_id))
            audits = [(desk.new_id(at), *common, stamp, actor, "enterprise", e["id"], "add",
                       json.dumps({"name": e["name"]}, ensure_ascii=False), ) for e in enterprises]
            audits += [(desk.new_id(at), *common, stamp, actor, "talent", r["id"], "add",
                        json.dumps({"name": r["name"]}, ensure_ascii=False)) for r in inserts]
            audits += [(desk.new_id(at), *common, stamp, actor, "talent", talent_id, "update",
                        json.dumps(audit, ensure_ascii=False, default=str)) for talent_id, _c, audit in updates]
            writer.insert("audit_log", audit_columns,
                          [(a[0], *a[1:5], a[5], a[6], a[7], a[8], a[9], reason, a[10]) for a in audits])
        if progress is not None:
            progress("write", len(inserts) + len(updates), len(inserts) + len(updates))

    # enterprises

    def _plan_enterprises(self, sheet: Sheet, columns: Mapping, result: ImportResult,
                          progress: Progress | None) -> Callable[[str], None]:
        from dongwu_tui.domain.validation import EnterpriseInput, parse

        db = self.desk.office.db
        look = self._lookups()
        existing = {code: {"id": eid, "name": name, "township_code": township, "industry_code": industry}
                    for eid, name, code, township, industry in db.execute_sql(
                        "SELECT id, name, credit_code, township_code, industry_code FROM enterprise "
                        "WHERE deleted = 0 ORDER BY id DESC")}
        inserts: list[dict[str, Any]] = []
        updates: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
        seen: dict[str, int] = {}
        for line, cells, values, problem in self._cells(sheet, columns):
            label = values.get("name", "")
            try:
                if problem:
                    raise _Reject(problem)
                given = {k: v for k, v in values.items() if v}
                data: dict[str, Any] = {k: given[k] for k in ("name", "credit_code") if k in given}
                for key, target, what in (("township", "township_code", "所属板块"), ("industry", "industry_code", "行业")):
                    if key in given:
                        code = look[key].get(given[key])
                        if code is None:
                            raise _Reject(f"{what}「{given[key]}」不在目录中")
                        data[target] = code
                try:
                    checked = parse(EnterpriseInput, **data)
                except ValidationFailed as error:
                    raise _Reject(error.message) from None
                data = {k: getattr(checked, k) for k in data}
                code = data["credit_code"]
                if code in seen:
                    raise _Reject(f"与第 {seen[code]} 行的统一社会信用代码相同，同一文件中只能出现一次")
                seen[code] = line
                current = existing.get(code)
                if current is None:
                    inserts.append({"id": self.desk.new_id(), "township_code": None, "industry_code": None, **data})
                    result.outcomes.append(RowOutcome(line, "created", f"{label}（{code}）"))
                    continue
                changes = {k: v for k, v in data.items() if k != "credit_code" and current.get(k) != v}
                if not changes:
                    result.outcomes.append(RowOutcome(line, "unchanged", f"{label}（{code}）"))
                    continue
                audit = {k: {"from": current.get(k), "to": v} for k, v in changes.items()}
                updates.append((current["id"], changes, audit))
                what = "、".join({"name": "企业名称", "township_code": "所属板块", "industry_code": "行业"}[k] for k in changes)
                result.outcomes.append(RowOutcome(line, "updated", f"{label}（{code}）", what))
            except _Reject as refusal:
                self._reject(result, line, cells, label, str(refusal))

        def write(source: str) -> None:
            from dongwu_tui.storage.bulk import bulk_load

            desk = self.desk
            at = desk.clock()
            stamp = at.isoformat(sep=" ")
            common = (desk.site_id, stamp, stamp, 0)
            actor = desk.actor.id if desk.actor else None
            with bulk_load(desk.office) as writer:
                writer.insert("enterprise", ("id", "site_id", "created_at", "updated_at", "deleted", "name",
                                             "credit_code", "township_code", "industry_code"),
                              [(e["id"], *common, e["name"], e["credit_code"], e["township_code"], e["industry_code"])
                               for e in inserts])
                for eid, changes, _audit in updates:
                    sets = ", ".join(f'"{k}" = ?' for k in changes)
                    desk.office.db.execute_sql(f"UPDATE enterprise SET {sets}, updated_at = ? WHERE id = ?",
                                               (*changes.values(), stamp, eid))
                audits = [(desk.new_id(at), *common, stamp, actor, "enterprise", e["id"], "add", f"批量导入 {source}",
                           json.dumps({"name": e["name"]}, ensure_ascii=False)) for e in inserts]
                audits += [(desk.new_id(at), *common, stamp, actor, "enterprise", eid, "update", f"批量导入 {source}",
                            json.dumps(audit, ensure_ascii=False)) for eid, _c, audit in updates]
                writer.insert("audit_log", ("id", "site_id", "created_at", "updated_at", "deleted", "at", "actor_id",
                                            "entity", "entity_id", "action", "reason", "changes"), audits)

        return write

    # staff

    def _plan_staff(self, sheet: Sheet, columns: Mapping, result: ImportResult,
                    progress: Progress | None) -> Callable[[str], None]:
        from dongwu_tui.domain.roles import ROLE_LABELS

        directory = self.desk.directory
        roles = {**{r.value: r.value for r in Role}, **{label: r.value for r, label in ROLE_LABELS.items()}}
        existing = {(s.name): s for s in directory.staff_list(limit=None)}
        adds: list[tuple[int, dict[str, Any]]] = []
        seen: dict[str, int] = {}
        for line, cells, values, problem in self._cells(sheet, columns):
            label = values.get("name", "")
            try:
                if problem:
                    raise _Reject(problem)
                given = {k: v for k, v in values.items() if v}
                if given.get("role") not in roles:
                    raise _Reject(f"角色「{given.get('role', '')}」不正确，可选：{'、'.join(ROLE_LABELS.values())}")
                role = roles[given["role"]]
                office = None
                if "office" in given:
                    try:
                        office = directory.site(given["office"]).id
                    except Exception as error:  # noqa: BLE001 - NotFound and its kin: the row's problem
                        raise _Reject(getattr(error, "message", str(error))) from None
                name = given.get("name", "")
                if name in seen:
                    raise _Reject(f"与第 {seen[name]} 行同名，同一文件中只能出现一次")
                seen[name] = line
                current = existing.get(name)
                if current is not None:
                    if current.role.value != role or (office and current.office_id != office):
                        raise _Reject("已有同名工作人员，但角色或所在单位不同：请在系统中核对")
                    result.outcomes.append(RowOutcome(line, "unchanged", name))
                    continue
                from dongwu_tui.domain.validation import StaffInput, parse

                try:
                    parse(StaffInput, name=name, role=role, office_id=office or directory.this_site().id,
                          phone=given.get("phone"))
                except ValidationFailed as error:
                    raise _Reject(error.message) from None
                adds.append((line, {"name": name, "role": role, "office": office, "phone": given.get("phone")}))
                result.outcomes.append(RowOutcome(line, "created", name))
            except _Reject as refusal:
                self._reject(result, line, cells, label, str(refusal))

        def write(source: str) -> None:
            with self.desk.office.write():
                for _line, values in adds:
                    directory.add_staff(values["name"], values["role"], values["office"], values["phone"])

        return write

    # -- export ---------------------------------------------------------------------------------

    def export_rows(self, kind: str) -> tuple[list[str], Iterable[list[Any]]]:
        """The headers and rows of an export: the import's headers, numbers masked unless the acting role
        sees them."""
        if kind not in KINDS:
            raise ValidationFailed(f"不能导出「{kind}」，可导出：{'、'.join(KINDS)}。")
        if self.desk.actor is not None and not self.desk.actor.active:
            raise PermissionRefused(f"{self.desk.actor.name}的账号已停用，不能导出。")
        from dongwu_tui.domain.identifiers import mask_id, mask_phone

        unmasked = self.desk.actor is not None and sees_personal_data(self.desk.actor.role)
        phone = (lambda v: v) if unmasked else (lambda v: mask_phone(v) if v else v)
        idno = (lambda v: v) if unmasked else (lambda v: mask_id(v) if v else v)
        headers = [c.header for c in COLUMNS[kind]]
        db = self.desk.office.db
        directory = self.desk.directory
        if kind == "talents":
            categories, levels = directory.talent_categories, directory.talent_levels
            townships = {c: t.name for c, t in directory.townships.items()}
            rows = db.execute_sql(
                "SELECT t.name, t.phone, t.id_kind, t.id_number, t.category_code, t.level_code, t.township_code, "
                "s.name, e.name, e.credit_code, t.card_no, t.notes FROM talent t "
                "LEFT JOIN staff s ON s.id = t.specialist_id LEFT JOIN enterprise e ON e.id = t.enterprise_id "
                "WHERE t.deleted = 0 ORDER BY t.name_pinyin, t.name, t.id")
            return headers, ([name, phone(p), ID_KIND_LABELS.get(kind_, kind_), idno(number) or "",
                              categories.get(cat, cat), levels.get(level, level) if level != "none" else "",
                              townships.get(town or "", ""), spec or "", ent or "", code or "", card or "", notes or ""]
                             for name, p, kind_, number, cat, level, town, spec, ent, code, card, notes in rows)
        if kind == "enterprises":
            townships = {c: t.name for c, t in directory.townships.items()}
            industries = {c: i.name for c, i in directory.industries.items()}
            rows = db.execute_sql("SELECT name, credit_code, township_code, industry_code FROM enterprise "
                                  "WHERE deleted = 0 ORDER BY name, id")
            return headers, ([name, code, townships.get(town or "", ""), industries.get(ind or "", "")]
                             for name, code, town, ind in rows)
        staff = directory.staff_list(limit=None)
        return headers, ([s.name, s.role.label, s.office_name or "", phone(s.phone) or ""] for s in staff)

    def export_file(self, kind: str, path: Path) -> int:
        count = self._write_export(kind, path)
        # Who saw what: every export of personal data is recorded, with its scope.
        self.desk.privacy.record_export(f"名册 {Path(path).name}", f"{KIND_LABELS[kind]} {count} 条")
        return count

    def _write_export(self, kind: str, path: Path) -> int:
        headers, rows = self.export_rows(kind)
        path = Path(path)
        count = 0
        if path.suffix.lower() == ".csv":
            with path.open("w", encoding="utf-8-sig", newline="") as out:
                writer = csv.writer(out)
                writer.writerow(headers)
                for row in rows:
                    writer.writerow(row)
                    count += 1
            return count
        if path.suffix.lower() != ".xlsx":
            raise ValidationFailed(f"导出文件应以 .xlsx 或 .csv 结尾：「{path.name}」。")
        from openpyxl import Workbook
        from openpyxl.cell import WriteOnlyCell

        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet(KIND_LABELS[kind])
        sheet.append(headers)
        for row in rows:
            # Every cell as text: numbers such as ID and phone numbers stay exact when the file comes back.
            cells = []
            for value in row:
                cell = WriteOnlyCell(sheet, value=value)
                cell.number_format = "@"
                cells.append(cell)
            sheet.append(cells)
            count += 1
        workbook.save(path)
        return count
