"""What the sync capture triggers know of the synced tables: their columns and each record's partition.

Migration 0003 made the capture triggers from its own frozen copy of these definitions; this module is
what the running program knows of them, for a writer that sets the triggers aside and writes what they
would have written (the bulk loader, storage/bulk.py). A change to the synced tables or the partition
rule comes with a migration that makes the triggers again, and with the same change here.
"""

from __future__ import annotations

SYNCED_COLUMNS = {
    "site": ["code", "name", "kind", "township_code"],
    "staff": ["name", "role", "office_id", "phone", "active"],
    "enterprise": ["name", "credit_code", "township_code", "industry_code"],
    "talent": ["name", "name_pinyin", "name_initials", "phone", "id_kind", "id_number", "category_code",
               "level_code", "enterprise_id", "township_code", "specialist_id", "card_no", "notes"],
    "service_request": ["number", "talent_id", "phone", "measure_number", "summary", "status", "township_code",
                        "opened_by_id", "opened_at", "due_date", "assignee_site_id", "assignee_id",
                        "dispatched_at", "signed_at", "resolved_at", "resolution", "direct", "visited_at",
                        "satisfied", "archived_at", "merged_into_id", "extension_days", "extension_reason",
                        "return_reason", "confidential"],
    "call": ["at", "direction", "phone", "talent_id", "operator_id", "duration_s", "summary", "measure_number",
             "outcome", "request_id"],
    "request_event": ["request_id", "at", "actor_id", "action", "from_status", "to_status", "reason", "detail"],
    "audit_log": ["at", "actor_id", "entity", "entity_id", "action", "reason", "changes"],
    # Standard answers, the answer used on a call, the callback queue (migration 0018).
    "standard_answer": ["measure_number", "lineage_id", "version", "title", "body", "keywords", "search_pinyin",
                        "search_initials", "policy_doc", "policy_date", "valid_from", "valid_to", "written_by_id",
                        "approved_by_id", "approved_at", "superseded_by_id"],
    "answer_use": ["call_id", "answer_id", "version", "at", "actor_id"],
    "callback": ["kind", "phone", "talent_id", "request_id", "at", "due_at", "owner_id", "note", "done_at",
                 "done_call_id", "done_by_id"],
}

# The township partition a record belongs to, as an SQL expression over the record's columns `NEW.<column>`:
# '*' goes to every office, '' stays with the centre.
PARTITION = {
    "site": "'*'",
    "staff": "'*'",
    "enterprise": "coalesce(NEW.township_code, '')",
    "talent": "coalesce(NEW.township_code, '')",
    "service_request": "coalesce((SELECT township_code FROM site WHERE id = NEW.assignee_site_id),"
                       " NEW.township_code, '')",
    "call": "coalesce((SELECT part FROM sync_row WHERE tbl = 'service_request' AND id = NEW.request_id),"
            " (SELECT township_code FROM talent WHERE id = NEW.talent_id), '')",
    "request_event": "coalesce((SELECT part FROM sync_row WHERE tbl = 'service_request' AND id = NEW.request_id),"
                     " '')",
    "audit_log": "coalesce((SELECT part FROM sync_row WHERE tbl = NEW.entity AND id = NEW.entity_id), '')",
    # The centre's answers go to every office (a township offers only the approved ones); a township's own
    # answers stay with it.
    "standard_answer": "CASE WHEN (SELECT kind FROM site WHERE id = NEW.site_id) = 'district' THEN '*'"
                       " ELSE coalesce((SELECT township_code FROM site WHERE id = NEW.site_id), '') END",
    "answer_use": "coalesce((SELECT part FROM sync_row WHERE tbl = 'call' AND id = NEW.call_id), '')",
    "callback": "coalesce((SELECT s.township_code FROM staff st JOIN site s ON s.id = st.office_id"
                " WHERE st.id = NEW.owner_id), '')",
}
