"""Accounts and sign-in sessions: who is acting is proven by a password, not by a typed name.

`account` holds one row per staff member who can sign in: the argon2id hash of their password, whether
it must be changed at the next sign-in (a first or an admin-set temporary password), the failures since
the last success and the time a lockout ends. `session` holds the SHA-256 of each command-line session
token (the token itself is only in the user's file), when it was made and last used.

Neither table is exchanged by sync: a password and a session belong to one office's database, and the
staff rows they point to are the synced records.
"""

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS account (
        staff_id TEXT PRIMARY KEY NOT NULL REFERENCES staff (id),
        password_hash TEXT NOT NULL,
        must_change INTEGER NOT NULL DEFAULT 1,
        failed_count INTEGER NOT NULL DEFAULT 0,
        locked_until DATETIME,
        changed_at DATETIME NOT NULL
    )""",
    """CREATE TABLE IF NOT EXISTS session (
        token_hash TEXT PRIMARY KEY NOT NULL,
        staff_id TEXT NOT NULL REFERENCES staff (id),
        created_at DATETIME NOT NULL,
        last_used_at DATETIME NOT NULL
    )""",
    "CREATE INDEX IF NOT EXISTS session_staff ON session (staff_id)",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
