"""Sync: records that leave a partition (issue 4).

A talent or enterprise that moves to another township, or a request dispatched to another township
(its events and calls follow it), leaves the partition of the old township. The old township does not
subscribe to the new partition, so without help it would never hear of the move and would keep a stale
copy. `sync_departure` remembers, per record, the partitions it has left; an export to an office that
subscribes to such a partition carries the record once more (its move included), and the receiver
moves its copy out of its tables into `sync_shadow` as soon as an office that holds the new partition
has acknowledged everything the copy holds (see `dongwu_tui/sync/departures.py` and
docs/SYNC-DESIGN.md).

The trigger sits on `sync_row.part`, so every way a partition changes is seen: a local edit (capture
triggers), a request's events and calls moving along, and a merge during import. Its name does not
start with `sync_`, so an import, which sets the capture triggers aside, keeps it.

A record that enters a partition by a merge (this office learns of a move made elsewhere) brings
writes made while it lived in another partition, with counters the new partition's subscribers may
already have acknowledged *for their partition*. So a merge that changes a record's partition counts
as a write of this replica (a fresh counter in the record's version vector, no field changed) when
this office receives the new partition: the record is then newer than anything acknowledged and
travels whole to the new partition's offices. A local move is a local write already; an office that
only learns its copy has left does not stamp it (its copy is on its way out).
"""

# This office receives the partition the record now belongs to (the rule of sync/knowledge.py
# `subscriptions`: the centre all, a township the shared partition and its own).
SUBSCRIBED = ("EXISTS (SELECT 1 FROM meta m JOIN site s ON s.id = m.value WHERE m.key = 'site_id' "
              "AND (s.kind = 'district' OR NEW.part = '*' OR NEW.part = coalesce(s.township_code, '')))")

STATEMENTS = [
    """CREATE TABLE IF NOT EXISTS sync_departure (
        tbl TEXT NOT NULL, id TEXT NOT NULL, part TEXT NOT NULL,
        PRIMARY KEY (tbl, id, part)) WITHOUT ROWID""",
    "CREATE INDEX IF NOT EXISTS sync_departure_part ON sync_departure (part, tbl)",
    # The last merged state of records this office let go (outside its partitions, held elsewhere):
    # out of every list and search, but kept so that a late or older file about the record merges
    # with what this office last had instead of bringing back a stale copy.
    """CREATE TABLE IF NOT EXISTS sync_shadow (
        tbl TEXT NOT NULL, id TEXT NOT NULL, part TEXT NOT NULL, vv TEXT NOT NULL, stamps TEXT NOT NULL,
        record TEXT NOT NULL, siblings TEXT NOT NULL, shadowed_at TEXT NOT NULL,
        PRIMARY KEY (tbl, id)) WITHOUT ROWID""",
    f"""CREATE TRIGGER IF NOT EXISTS track_sync_departure AFTER UPDATE OF part ON sync_row
        WHEN OLD.part IS NOT NEW.part BEGIN
        INSERT OR IGNORE INTO sync_departure (tbl, id, part) VALUES (OLD.tbl, OLD.id, OLD.part);
        DELETE FROM sync_departure WHERE tbl = NEW.tbl AND id = NEW.id AND part = NEW.part;
        UPDATE sync_state SET counter = max(counter + 1,
            CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) WHERE one = 1 AND capture = 0 AND {SUBSCRIBED};
        UPDATE sync_row SET vv = json_set(vv, '$."' || st.replica || '"', st.counter)
            FROM sync_state st WHERE st.one = 1 AND st.capture = 0 AND {SUBSCRIBED}
            AND sync_row.tbl = NEW.tbl AND sync_row.id = NEW.id;
    END""",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
