"""The request clock's columns travel: the columns migration 0016 added to `service_request` (first and
unit dispatch, the signing limit, the first resolution and whether it was on time, rework, extensions,
returns rejected, the visit's result and its review) join the request's captured columns.

They were added after the capture triggers (0003) were made, so a change to them alone stamped nothing
and a change along with the status kept their insert stamp: the office receiving the request kept its own
values, and the two offices' figures disagreed on what was late. The request's update trigger is made again
with every column among the stamped ones; its insert and guard triggers do not name columns.

Frozen like every migration: the trigger is spelled out from this file's own copy of the definitions.
"""

COLUMNS = ["number", "talent_id", "phone", "measure_number", "summary", "status", "township_code",
           "opened_by_id", "opened_at", "due_date", "assignee_site_id", "assignee_id",
           "dispatched_at", "signed_at", "resolved_at", "resolution", "direct", "visited_at",
           "satisfied", "archived_at", "merged_into_id", "extension_days", "extension_reason",
           "return_reason", "confidential",
           "first_dispatched_at", "unit_dispatched_at", "sign_due_date", "first_resolved_at", "first_on_time",
           "rework_count", "extensions_used", "extension_days_used", "return_rejections", "visit_result",
           "visit_solved", "visit_unreached", "review_result"]
COMMON = ["site_id", "created_at", "updated_at", "deleted"]
PART = "coalesce((SELECT township_code FROM site WHERE id = NEW.assignee_site_id), NEW.township_code, '')"
CAPTURING = "(SELECT capture FROM sync_state WHERE one = 1)"
NEXT_COUNTER = (
    "UPDATE sync_state SET counter = max(counter + 1,"
    " CAST((julianday('now') - 2440587.5) * 86400000 AS INTEGER)) WHERE one = 1;"
)
STAMP = "json_array(st.replica, st.counter)"
# A request that moves to another township takes its events and calls along (as in 0003).
MOVES_ALONG = (
    "UPDATE sync_row SET part = (SELECT part FROM sync_row r WHERE r.tbl = 'service_request' AND r.id = NEW.id),"
    """
                vv = json_set(vv, '$."' || (SELECT replica FROM sync_state) || '"', (SELECT counter FROM sync_state))
            WHERE tbl IN ('request_event', 'call')
              AND part <> (SELECT part FROM sync_row r WHERE r.tbl = 'service_request' AND r.id = NEW.id)
              AND id IN (SELECT id FROM request_event WHERE request_id = NEW.id
                         UNION ALL SELECT id FROM call WHERE request_id = NEW.id);"""
)


def _update_trigger() -> str:
    fields = COLUMNS + COMMON
    changed = " OR ".join(f"OLD.{c} IS NOT NEW.{c}" for c in fields)
    stamp_pairs = ", ".join(
        f"'$.{c}', CASE WHEN OLD.{c} IS NOT NEW.{c} THEN {STAMP} ELSE stamps -> '$.{c}' END"
        for c in fields if c != "deleted"
    )
    cleared = " OR ".join(f"(field = '{c}' AND OLD.{c} IS NOT NEW.{c})" for c in fields if c != "deleted")
    return f"""CREATE TRIGGER sync_service_request_update AFTER UPDATE ON "service_request"
            WHEN {CAPTURING} AND ({changed}) BEGIN
            {NEXT_COUNTER}
            UPDATE sync_row SET part = {PART},
                vv = json_set(vv, '$."' || st.replica || '"', st.counter),
                stamps = json_set(stamps, {stamp_pairs}, '$.deleted', {STAMP})
                FROM sync_state st WHERE st.one = 1 AND sync_row.tbl = 'service_request' AND sync_row.id = NEW.id;
            DELETE FROM sync_sibling WHERE tbl = 'service_request' AND id = NEW.id
                AND (field = 'deleted' OR {cleared});
            {MOVES_ALONG}
        END"""


def up(migrator, db):
    if db.execute_sql("SELECT 1 FROM sqlite_master WHERE type = 'trigger' AND name = 'sync_service_request_update'"
                      ).fetchone() is None:
        return
    db.execute_sql("DROP TRIGGER sync_service_request_update")
    db.execute_sql(_update_trigger())
