"""Identity: one talent per resident ID number and per card number in an office.

The rule is kept in code (`storage.identity.identity_clash`: the talent service calls it on every
registration and edit, and sync can call it for a talent that arrives), not by a UNIQUE index: an office must be able to hold
duplicates that it held before the rule, or that arrive by sync (two offices registering the same person
before they exchange files), until a person merges them. A UNIQUE index would make opening such a
database or importing such a file fail. `dongwu summary` lists the duplicates an office holds
(`TalentService.duplicate_identities`).

This index makes the check (and the summary) a lookup instead of a scan of every talent; the card
number has its index since 0001.
"""

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS talent_id_number ON talent (id_number) WHERE id_number IS NOT NULL",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
