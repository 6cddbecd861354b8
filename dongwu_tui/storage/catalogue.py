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
    import tomllib  # here, not at the top: no TOML is read on the way to the first screen (start-up, issue 6)

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
                code=row["code"], name=row["name"], kind=row["kind"], position=position
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
