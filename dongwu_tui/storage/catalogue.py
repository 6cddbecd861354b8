"""Loading the catalogue data files (measures, townships, industries, talent categories) into a database.

The files live in the top-level `data/` folder (installed as the package `dongwu_tui.data`) so an office
edits data, not code. Loading is an upsert by code: an edited name or limit replaces the old one.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from dongwu_tui.domain.errors import StorageError
from dongwu_tui.domain.pinyin import pinyin_keys
from dongwu_tui.storage.database import OfficeDatabase


def data_dir() -> Path:
    """The catalogue folder: the installed package data (dongwu_tui/data), or the repository's data/ when run
    from a clone (an editable install maps the package there). Found by path: importlib.resources cost ~2 ms
    of every start-up for the same answer."""
    package = Path(__file__).resolve().parents[1]
    installed = package / "data"
    if (installed / "measures.toml").exists():
        return installed
    return package.parent / "data"


def read_data_file(name: str) -> dict[str, Any]:
    import tomllib  # here, not at the top: no TOML is read on the way to the first screen (start-up)

    path = data_dir() / name
    try:
        with path.open("rb") as handle:
            return tomllib.load(handle)
    except FileNotFoundError as error:
        raise StorageError(f"找不到目录数据文件 {path}。") from error
    except tomllib.TOMLDecodeError as error:
        raise StorageError(f"目录数据文件 {path} 格式错误：{error}。") from error


def _upsert(model: Any, **values: Any) -> None:
    key = model._meta.primary_key
    update = {getattr(model, name): value for name, value in values.items() if name != key.name}
    model.insert(**values).on_conflict(conflict_target=[key], update=update).execute()


def load_catalogue(office: OfficeDatabase) -> dict[str, int]:
    """Upsert every catalogue file into the database; returns how many rows each table received."""
    t = office.tables
    measures = read_data_file("measures.toml")
    townships = read_data_file("townships.toml")
    industries = read_data_file("industries.toml")
    talents = read_data_file("talents.toml")
    categories = measures.get("category", [])
    known = {c["code"] for c in categories}
    numbers = [m["number"] for m in measures.get("measure", [])]
    if len(numbers) != len(set(numbers)):
        raise StorageError("measures.toml 中的服务举措编号有重复。")
    for m in measures.get("measure", []):
        if m["category"] not in known:
            raise StorageError(f"measures.toml 中举措 {m['number']} 的类别 {m['category']} 未定义。")

    with office.write():
        for position, c in enumerate(categories):
            _upsert(t.MeasureCategoryRow, code=c["code"], name=c["name"], position=position)
        for m in measures.get("measure", []):
            full, initials = pinyin_keys(m["name"])
            _upsert(t.MeasureRow,
                number=m["number"],
                category_code=m["category"],
                name=m["name"],
                limit_days=int(m["limit_days"]),
                office=m["office"],
                unit=m.get("unit", ""),
                pinyin=full,
                initials=initials,
            )
        for position, row in enumerate(townships.get("township", [])):
            _upsert(t.TownshipRow,
                code=row["code"], name=row["name"], kind=row["kind"], position=position,
                retired=bool(row.get("retired", False)),
            )
        for position, row in enumerate(industries.get("industry", [])):
            _upsert(t.IndustryRow, code=row["code"], name=row["name"], position=position)
        for position, row in enumerate(talents.get("category", [])):
            _upsert(t.TalentCategoryRow,
                code=row["code"], name=row["name"], position=position
            )
        for position, row in enumerate(talents.get("level", [])):
            _upsert(t.TalentLevelRow, code=row["code"], name=row["name"], position=position)
    return {
        "measure_category": len(categories),
        "measure": len(numbers),
        "township": len(townships.get("township", [])),
        "industry": len(industries.get("industry", [])),
        "talent_category": len(talents.get("category", [])),
        "talent_level": len(talents.get("level", [])),
    }


# Each catalogue table: its key column, and the columns of other tables that name one of its rows.
_CATALOGUE = {
    "measure_category": ("code", "举措类别", (("measure", "category_code"),)),
    "measure": ("number", "服务举措", (("service_request", "measure_number"), ("call", "measure_number"))),
    "township": ("code", "板块", (("talent", "township_code"), ("enterprise", "township_code"),
                                 ("service_request", "township_code"), ("site", "township_code"))),
    "industry": ("code", "行业", (("enterprise", "industry_code"),)),
    "talent_category": ("code", "人才类别", (("talent", "category_code"),)),
    "talent_level": ("code", "人才层次", (("talent", "level_code"),)),
}


def _file_keys() -> dict[str, set[Any]]:
    measures, talents = read_data_file("measures.toml"), read_data_file("talents.toml")
    return {
        "measure_category": {c["code"] for c in measures.get("category", [])},
        "measure": {m["number"] for m in measures.get("measure", [])},
        "township": {t["code"] for t in read_data_file("townships.toml").get("township", [])},
        "industry": {i["code"] for i in read_data_file("industries.toml").get("industry", [])},
        "talent_category": {c["code"] for c in talents.get("category", [])},
        "talent_level": {c["code"] for c in talents.get("level", [])},
    }


def _rows(office: OfficeDatabase, table: str) -> dict[Any, tuple[Any, ...]]:
    key = _CATALOGUE[table][0]
    cursor = office.db.execute_sql(f"SELECT * FROM {table}")
    columns = [d[0] for d in cursor.description]
    return {row[columns.index(key)]: row for row in cursor.fetchall()}


def reload_catalogue(office: OfficeDatabase) -> dict[str, dict[str, int]]:
    """Apply the edited data files to an existing database: rows added and changed as the files say,
    rows the files no longer list removed, unless a record (tombstones included) still names them: then
    nothing is written and the refusal names each one. Returns per table how many rows were added,
    changed and removed. Runs inside the caller's write transaction or opens one."""
    wanted = _file_keys()
    before = {table: _rows(office, table) for table in _CATALOGUE}
    refused, removed = [], {}
    for table, (key, label, references) in _CATALOGUE.items():
        gone = [k for k in before[table] if k not in wanted[table]]
        removed[table] = gone
        for k in gone:
            uses = sum(office.db.execute_sql(f"SELECT COUNT(*) FROM {other} WHERE {column} = ?", (k,)).fetchone()[0]
                       for other, column in references)
            if uses:
                refused.append(f"{label}「{k}」仍有 {uses} 条记录使用")
    if refused:
        from dongwu_tui.domain.errors import ValidationFailed

        raise ValidationFailed("目录数据文件删去了仍在使用的条目，未做任何修改：" + "；".join(refused)
                               + "。请保留这些条目（板块可标 retired = true）。")
    with office.write():
        load_catalogue(office)
        for table, gone in removed.items():
            key = _CATALOGUE[table][0]
            for k in gone:
                office.db.execute_sql(f"DELETE FROM {table} WHERE {key} = ?", (k,))
    after = {table: _rows(office, table) for table in _CATALOGUE}
    return {table: {"added": sum(1 for k in after[table] if k not in before[table]),
                    "changed": sum(1 for k, row in after[table].items()
                                   if k in before[table] and before[table][k] != row),
                    "removed": len(removed[table])} for table in _CATALOGUE}
