"""Merged talents: the record merged away points to the one that survives.

A supervisor's merge of two registrations of one person keeps one talent; the other becomes a tombstone
(`deleted = 1`, as every delete) whose `merged_into_id` names the survivor, so a reference to the old
record (a card number read out on the phone, an edit made elsewhere) finds the person who remains.
"""

STATEMENTS = [
    "ALTER TABLE talent ADD COLUMN merged_into_id TEXT",
    "CREATE INDEX IF NOT EXISTS talent_merged_into ON talent (merged_into_id) WHERE merged_into_id IS NOT NULL",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
