"""Export stage: a sealed delta (or full) file for one office, with what it has not acknowledged yet."""

from __future__ import annotations

import hashlib
import json
import zlib
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, datetime
from functools import partial
from pathlib import Path
from typing import Any

from dongwu_tui import __version__
from dongwu_tui.domain.chinatime import CHINA_TZ
from dongwu_tui.storage.database import SCHEMA_VERSION, OfficeDatabase
from dongwu_tui.sync import departures, identity, trust
from dongwu_tui.sync import knowledge as kn
from dongwu_tui.sync.errors import SyncRefused
from dongwu_tui.sync.fileformat import ALGORITHMS, FORMAT_VERSION, export_query, seal, write_atomically
from dongwu_tui.sync.layout import TABLES, Progress, columns
from dongwu_tui.sync.layout import dump as _dump

CHUNK_RECORDS = 20000
EXPORT_ZLIB_LEVEL = 1

@dataclass
class ExportResult:
    path: Path
    peer: str
    kind: str
    records: int
    counts: dict[str, int]
    size: int


def _peer_row(office: OfficeDatabase, site_id: str) -> dict[str, Any]:
    row = office.db.execute_sql(
        "SELECT declared, code, name, kind, township_code FROM sync_peer WHERE site_id = ?", (site_id,)).fetchone()
    return {"declared": json.loads(row[0] or "{}"), "code": row[1], "name": row[2], "kind": row[3],
            "township_code": row[4]}


def export_file(office: OfficeDatabase, to: str, out_dir: Path, *, full: bool = False,
                progress: Progress | None = None, now: datetime | None = None) -> ExportResult:
    identity.ensure_replica(office)
    keys = trust.require_keys(office)
    me = trust.this_office(office)
    own_cert = office.db.execute_sql("SELECT certificate FROM sync_peer WHERE site_id = ?", (me["site_id"],)).fetchone()
    if own_cert is None:
        raise SyncRefused("not-certified", "本单位尚未获得区中心认证：请把 dongwu sync keys 生成的申请文件交给区中心，"
                                           "再用 dongwu sync trust 安装中心下发的信任文件。")
    peer_cert = trust.peer_certificate(office, to)["body"]
    if peer_cert["site_id"] == me["site_id"]:
        raise SyncRefused("self", "不能向本单位自己导出。")
    peer = _peer_row(office, peer_cert["site_id"])
    subs = kn.subscriptions(peer_cert["kind"], peer_cert.get("township_code"))
    known = kn.knowledge(office)
    base = {} if full else kn.restrict(peer["declared"], subs)
    parts = None if subs is None else sorted(subs)
    chunks: list[bytes] = []
    chunk_meta: list[dict[str, Any]] = []
    lines: list[str] = []
    counts: dict[str, int] = {}
    table_columns: dict[str, list[str]] = {}

    def flush() -> None:
        if lines:
            data = zlib.compress("\n".join(lines).encode("utf-8"), EXPORT_ZLIB_LEVEL)
            chunks.append(data)
            chunk_meta.append({"size": len(data), "sha256": hashlib.sha256(data).hexdigest(), "records": len(lines)})
            lines.clear()

    total = 0
    has_departures = departures.has_table(office)
    for table in TABLES:
        cols = columns(office, table)
        table_columns[table] = cols
        where = "" if parts is None else f" AND r.part IN ({', '.join('?' * len(parts))})"
        queries = [(export_query(table, cols) + where, [table] * 4 + list(parts or []))]
        if parts is not None and has_departures:
            # Records that left this office's partitions travel once more, so it learns of the move;
            # their first column is the partition they left, which the delta is measured against.
            queries.append(departures.departed_query(table, cols, parts))
        sources: list[Callable[[], Iterable[tuple[str, str, str]]]] = [
            partial(office.db.execute_sql, sql, params) for sql, params in queries]
        if has_departures:
            # Copies set aside here may be the last of some write: they travel too (departures.py).
            sources.append(partial(departures.shadow_lines, office, table, cols, parts))
        count = 0
        for source in sources:
            for part, vv_text, line in source():
                if base and not kn.newer_than(json.loads(vv_text), base.get(part, {})):
                    continue
                lines.append(line)
                count += 1
                if len(lines) >= CHUNK_RECORDS:
                    flush()
                    if progress:
                        progress("export", total + count, 0)
        counts[table] = count
        total += count
    flush()
    created = now or datetime.now(UTC)
    replicas = {r: s for r, s in office.db.execute_sql("SELECT replica, site_id FROM sync_replica")}
    manifest: dict[str, Any] = {
        "format": FORMAT_VERSION, "schema_version": SCHEMA_VERSION, "app": f"dongwu-tui {__version__}",
        "algorithms": ALGORITHMS,
        "sender": {**me, "replica": identity.replica(office)},
        "recipients": [peer_cert["site_id"]],
        "created_at": created.replace(microsecond=0).isoformat(), "created_ms": int(created.timestamp() * 1000),
        "kind": "full" if full else "delta",
        "partitions": parts, "base": base, "top": kn.restrict(known, subs), "ack": known,
        "tables": table_columns, "counts": counts, "records": total, "chunks": chunk_meta, "replicas": replicas,
    }
    certificate = json.loads(own_cert[0])
    sealed = seal(manifest, chunks, keys, certificate, [peer_cert])
    out_dir.mkdir(parents=True, exist_ok=True)
    stamp = created.astimezone(CHINA_TZ).strftime("%Y%m%d-%H%M%S")
    name = (f"{me['code']}-to-{peer_cert['code']}-{stamp}-{'full' if full else 'delta'}-"
            f"{identity.counter(office)}.dwsync")
    path = out_dir / name
    write_atomically(path, sealed)
    with office.write():
        office.db.execute_sql(
            "UPDATE sync_peer SET last_out_at = ?, last_out_file = ?, last_out_top = ? WHERE site_id = ?",
            (trust.now_iso(), name, _dump(manifest["top"]), peer_cert["site_id"]))
    identity.note_exported(office)
    return ExportResult(path, peer_cert["name"], manifest["kind"], total, counts, len(sealed))

