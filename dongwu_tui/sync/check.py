"""Checking stage: open and verify a file completely before anything of it is applied."""

from __future__ import annotations

import logging
import shutil
import time
import zlib
from dataclasses import dataclass
from datetime import timedelta
from itertools import groupby
from operator import itemgetter
from pathlib import Path
from typing import Any

from dongwu_tui.domain.chinatime import china_text
from dongwu_tui.storage.database import SCHEMA_VERSION, OfficeDatabase
from dongwu_tui.sync import trust
from dongwu_tui.sync.errors import HeldForReview, SyncRefused
from dongwu_tui.sync.fileformat import FORMAT_VERSION, OpenedFile, open_sealed
from dongwu_tui.sync.layout import TABLES, columns

log = logging.getLogger(__name__)

FUTURE_TOLERANCE = timedelta(days=1)


@dataclass
class Preview:
    path: Path
    opened: OpenedFile
    sender: dict[str, Any]
    already_imported: bool

    @property
    def manifest(self) -> dict[str, Any]:
        return self.opened.manifest



def sync_log(office: OfficeDatabase, path: Path, outcome: str, reason: str) -> None:
    """Refusals are logged beside the database, never in it: a refused file leaves the database as it was."""
    try:
        log_path = office.path.with_name(office.path.name + ".sync.log")
        with log_path.open("a", encoding="utf-8") as handle:
            handle.write(f"{trust.now_iso()}\t{path}\t{outcome}\t{reason}\n")
    except OSError:
        log.warning("cannot write the sync log for %s", office.path)


def preview(office: OfficeDatabase, path: Path, *, accept_future: bool = False, now_ms: int | None = None) -> Preview:
    """Open and verify a file completely (certificate, signature, recipient, versions, every chunk)."""
    try:
        data = Path(path).read_bytes()
    except OSError as error:
        raise SyncRefused("unreadable", f"无法读取文件 {path}：{error.strerror}。") from None
    keys = trust.require_keys(office)
    me = trust.this_office(office)
    opened = open_sealed(data, me["site_id"], keys.box)
    cert = trust.check_certificate(office, opened.certificate)
    m = opened.manifest
    if int(m.get("format", 0)) > FORMAT_VERSION:
        raise SyncRefused("too-new", f"同步文件格式版本 {m.get('format')} 高于本程序支持的版本 {FORMAT_VERSION}，"
                                     "请升级后再导入，本文件未导入。")
    if int(m.get("schema_version", 0)) > SCHEMA_VERSION:
        raise SyncRefused("too-new", f"同步文件来自更新版本的程序（数据库版本 {m.get('schema_version')}，"
                                     f"本程序 {SCHEMA_VERSION}），请升级东吴人才服务台后再导入，本文件未导入。")
    if m.get("sender", {}).get("site_id") != cert["site_id"]:
        raise SyncRefused("tampered", "同步文件的发件单位与其证书不符（被篡改），未导入。")
    if me["site_id"] not in m.get("recipients", []):
        raise SyncRefused("not-addressed", "本文件不是发给本单位的（清单中的收件单位不是本单位），未导入。")
    if cert["site_id"] == me["site_id"]:
        raise SyncRefused("own-file", "这是本单位自己导出的文件，不能导入。")
    local_tables = {t: set(columns(office, t)) for t in TABLES}
    for table, cols in m.get("tables", {}).items():
        if table not in local_tables or not set(cols) <= local_tables[table]:
            raise SyncRefused("too-new", f"同步文件含有本程序不认识的数据（{table}），请升级后再导入，本文件未导入。")
    created_ms = int(m.get("created_ms", 0))
    current_ms = now_ms if now_ms is not None else int(time.time() * 1000)
    if created_ms > current_ms + FUTURE_TOLERANCE.total_seconds() * 1000 and not accept_future:
        held = office.path.with_name(office.path.name + ".held")
        held.mkdir(exist_ok=True)
        shutil.copy2(path, held / Path(path).name)
        raise HeldForReview("future", f"文件时间 {china_text(m.get('created_at'))} "
                                      "比本机时间晚一天以上（发件机器时钟可能有误），"
                                      f"已暂存到 {held} 待审核，未导入；"
                                      "核实后用 dongwu sync import --accept-future 导入。")
    already = office.db.execute_sql("SELECT 1 FROM sync_file_in WHERE sha256 = ?", (opened.sha256,)).fetchone()
    return Preview(Path(path), opened, cert, already is not None)


def decode(opened: OpenedFile) -> dict[str, list[list[Any]]]:
    by_table: dict[str, list[list[Any]]] = {t: [] for t in TABLES}
    try:
        for chunk in opened.chunk_records():
            # A chunk holds long runs of one table: grouping in C beats a Python step per record.
            for table, run in groupby(chunk, itemgetter(0)):
                by_table[table].extend(run)
    except (zlib.error, ValueError, KeyError, IndexError, TypeError):
        raise SyncRefused("damaged", "同步文件的数据无法解读（已损坏），未导入。") from None
    counts = {t: len(v) for t, v in by_table.items() if v}
    declared = {t: n for t, n in opened.manifest.get("counts", {}).items() if n}
    if counts != declared:
        raise SyncRefused("tampered", "同步文件的记录数与清单不符（被篡改或损坏），未导入。")
    return by_table

