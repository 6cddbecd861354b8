"""The sync desk: what the CLI and the sync screen call. No printing, no Textual.

    sync = SyncDesk(office, actor_id)
    sync.keys() / sync.enrolment() / sync.trust(document)
    sync.export("mudu", folder, full=False, progress=cb)       -> ExportResult
    sync.preview(path)                                         -> Preview (sender, date, counts, duplicate?)
    sync.import_files([paths], progress=cb)                    -> [(path, ImportResult | SyncRefused)]
    sync.status() / sync.conflicts() / sync.conflict_count() / sync.resolve(ref, take=..., value=...)
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from dongwu_tui.domain.chinatime import china_iso
from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.sync import conflicts as cf
from dongwu_tui.sync import engine, identity, trust
from dongwu_tui.sync import knowledge as kn
from dongwu_tui.sync.errors import SyncRefused


@dataclass
class PeerStatus:
    site_id: str
    code: str
    name: str
    kind: str
    revoked: bool
    last_in_at: str | None
    last_in_file: str | None
    last_out_at: str | None
    last_out_file: str | None
    acknowledged: str | None
    pending: int

    def as_dict(self) -> dict[str, Any]:
        return dict(self.__dict__)


class SyncDesk:
    def __init__(self, office: OfficeDatabase, actor_id: str | None = None) -> None:
        self.office = office
        self.actor_id = actor_id
        if not identity.has_sync(office):
            raise SyncRefused("no-sync", "数据库版本过旧，缺少同步数据表。")
        identity.ensure_replica(office)

    # -- keys and trust -----------------------------------------------------------------------------
    def keys(self) -> dict[str, Any]:
        keys = trust.ensure_keys(self.office)
        me = trust.this_office(self.office)
        root = trust.root_certificate(self.office)
        return {**me, "sign_pk": keys.sign_pk, "box_pk": keys.box_pk, "fingerprint": trust.fingerprint(keys.sign_pk),
                "replica": identity.replica(self.office), "is_root": me["kind"] == "district",
                "root_fingerprint": trust.fingerprint(root["body"]["sign_pk"]) if root else None}

    def enrolment(self) -> dict[str, Any]:
        return trust.enrolment_request(self.office)

    def trust(self, document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
        return trust.handle_trust_file(self.office, document)

    def trust_bundle(self) -> dict[str, Any]:
        return trust.trust_bundle(self.office)

    def revoke(self, site_ref: str) -> dict[str, Any]:
        return trust.revoke(self.office, site_ref)

    # -- files ----------------------------------------------------------------------------------------
    def export(self, to: str, folder: Path, *, full: bool = False, progress: engine.Progress | None = None
               ) -> engine.ExportResult:
        return engine.export_file(self.office, to, Path(folder), full=full, progress=progress)

    def preview(self, path: Path) -> engine.Preview:
        return engine.preview(self.office, Path(path))

    def import_file(self, path: Path, *, accept_future: bool = False,
                    progress: engine.Progress | None = None) -> engine.ImportResult:
        return engine.import_file(self.office, Path(path), accept_future=accept_future, progress=progress)

    def import_files(self, paths: list[Path], *, accept_future: bool = False, progress: engine.Progress | None = None
                     ) -> list[tuple[Path, engine.ImportResult | SyncRefused]]:
        outcomes: list[tuple[Path, engine.ImportResult | SyncRefused]] = []
        for path in paths:
            try:
                outcomes.append((Path(path), self.import_file(path, accept_future=accept_future, progress=progress)))
            except SyncRefused as refusal:
                outcomes.append((Path(path), refusal))
        return outcomes

    # -- status and conflicts -------------------------------------------------------------------------
    def status(self) -> list[PeerStatus]:
        me = self.office.meta("site_id")
        rows = self.office.db.execute_sql(
            "SELECT site_id, code, name, kind, township_code, revoked_at, declared, last_in_at, last_in_file, "
            "last_out_at, last_out_file FROM sync_peer WHERE site_id <> ? ORDER BY code", (me,)).fetchall()
        own = identity.replica(self.office)
        result = []
        for site_id, code, name, kind, township, revoked, declared, in_at, in_file, out_at, out_file in rows:
            declared_k = json.loads(declared or "{}")
            acked = max((v.get(own, 0) for v in declared_k.values()), default=0)
            # Stored times carry their own offset, whichever it is; they are given in China time.
            result.append(PeerStatus(site_id, code, name, kind, revoked is not None, china_iso(in_at), in_file,
                                     china_iso(out_at), out_file,
                                     cf._time(acked) if acked else None,
                                     self.pending(kn.subscriptions(kind, township), declared_k)))
        return result

    def pending(self, subs: set[str] | None, declared: kn.Knowledge) -> int:
        """Records a delta to this peer would carry now."""
        count = 0
        base = kn.restrict(declared, subs)
        for part, vv_text in self.office.db.execute_sql("SELECT part, vv FROM sync_row"):
            if (subs is None or part in subs) and kn.newer_than(json.loads(vv_text), base.get(part, {})):
                count += 1
        return count

    @property
    def unmasked(self) -> bool:
        """Phone and ID numbers are masked in the conflict inbox for everyone: choosing between versions
        needs their number, not the person's (need to know); the stored value stays whole."""
        return False

    def shown(self, conflicts: list[cf.Conflict]) -> list[cf.Conflict]:
        return conflicts if self.unmasked else [c.masked() for c in conflicts]

    def conflicts(self, table: str | None = None) -> list[cf.Conflict]:
        return self.shown(cf.list_conflicts(self.office, table))

    def conflict_count(self) -> int:
        return cf.open_conflict_count(self.office)

    def record_in_conflict(self, table: str, record_id: str) -> bool:
        return cf.record_in_conflict(self.office, table, record_id)

    def resolve(self, ref: str, *, take: str | None = None, value: Any = None, at: str) -> list[cf.Conflict]:
        targets = cf.find(self.office, ref)
        for conflict in targets:
            cf.resolve(self.office, conflict, cf.choose(conflict, take, value), self.actor_id, at)
        return self.shown(targets)
