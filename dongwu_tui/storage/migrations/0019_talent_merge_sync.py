"""A talent's merge pointer travels: `talent.merged_into_id` joins the talent's captured columns.

Migration 0012 added the column after the capture triggers (0003) were made, so a merge stamped only
`deleted` and the pointer kept its insert stamp: an office receiving the merge kept its own (empty)
pointer. The talent's update trigger is made again with the column among the stamped ones; its insert
and guard triggers do not name columns and stay as they are.

Frozen like every migration: the trigger is spelled out from this file's own copy of the definitions.
"""

COLUMNS = ["name", "name_pinyin", "name_initials", "phone", "id_kind", "id_number", "category_code",
           "level_code", "enterprise_id", "township_code", "specialist_id", "card_no", "notes", "merged_into_id"]
COMMON = ["site_id", "created_at", "updated_at", "deleted"]
PART = "coalesce(NEW.township_code, '')"
CAPTURING = "(SELECT capture FROM sync_state WHERE one = 1)"
NEXT_COUNTER = (
    "UPDATE sync_state SET counter = max(counter + 1,"
    " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) WHERE one = 1;"
)
STAMP = "json_array(st.replica, st.counter)"


def _update_trigger() -> str:
    fields = COLUMNS + COMMON
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in fields)
    stamp_pairs = ", ".join(
        f"'$.{c}', CASE WHEN OLD.{c} IS NOT NEW.{c} THEN {STAMP} ELSE stamps -> '$.{c}' END"
        for c in fields if c != "deleted"
    )
    cleared = " OR ".join(f"(field = '{c}' AND OLD.{c} IS NOT NEW.{c})" for c in fields if c != "deleted")
    return f"""CREATE TRIGGER sync_talent_update AFTER UPDATE ON "talent" WHEN {CAPTURING} AND ({changed}) BEGIN
            {NEXT_COUNTER}
            UPDATE sync_row SET part = {PART},
                vv = json_set(vv, '$."' || st.replica || '"', st.counter),
                stamps = json_set(stamps, {stamp_pairs}, '$.deleted', {STAMP})
                FROM sync_state st WHERE st.one = 1 AND sync_row.tbl = 'talent' AND sync_row.id = NEW.id;
            DELETE FROM sync_sibling WHERE tbl = 'talent' AND id = NEW.id AND (field = 'deleted' OR {cleared});
            
        END"""


def up(migrator, db):
    if db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'sync_talent_update'"
                      ).fetchone() is None:
        return
    db.execute_sql("DROP TRIGGER sync_talent_update")
    db.execute_sql(_update_trigger())
