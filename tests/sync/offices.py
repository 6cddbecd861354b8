"""Real office databases for sync tests: a centre and townships, enrolled and trusting each other."""

from __future__ import annotations

import json
from pathlib import Path

from dongwu_tui.services.setup import initialise
from dongwu_tui.storage.database import OfficeDatabase, open_database
from dongwu_tui.sync import identity, trust

TOWNSHIPS = {"mudu": "木渎镇", "xukou": "胥口镇", "guoxiang": "郭巷街道"}


def make_offices(tmp: Path, townships: list[str]) -> dict[str, OfficeDatabase]:
    """wz (the centre) plus the named townships, each a real database file, all certified by wz."""
    offices: dict[str, OfficeDatabase] = {}
    desk = initialise(tmp / "wz.db", "吴中区高层次人才服务中心", "district")
    offices["wz"] = desk.office
    for code in townships:
        desk = initialise(tmp / f"{code}.db", f"{TOWNSHIPS[code]}人才工作站", "township", township=code)
        offices[code] = desk.office
    centre = offices["wz"]
    trust.ensure_keys(centre)
    for code in townships:
        trust.certify(centre, trust.enrolment_request(offices[code]))
    bundle = json.loads(json.dumps(trust.trust_bundle(centre)))
    for code in townships:
        trust.install_bundle(offices[code], bundle)
    return offices


def dump(office: OfficeDatabase) -> list[str]:
    return list(office.db.connection().iterdump())


def reopen(path: Path) -> OfficeDatabase:
    office = open_database(path)
    identity.ensure_replica(office)
    return office
