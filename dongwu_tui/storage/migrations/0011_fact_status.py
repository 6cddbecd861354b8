"""The report facts' status in a column of its own in every aggregate (issue 14): no status bit-packing.

Migration 0005 packed the request status into the low 3 bits of `profile` (beside the yes/no flags from
bit 3 up), so a ninth status would have overwritten the `direct` flag. From here `profile` holds only the
flags (from bit 0: the old value shifted down by 3) and the status, which `report_fact` already had as a
column, keys the aggregates beside it: `report_cube_month`, `report_cube_day` (0005), `report_axis_month`
and `report_week` (0007) are made again with a `status` column and filled set-wise from the facts; the
triggers that compute `profile` or copy it into an aggregate are made again with the new SQL.

A frozen copy: the SQL below is what this migration ran, whatever storage/facts.py says later.
"""

TRIGGERS_BEFORE = (
    "report_fact_request_insert", "report_fact_request_update", "report_fact_request_delete",
    "report_fact_event_insert", "report_fact_event_update", "report_fact_event_delete", "report_cube_insert",
    "report_cube_delete", "report_cube_update", "report_axis_insert", "report_axis_delete",
    "report_axis_update", "report_week_insert", "report_week_delete", "report_week_update",
)
TABLES_BEFORE = ("report_cube_month", "report_cube_day", "report_axis_month", "report_week")

TABLES = [
    """CREATE TABLE report_cube_month (
        month TEXT NOT NULL, measure_number INTEGER NOT NULL, township TEXT NOT NULL, assignee TEXT NOT NULL,
        status TEXT NOT NULL, profile INTEGER NOT NULL, due TEXT NOT NULL, n INTEGER NOT NULL, wd INTEGER NOT NULL,
        PRIMARY KEY (month, measure_number, township, assignee, status, profile, due)) WITHOUT ROWID""",
    """CREATE TABLE report_cube_day (
        day TEXT NOT NULL, status TEXT NOT NULL, profile INTEGER NOT NULL, due TEXT NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (day, status, profile, due)) WITHOUT ROWID""",
    """CREATE TABLE report_axis_month (
        month TEXT NOT NULL, axis INTEGER NOT NULL, key NOT NULL, status TEXT NOT NULL, profile INTEGER NOT NULL,
        n INTEGER NOT NULL, wd INTEGER NOT NULL,
        PRIMARY KEY (month, axis, key, status, profile)) WITHOUT ROWID""",
    """CREATE TABLE report_week (
        week TEXT NOT NULL, status TEXT NOT NULL, profile INTEGER NOT NULL, n INTEGER NOT NULL,
        PRIMARY KEY (week, status, profile)) WITHOUT ROWID""",
]

# The flags move down to bit 0; the status stays in report_fact.status.
UNPACK = "UPDATE report_fact SET profile = profile >> 3"

REBUILD = [
    """INSERT INTO report_cube_month (month, measure_number, township, assignee, status, profile, due, n, wd)
        SELECT substr(f.opened_at, 1, 7), f.measure_number, coalesce(f.township_code, ''),
               coalesce(f.assignee_id, ''), f.status, f.profile, CASE WHEN f.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN f.due_date ELSE '' END, COUNT(*), coalesce(SUM(f.working_days), 0)
        FROM report_fact f GROUP BY 1, 2, 3, 4, 5, 6, 7""",
    """INSERT INTO report_cube_day (day, status, profile, due, n)
        SELECT substr(f.opened_at, 1, 10), f.status, f.profile, CASE WHEN f.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN f.due_date ELSE '' END, COUNT(*) FROM report_fact f
        GROUP BY 1, 2, 3, 4""",
    """INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            SELECT month, 0, measure_number, status, profile, SUM(n), SUM(wd) FROM report_cube_month
            GROUP BY month, measure_number, status, profile HAVING SUM(n) <> 0 OR SUM(wd) <> 0""",
    """INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            SELECT month, 1, township, status, profile, SUM(n), SUM(wd) FROM report_cube_month
            GROUP BY month, township, status, profile HAVING SUM(n) <> 0 OR SUM(wd) <> 0""",
    """INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            SELECT month, 2, assignee, status, profile, SUM(n), SUM(wd) FROM report_cube_month
            GROUP BY month, assignee, status, profile HAVING SUM(n) <> 0 OR SUM(wd) <> 0""",
    """INSERT INTO report_week (week, status, profile, n)
        SELECT date(day, '-' || ((CAST(strftime('%w', day) AS INTEGER) + 6) % 7) || ' days'), status, profile, SUM(n) FROM report_cube_day GROUP BY 1, 2, 3 HAVING SUM(n) <> 0""",
]

