"""Talent lists in pinyin order (陈 before 张 before 赵), the way Chinese lists are read.

The caseload and `talent list` sort by (name_pinyin, name, id): the stored pinyin key, the name to
keep homophones together, the id to make the key unique for paging. These indexes give every filter
the screen offers that order, so a page is read off an index instead of sorting the caseload.
"""

STATEMENTS = [
    "CREATE INDEX IF NOT EXISTS talent_pinyin_order ON talent (name_pinyin, name, id)",
    "CREATE INDEX IF NOT EXISTS talent_specialist_pinyin_order ON talent (specialist_id, name_pinyin, name, id)",
    "CREATE INDEX IF NOT EXISTS talent_township_pinyin_order ON talent (township_code, name_pinyin, name, id)",
    "CREATE INDEX IF NOT EXISTS talent_category_pinyin_order ON talent (category_code, name_pinyin, name, id)",
]


def up(migrator, db):
    for statement in STATEMENTS:
        db.execute_sql(statement)
