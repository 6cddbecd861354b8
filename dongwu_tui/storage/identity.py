"""One talent per resident ID number and per card number in an office database: who already holds one.

Kept in storage, under both the services and sync, so that a registration, an edit and a talent that
arrives by sync are judged by the same rule (see migration 0009 for why the database does not enforce it
with a UNIQUE index).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from dongwu_tui.domain.models import IdKind
from dongwu_tui.domain.safetext import printable


@dataclass(frozen=True, slots=True)
class IdentityClash:
    """A live talent already holding an identity a write would give another: which field, and who."""

    field: str  # "id_number" or "card_no"
    talent_id: str
    name: str
    card_no: str | None

    @property
    def message(self) -> str:
        what = "证件号码" if self.field == "id_number" else "东吴人才卡号"
        card = f"人才卡 {self.card_no}" if self.card_no else f"编号 {self.talent_id}"
        return f"该{what}已登记给人才 {printable(self.name)}（{card}），同一人不能重复登记。"


def identity_clash(tables: Any, *, id_kind: str | None, id_number: str | None, card_no: str | None,
                   exclude_id: str | None = None) -> IdentityClash | None:
    """The live talent of this office database that already has this resident ID number or this card
    number (other than `exclude_id`), or None. The one place the rule lives: the talent service
    (services.talents) calls it on every registration and edit, and sync can call it on a talent that
    arrives.

    Passport numbers are not compared: they are unique only within the issuing country."""
    t = tables.TalentRow
    checks = []
    if id_number and (id_kind or IdKind.RESIDENT.value) == IdKind.RESIDENT.value:
        checks.append(("id_number", (t.id_number == id_number) & (t.id_kind == IdKind.RESIDENT.value)))
    if card_no:
        checks.append(("card_no", t.card_no == card_no))
    for field, condition in checks:
        query = t.select(t.id, t.name, t.card_no).where(condition & (t.deleted == False))  # noqa: E712
        if exclude_id:
            query = query.where(t.id != exclude_id)
        row = query.order_by(t.id).first()
        if row is not None:
            return IdentityClash(field, row.id, row.name, row.card_no)
    return None