TRIGGERS = [
    """CREATE TRIGGER report_fact_request_insert AFTER INSERT ON service_request BEGIN
        DELETE FROM report_fact WHERE request_id = NEW.id;
INSERT INTO report_fact (request_id, opened_at, opened_week, measure_number, township_code, assignee_id, status, direct, due_date, signed_day, resolved_day, resolved_week, visited, satisfied, reworked, returned_once, extension_approved, repeated, extension_pending, resolved_by_due, resolved_after_due, working_days, profile) SELECT x.request_id, x.opened_at, x.opened_week, x.measure_number, x.township_code, x.assignee_id, x.status, x.direct, x.due_date, x.signed_day, x.resolved_day, x.resolved_week, x.visited, x.satisfied, x.reworked, x.returned_once, x.extension_approved, x.repeated, x.extension_pending, x.resolved_by_due, x.resolved_after_due,
            (SELECT w.n FROM report_workday w WHERE w.day = x.resolved_day)
              - (SELECT w.n FROM report_workday w WHERE w.day = x.signed_day) AS working_days,
            (CASE WHEN x.direct = 1 THEN 1 ELSE 0 END) + (CASE WHEN x.visited THEN 2 ELSE 0 END) + (CASE WHEN x.satisfied = 1 THEN 4 ELSE 0 END) + (CASE WHEN x.satisfied = 0 THEN 8 ELSE 0 END) + (CASE WHEN x.reworked THEN 16 ELSE 0 END) + (CASE WHEN x.returned_once THEN 32 ELSE 0 END) + (CASE WHEN x.extension_approved THEN 64 ELSE 0 END) + (CASE WHEN x.repeated THEN 128 ELSE 0 END) + (CASE WHEN x.extension_pending THEN 256 ELSE 0 END) + (CASE WHEN x.resolved_by_due THEN 512 ELSE 0 END) + (CASE WHEN x.resolved_after_due THEN 1024 ELSE 0 END) AS profile
        FROM (SELECT r.id AS request_id, r.opened_at, date(substr(r.opened_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.opened_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') AS opened_week,
            r.measure_number, r.township_code, r.assignee_id, r.status, r.direct, r.due_date,
            substr(COALESCE(r.signed_at, r.opened_at), 1, 10) AS signed_day,
            substr(r.resolved_at, 1, 10) AS resolved_day,
            CASE WHEN r.resolved_at IS NOT NULL THEN date(substr(r.resolved_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.resolved_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') END AS resolved_week,
            r.visited_at IS NOT NULL AS visited, r.satisfied,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'visit' AND e.to_status = 'in_progress') AS reworked,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'return') AS returned_once,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'approve-extension') AS extension_approved,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action IN ('repeat-call', 'merged-in')) AS repeated,
            r.extension_days IS NOT NULL AS extension_pending,
            coalesce(substr(r.resolved_at, 1, 10) <= r.due_date, 0) AS resolved_by_due,
            coalesce(substr(r.resolved_at, 1, 10) > r.due_date, 0) AS resolved_after_due
        FROM service_request r WHERE r.deleted = 0 AND (r.id = NEW.id)) x;
    END""",
    """CREATE TRIGGER report_fact_request_update AFTER UPDATE OF id, deleted, opened_at, measure_number, township_code, assignee_id, status, direct, due_date, signed_at, resolved_at, visited_at, satisfied, extension_days ON service_request BEGIN
        DELETE FROM report_fact WHERE request_id = OLD.id;
        DELETE FROM report_fact WHERE request_id = NEW.id;
INSERT INTO report_fact (request_id, opened_at, opened_week, measure_number, township_code, assignee_id, status, direct, due_date, signed_day, resolved_day, resolved_week, visited, satisfied, reworked, returned_once, extension_approved, repeated, extension_pending, resolved_by_due, resolved_after_due, working_days, profile) SELECT x.request_id, x.opened_at, x.opened_week, x.measure_number, x.township_code, x.assignee_id, x.status, x.direct, x.due_date, x.signed_day, x.resolved_day, x.resolved_week, x.visited, x.satisfied, x.reworked, x.returned_once, x.extension_approved, x.repeated, x.extension_pending, x.resolved_by_due, x.resolved_after_due,
            (SELECT w.n FROM report_workday w WHERE w.day = x.resolved_day)
              - (SELECT w.n FROM report_workday w WHERE w.day = x.signed_day) AS working_days,
            (CASE WHEN x.direct = 1 THEN 1 ELSE 0 END) + (CASE WHEN x.visited THEN 2 ELSE 0 END) + (CASE WHEN x.satisfied = 1 THEN 4 ELSE 0 END) + (CASE WHEN x.satisfied = 0 THEN 8 ELSE 0 END) + (CASE WHEN x.reworked THEN 16 ELSE 0 END) + (CASE WHEN x.returned_once THEN 32 ELSE 0 END) + (CASE WHEN x.extension_approved THEN 64 ELSE 0 END) + (CASE WHEN x.repeated THEN 128 ELSE 0 END) + (CASE WHEN x.extension_pending THEN 256 ELSE 0 END) + (CASE WHEN x.resolved_by_due THEN 512 ELSE 0 END) + (CASE WHEN x.resolved_after_due THEN 1024 ELSE 0 END) AS profile
        FROM (SELECT r.id AS request_id, r.opened_at, date(substr(r.opened_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.opened_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') AS opened_week,
            r.measure_number, r.township_code, r.assignee_id, r.status, r.direct, r.due_date,
            substr(COALESCE(r.signed_at, r.opened_at), 1, 10) AS signed_day,
            substr(r.resolved_at, 1, 10) AS resolved_day,
            CASE WHEN r.resolved_at IS NOT NULL THEN date(substr(r.resolved_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.resolved_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') END AS resolved_week,
            r.visited_at IS NOT NULL AS visited, r.satisfied,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'visit' AND e.to_status = 'in_progress') AS reworked,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'return') AS returned_once,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'approve-extension') AS extension_approved,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action IN ('repeat-call', 'merged-in')) AS repeated,
            r.extension_days IS NOT NULL AS extension_pending,
            coalesce(substr(r.resolved_at, 1, 10) <= r.due_date, 0) AS resolved_by_due,
            coalesce(substr(r.resolved_at, 1, 10) > r.due_date, 0) AS resolved_after_due
        FROM service_request r WHERE r.deleted = 0 AND (r.id = NEW.id)) x;
    END""",
    """CREATE TRIGGER report_fact_request_delete AFTER DELETE ON service_request BEGIN
        DELETE FROM report_fact WHERE request_id = OLD.id;
    END""",
    """CREATE TRIGGER report_fact_event_insert AFTER INSERT ON request_event WHEN NEW.action IN ('return', 'approve-extension', 'repeat-call', 'merged-in', 'visit') BEGIN
        DELETE FROM report_fact WHERE request_id = NEW.request_id;
INSERT INTO report_fact (request_id, opened_at, opened_week, measure_number, township_code, assignee_id, status, direct, due_date, signed_day, resolved_day, resolved_week, visited, satisfied, reworked, returned_once, extension_approved, repeated, extension_pending, resolved_by_due, resolved_after_due, working_days, profile) SELECT x.request_id, x.opened_at, x.opened_week, x.measure_number, x.township_code, x.assignee_id, x.status, x.direct, x.due_date, x.signed_day, x.resolved_day, x.resolved_week, x.visited, x.satisfied, x.reworked, x.returned_once, x.extension_approved, x.repeated, x.extension_pending, x.resolved_by_due, x.resolved_after_due,
            (SELECT w.n FROM report_workday w WHERE w.day = x.resolved_day)
              - (SELECT w.n FROM report_workday w WHERE w.day = x.signed_day) AS working_days,
            (CASE WHEN x.direct = 1 THEN 1 ELSE 0 END) + (CASE WHEN x.visited THEN 2 ELSE 0 END) + (CASE WHEN x.satisfied = 1 THEN 4 ELSE 0 END) + (CASE WHEN x.satisfied = 0 THEN 8 ELSE 0 END) + (CASE WHEN x.reworked THEN 16 ELSE 0 END) + (CASE WHEN x.returned_once THEN 32 ELSE 0 END) + (CASE WHEN x.extension_approved THEN 64 ELSE 0 END) + (CASE WHEN x.repeated THEN 128 ELSE 0 END) + (CASE WHEN x.extension_pending THEN 256 ELSE 0 END) + (CASE WHEN x.resolved_by_due THEN 512 ELSE 0 END) + (CASE WHEN x.resolved_after_due THEN 1024 ELSE 0 END) AS profile
        FROM (SELECT r.id AS request_id, r.opened_at, date(substr(r.opened_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.opened_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') AS opened_week,
            r.measure_number, r.township_code, r.assignee_id, r.status, r.direct, r.due_date,
            substr(COALESCE(r.signed_at, r.opened_at), 1, 10) AS signed_day,
            substr(r.resolved_at, 1, 10) AS resolved_day,
            CASE WHEN r.resolved_at IS NOT NULL THEN date(substr(r.resolved_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.resolved_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') END AS resolved_week,
            r.visited_at IS NOT NULL AS visited, r.satisfied,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'visit' AND e.to_status = 'in_progress') AS reworked,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'return') AS returned_once,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'approve-extension') AS extension_approved,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action IN ('repeat-call', 'merged-in')) AS repeated,
            r.extension_days IS NOT NULL AS extension_pending,
            coalesce(substr(r.resolved_at, 1, 10) <= r.due_date, 0) AS resolved_by_due,
            coalesce(substr(r.resolved_at, 1, 10) > r.due_date, 0) AS resolved_after_due
        FROM service_request r WHERE r.deleted = 0 AND (r.id = NEW.request_id)) x;
    END""",
    """CREATE TRIGGER report_fact_event_update AFTER UPDATE OF request_id, action, to_status, deleted ON request_event
        BEGIN
        DELETE FROM report_fact WHERE request_id = OLD.request_id;
INSERT INTO report_fact (request_id, opened_at, opened_week, measure_number, township_code, assignee_id, status, direct, due_date, signed_day, resolved_day, resolved_week, visited, satisfied, reworked, returned_once, extension_approved, repeated, extension_pending, resolved_by_due, resolved_after_due, working_days, profile) SELECT x.request_id, x.opened_at, x.opened_week, x.measure_number, x.township_code, x.assignee_id, x.status, x.direct, x.due_date, x.signed_day, x.resolved_day, x.resolved_week, x.visited, x.satisfied, x.reworked, x.returned_once, x.extension_approved, x.repeated, x.extension_pending, x.resolved_by_due, x.resolved_after_due,
            (SELECT w.n FROM report_workday w WHERE w.day = x.resolved_day)
              - (SELECT w.n FROM report_workday w WHERE w.day = x.signed_day) AS working_days,
            (CASE WHEN x.direct = 1 THEN 1 ELSE 0 END) + (CASE WHEN x.visited THEN 2 ELSE 0 END) + (CASE WHEN x.satisfied = 1 THEN 4 ELSE 0 END) + (CASE WHEN x.satisfied = 0 THEN 8 ELSE 0 END) + (CASE WHEN x.reworked THEN 16 ELSE 0 END) + (CASE WHEN x.returned_once THEN 32 ELSE 0 END) + (CASE WHEN x.extension_approved THEN 64 ELSE 0 END) + (CASE WHEN x.repeated THEN 128 ELSE 0 END) + (CASE WHEN x.extension_pending THEN 256 ELSE 0 END) + (CASE WHEN x.resolved_by_due THEN 512 ELSE 0 END) + (CASE WHEN x.resolved_after_due THEN 1024 ELSE 0 END) AS profile
        FROM (SELECT r.id AS request_id, r.opened_at, date(substr(r.opened_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.opened_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') AS opened_week,
            r.measure_number, r.township_code, r.assignee_id, r.status, r.direct, r.due_date,
            substr(COALESCE(r.signed_at, r.opened_at), 1, 10) AS signed_day,
            substr(r.resolved_at, 1, 10) AS resolved_day,
            CASE WHEN r.resolved_at IS NOT NULL THEN date(substr(r.resolved_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.resolved_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') END AS resolved_week,
            r.visited_at IS NOT NULL AS visited, r.satisfied,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'visit' AND e.to_status = 'in_progress') AS reworked,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'return') AS returned_once,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'approve-extension') AS extension_approved,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action IN ('repeat-call', 'merged-in')) AS repeated,
            r.extension_days IS NOT NULL AS extension_pending,
            coalesce(substr(r.resolved_at, 1, 10) <= r.due_date, 0) AS resolved_by_due,
            coalesce(substr(r.resolved_at, 1, 10) > r.due_date, 0) AS resolved_after_due
        FROM service_request r WHERE r.deleted = 0 AND (r.id = OLD.request_id)) x;
        DELETE FROM report_fact WHERE request_id = NEW.request_id;
INSERT INTO report_fact (request_id, opened_at, opened_week, measure_number, township_code, assignee_id, status, direct, due_date, signed_day, resolved_day, resolved_week, visited, satisfied, reworked, returned_once, extension_approved, repeated, extension_pending, resolved_by_due, resolved_after_due, working_days, profile) SELECT x.request_id, x.opened_at, x.opened_week, x.measure_number, x.township_code, x.assignee_id, x.status, x.direct, x.due_date, x.signed_day, x.resolved_day, x.resolved_week, x.visited, x.satisfied, x.reworked, x.returned_once, x.extension_approved, x.repeated, x.extension_pending, x.resolved_by_due, x.resolved_after_due,
            (SELECT w.n FROM report_workday w WHERE w.day = x.resolved_day)
              - (SELECT w.n FROM report_workday w WHERE w.day = x.signed_day) AS working_days,
            (CASE WHEN x.direct = 1 THEN 1 ELSE 0 END) + (CASE WHEN x.visited THEN 2 ELSE 0 END) + (CASE WHEN x.satisfied = 1 THEN 4 ELSE 0 END) + (CASE WHEN x.satisfied = 0 THEN 8 ELSE 0 END) + (CASE WHEN x.reworked THEN 16 ELSE 0 END) + (CASE WHEN x.returned_once THEN 32 ELSE 0 END) + (CASE WHEN x.extension_approved THEN 64 ELSE 0 END) + (CASE WHEN x.repeated THEN 128 ELSE 0 END) + (CASE WHEN x.extension_pending THEN 256 ELSE 0 END) + (CASE WHEN x.resolved_by_due THEN 512 ELSE 0 END) + (CASE WHEN x.resolved_after_due THEN 1024 ELSE 0 END) AS profile
        FROM (SELECT r.id AS request_id, r.opened_at, date(substr(r.opened_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.opened_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') AS opened_week,
            r.measure_number, r.township_code, r.assignee_id, r.status, r.direct, r.due_date,
            substr(COALESCE(r.signed_at, r.opened_at), 1, 10) AS signed_day,
            substr(r.resolved_at, 1, 10) AS resolved_day,
            CASE WHEN r.resolved_at IS NOT NULL THEN date(substr(r.resolved_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.resolved_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') END AS resolved_week,
            r.visited_at IS NOT NULL AS visited, r.satisfied,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'visit' AND e.to_status = 'in_progress') AS reworked,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'return') AS returned_once,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'approve-extension') AS extension_approved,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action IN ('repeat-call', 'merged-in')) AS repeated,
            r.extension_days IS NOT NULL AS extension_pending,
            coalesce(substr(r.resolved_at, 1, 10) <= r.due_date, 0) AS resolved_by_due,
            coalesce(substr(r.resolved_at, 1, 10) > r.due_date, 0) AS resolved_after_due
        FROM service_request r WHERE r.deleted = 0 AND (r.id = NEW.request_id)) x;
    END""",
    """CREATE TRIGGER report_fact_event_delete AFTER DELETE ON request_event BEGIN
        DELETE FROM report_fact WHERE request_id = OLD.request_id;
INSERT INTO report_fact (request_id, opened_at, opened_week, measure_number, township_code, assignee_id, status, direct, due_date, signed_day, resolved_day, resolved_week, visited, satisfied, reworked, returned_once, extension_approved, repeated, extension_pending, resolved_by_due, resolved_after_due, working_days, profile) SELECT x.request_id, x.opened_at, x.opened_week, x.measure_number, x.township_code, x.assignee_id, x.status, x.direct, x.due_date, x.signed_day, x.resolved_day, x.resolved_week, x.visited, x.satisfied, x.reworked, x.returned_once, x.extension_approved, x.repeated, x.extension_pending, x.resolved_by_due, x.resolved_after_due,
            (SELECT w.n FROM report_workday w WHERE w.day = x.resolved_day)
              - (SELECT w.n FROM report_workday w WHERE w.day = x.signed_day) AS working_days,
            (CASE WHEN x.direct = 1 THEN 1 ELSE 0 END) + (CASE WHEN x.visited THEN 2 ELSE 0 END) + (CASE WHEN x.satisfied = 1 THEN 4 ELSE 0 END) + (CASE WHEN x.satisfied = 0 THEN 8 ELSE 0 END) + (CASE WHEN x.reworked THEN 16 ELSE 0 END) + (CASE WHEN x.returned_once THEN 32 ELSE 0 END) + (CASE WHEN x.extension_approved THEN 64 ELSE 0 END) + (CASE WHEN x.repeated THEN 128 ELSE 0 END) + (CASE WHEN x.extension_pending THEN 256 ELSE 0 END) + (CASE WHEN x.resolved_by_due THEN 512 ELSE 0 END) + (CASE WHEN x.resolved_after_due THEN 1024 ELSE 0 END) AS profile
        FROM (SELECT r.id AS request_id, r.opened_at, date(substr(r.opened_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.opened_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') AS opened_week,
            r.measure_number, r.township_code, r.assignee_id, r.status, r.direct, r.due_date,
            substr(COALESCE(r.signed_at, r.opened_at), 1, 10) AS signed_day,
            substr(r.resolved_at, 1, 10) AS resolved_day,
            CASE WHEN r.resolved_at IS NOT NULL THEN date(substr(r.resolved_at, 1, 10), '-' || ((CAST(strftime('%w', substr(r.resolved_at, 1, 10)) AS INTEGER) + 6) % 7) || ' days') END AS resolved_week,
            r.visited_at IS NOT NULL AS visited, r.satisfied,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'visit' AND e.to_status = 'in_progress') AS reworked,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'return') AS returned_once,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action = 'approve-extension') AS extension_approved,
            EXISTS (SELECT 1 FROM request_event e WHERE e.request_id = r.id AND e.deleted = 0 AND e.action IN ('repeat-call', 'merged-in')) AS repeated,
            r.extension_days IS NOT NULL AS extension_pending,
            coalesce(substr(r.resolved_at, 1, 10) <= r.due_date, 0) AS resolved_by_due,
            coalesce(substr(r.resolved_at, 1, 10) > r.due_date, 0) AS resolved_after_due
        FROM service_request r WHERE r.deleted = 0 AND (r.id = OLD.request_id)) x;
    END""",
    """CREATE TRIGGER report_cube_insert AFTER INSERT ON report_fact BEGIN
        INSERT INTO report_cube_month (month, measure_number, township, assignee, status, profile, due, n, wd)
            VALUES (substr(NEW.opened_at, 1, 7), NEW.measure_number, coalesce(NEW.township_code, ''),
                    coalesce(NEW.assignee_id, ''), NEW.status, NEW.profile, CASE WHEN NEW.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN NEW.due_date ELSE '' END, 1, coalesce(NEW.working_days, 0))
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
        INSERT INTO report_cube_day (day, status, profile, due, n)
            VALUES (substr(NEW.opened_at, 1, 10), NEW.status, NEW.profile, CASE WHEN NEW.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN NEW.due_date ELSE '' END, 1)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
        INSERT INTO report_cube_resolved (day, status, n) SELECT NEW.resolved_day, NEW.status, 1
            WHERE NEW.resolved_day IS NOT NULL
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
    END""",
    """CREATE TRIGGER report_cube_delete AFTER DELETE ON report_fact BEGIN
        INSERT INTO report_cube_month (month, measure_number, township, assignee, status, profile, due, n, wd)
            VALUES (substr(OLD.opened_at, 1, 7), OLD.measure_number, coalesce(OLD.township_code, ''),
                    coalesce(OLD.assignee_id, ''), OLD.status, OLD.profile, CASE WHEN OLD.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN OLD.due_date ELSE '' END, -1, -coalesce(OLD.working_days, 0))
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
        INSERT INTO report_cube_day (day, status, profile, due, n)
            VALUES (substr(OLD.opened_at, 1, 10), OLD.status, OLD.profile, CASE WHEN OLD.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN OLD.due_date ELSE '' END, -1)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
        INSERT INTO report_cube_resolved (day, status, n) SELECT OLD.resolved_day, OLD.status, -1
            WHERE OLD.resolved_day IS NOT NULL
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
    END""",
    """CREATE TRIGGER report_cube_update AFTER UPDATE ON report_fact BEGIN
        INSERT INTO report_cube_month (month, measure_number, township, assignee, status, profile, due, n, wd)
            VALUES (substr(OLD.opened_at, 1, 7), OLD.measure_number, coalesce(OLD.township_code, ''),
                    coalesce(OLD.assignee_id, ''), OLD.status, OLD.profile, CASE WHEN OLD.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN OLD.due_date ELSE '' END, -1, -coalesce(OLD.working_days, 0))
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
        INSERT INTO report_cube_day (day, status, profile, due, n)
            VALUES (substr(OLD.opened_at, 1, 10), OLD.status, OLD.profile, CASE WHEN OLD.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN OLD.due_date ELSE '' END, -1)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
        INSERT INTO report_cube_resolved (day, status, n) SELECT OLD.resolved_day, OLD.status, -1
            WHERE OLD.resolved_day IS NOT NULL
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
        INSERT INTO report_cube_month (month, measure_number, township, assignee, status, profile, due, n, wd)
            VALUES (substr(NEW.opened_at, 1, 7), NEW.measure_number, coalesce(NEW.township_code, ''),
                    coalesce(NEW.assignee_id, ''), NEW.status, NEW.profile, CASE WHEN NEW.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN NEW.due_date ELSE '' END, 1, coalesce(NEW.working_days, 0))
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
        INSERT INTO report_cube_day (day, status, profile, due, n)
            VALUES (substr(NEW.opened_at, 1, 10), NEW.status, NEW.profile, CASE WHEN NEW.status IN ('new', 'dispatched', 'in_progress', 'returned') THEN NEW.due_date ELSE '' END, 1)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
        INSERT INTO report_cube_resolved (day, status, n) SELECT NEW.resolved_day, NEW.status, 1
            WHERE NEW.resolved_day IS NOT NULL
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
    END""",
    """CREATE TRIGGER report_axis_insert AFTER INSERT ON report_cube_month BEGIN INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (NEW.month, 0, NEW.measure_number, NEW.status, NEW.profile, NEW.n, NEW.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (NEW.month, 1, NEW.township, NEW.status, NEW.profile, NEW.n, NEW.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (NEW.month, 2, NEW.assignee, NEW.status, NEW.profile, NEW.n, NEW.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd; END""",
    """CREATE TRIGGER report_axis_delete AFTER DELETE ON report_cube_month BEGIN INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (OLD.month, 0, OLD.measure_number, OLD.status, OLD.profile, -OLD.n, -OLD.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (OLD.month, 1, OLD.township, OLD.status, OLD.profile, -OLD.n, -OLD.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (OLD.month, 2, OLD.assignee, OLD.status, OLD.profile, -OLD.n, -OLD.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd; END""",
    """CREATE TRIGGER report_axis_update AFTER UPDATE ON report_cube_month BEGIN
        INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (OLD.month, 0, OLD.measure_number, OLD.status, OLD.profile, -OLD.n, -OLD.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (OLD.month, 1, OLD.township, OLD.status, OLD.profile, -OLD.n, -OLD.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (OLD.month, 2, OLD.assignee, OLD.status, OLD.profile, -OLD.n, -OLD.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
        INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (NEW.month, 0, NEW.measure_number, NEW.status, NEW.profile, NEW.n, NEW.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (NEW.month, 1, NEW.township, NEW.status, NEW.profile, NEW.n, NEW.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
INSERT INTO report_axis_month (month, axis, key, status, profile, n, wd)
            VALUES (NEW.month, 2, NEW.assignee, NEW.status, NEW.profile, NEW.n, NEW.wd)
            ON CONFLICT DO UPDATE SET n = n + excluded.n, wd = wd + excluded.wd;
    END""",
    """CREATE TRIGGER report_week_insert AFTER INSERT ON report_cube_day BEGIN INSERT INTO report_week (week, status, profile, n)
            VALUES (date(NEW.day, '-' || ((CAST(strftime('%w', NEW.day) AS INTEGER) + 6) % 7) || ' days'), NEW.status, NEW.profile, NEW.n)
            ON CONFLICT DO UPDATE SET n = n + excluded.n; END""",
    """CREATE TRIGGER report_week_delete AFTER DELETE ON report_cube_day BEGIN INSERT INTO report_week (week, status, profile, n)
            VALUES (date(OLD.day, '-' || ((CAST(strftime('%w', OLD.day) AS INTEGER) + 6) % 7) || ' days'), OLD.status, OLD.profile, -OLD.n)
            ON CONFLICT DO UPDATE SET n = n + excluded.n; END""",
    """CREATE TRIGGER report_week_update AFTER UPDATE ON report_cube_day BEGIN
        INSERT INTO report_week (week, status, profile, n)
            VALUES (date(OLD.day, '-' || ((CAST(strftime('%w', OLD.day) AS INTEGER) + 6) % 7) || ' days'), OLD.status, OLD.profile, -OLD.n)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
        INSERT INTO report_week (week, status, profile, n)
            VALUES (date(NEW.day, '-' || ((CAST(strftime('%w', NEW.day) AS INTEGER) + 6) % 7) || ' days'), NEW.status, NEW.profile, NEW.n)
            ON CONFLICT DO UPDATE SET n = n + excluded.n;
    END""",
]


def up(migrator, db):
    for name in TRIGGERS_BEFORE:
        db.execute_sql(f'DROP TRIGGER IF EXISTS "{name}"')
    for name in TABLES_BEFORE:
        db.execute_sql(f'DROP TABLE IF EXISTS "{name}"')
    for statement in TABLES:
        db.execute_sql(statement)
    db.execute_sql(UNPACK)
    for statement in REBUILD + TRIGGERS:
        db.execute_sql(statement)
    # A database whose tables were analysed gets statistics for the new ones too.
    if db.execute_sql("SELECT 1 FROM sqlite_master WHERE name = 'sqlite_stat1'").fetchone():
        for name in TABLES_BEFORE:
            db.execute_sql(f"ANALYZE {name}")
