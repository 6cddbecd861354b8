"""Roster import at district scale: 100k talent rows naming 20k enterprises, from one workbook.

`python -m bench.roster_bench [--rows N] [--enterprises N]` builds the workbook (once, cached beside the
database), imports it into a fresh district database through `RosterService.import_file`, and compares
with the floor: a raw `executemany` of the same rows into an empty copy of the schema, with no reading,
validation, matching, search index, sync rows or audit. Numbers in docs/PERFORMANCE.md.
"""

from __future__ import annotations

import argparse
import random
import sqlite3
import tempfile
import time
from datetime import date
from pathlib import Path

from dongwu_tui.domain.identifiers import random_credit_code, random_mobile, random_resident_id

SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗郑梁谢宋唐许韩冯邓曹彭曾肖田董袁潘于蒋蔡余杜叶程苏魏吕丁任沈"
GIVEN = "伟芳娜敏静丽强磊军洋勇艳杰娟涛明超秀霞平刚桂英华玉兰建国志红梅文斌鹏辉晨宇浩然欣怡子涵思远博文嘉"
HEADERS = ["姓名", "手机", "身份证号", "人才类别", "所属板块", "企业", "统一社会信用代码", "东吴人才卡号"]
CATEGORIES = ["科技领军人才", "顶尖人才", "产业人才", "青年人才"]
TOWNSHIPS = ["木渎镇", "甪直镇", "胥口镇", "临湖镇"]


def make_rows(count: int, enterprises: int, seed: int = 7) -> list[list[str]]:
    rng = random.Random(seed)
    firms = [(f"苏州东吴{i:05d}科技有限公司", random_credit_code(rng)) for i in range(enterprises)]
    rows = []
    used: set[str] = set()
    for i in range(count):
        name = rng.choice(SURNAMES) + "".join(rng.choice(GIVEN) for _ in range(rng.choice((1, 2))))
        firm = firms[i % enterprises]
        # One person per ID number: a repeated draw would be refused as the same person twice.
        idno = random_resident_id(rng, date(1960, 1, 1), date(2000, 1, 1))
        while idno in used:
            idno = random_resident_id(rng, date(1960, 1, 1), date(2000, 1, 1))
        used.add(idno)
        rows.append([name, random_mobile(rng), idno,
                     rng.choice(CATEGORIES), rng.choice(TOWNSHIPS), firm[0], firm[1], f"DW{i:07d}"])
    return rows


def write_workbook(path: Path, rows: list[list[str]]) -> None:
    from openpyxl import Workbook

    book = Workbook(write_only=True)
    sheet = book.create_sheet("人才")
    sheet.append(HEADERS)
    for row in rows:
        sheet.append(row)
    book.save(path)


def floor(db_path: Path, rows: list[list[str]]) -> tuple[float, float]:
    """Raw executemany of the same rows into an empty database with the same talent table and indexes."""
    source = sqlite3.connect(db_path)
    schema = [sql for (sql,) in source.execute(
        "SELECT sql FROM sqlite_master WHERE tbl_name IN ('talent', 'enterprise') AND type IN ('table', 'index') "
        "AND sql IS NOT NULL")]
    source.close()
    with tempfile.TemporaryDirectory() as folder:
        db = sqlite3.connect(Path(folder) / "floor.db")
        db.execute("PRAGMA journal_mode = WAL")
        db.execute("PRAGMA foreign_keys = OFF")
        for sql in schema:
            db.execute(sql)
        started, cpu = time.perf_counter(), time.process_time()
        with db:
            firms = {}
            for row in rows:
                firms.setdefault(row[6], row[5])
            db.executemany("INSERT INTO enterprise (id, site_id, created_at, updated_at, deleted, name, credit_code) "
                           "VALUES (?, 's', '', '', 0, ?, ?)", [(code, name, code) for code, name in firms.items()])
            db.executemany(
                "INSERT INTO talent (id, site_id, created_at, updated_at, deleted, name, phone, id_kind, id_number, "
                "category_code, level_code, township_code, enterprise_id, card_no) "
                "VALUES (?, 's', '', '', 0, ?, ?, 'resident', ?, ?, 'none', ?, ?, ?)",
                [(f"t{i}", r[0], r[1], r[2], r[3], r[4], r[6], r[7]) for i, r in enumerate(rows)])
        elapsed = time.perf_counter() - started, time.process_time() - cpu
        db.close()
    return elapsed


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rows", type=int, default=100_000)
    parser.add_argument("--enterprises", type=int, default=20_000)
    parser.add_argument("--folder", type=Path, default=Path(tempfile.gettempdir()) / "dongwu-roster-bench")
    args = parser.parse_args()
    args.folder.mkdir(parents=True, exist_ok=True)
    rows = make_rows(args.rows, args.enterprises)
    book = args.folder / f"talents-{args.rows}-{args.enterprises}.xlsx"
    if not book.exists():
        write_workbook(book, rows)
    from dongwu_tui.services.roster import RosterService
    from dongwu_tui.services.setup import initialise

    db_path = args.folder / "office.db"
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_path}{suffix}").unlink(missing_ok=True)
    desk = initialise(db_path, "吴中区高层次人才服务中心", "district")
    operator = desk.directory.add_staff("王芳", "operator")
    desk = desk.acting_as(operator)
    # Wall-clock and CPU seconds: on a shared machine the CPU time is the steadier figure.
    started, cpu = time.perf_counter(), time.process_time()
    result = RosterService(desk).import_file("talents", book)
    imported = time.perf_counter() - started, time.process_time() - cpu
    started, cpu = time.perf_counter(), time.process_time()
    again = RosterService(desk).import_file("talents", book)
    reimported = time.perf_counter() - started, time.process_time() - cpu
    desk.office.close()
    raw = floor(db_path, rows)
    print(result.summary)
    print(again.summary)
    for label, (wall, cpu) in (("import", imported), ("re-import (no change)", reimported),
                               ("floor (raw executemany)", raw)):
        print(f"{label}: {wall:.1f} s wall, {cpu:.1f} s CPU")


if __name__ == "__main__":
    main()
