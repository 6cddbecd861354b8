"""The comparison programs, run in tmux beside the real one.

    python -m bench.apps bare                       # one label; `j` changes it (floor for start-up and key-to-screen)
    python -m bench.apps datatable --db PATH        # Textual's DataTable filled with every talent
    python -m bench.apps fastdatatable --db PATH    # textual-fastdatatable filled with every talent

Each prints READY on screen once its rows are drawn, so the harness can time launch to first screen.
"""

from __future__ import annotations

import sys

TALENT_SQL = ("SELECT t.name, t.phone, t.category_code, t.township_code, e.name, s.name, t.card_no FROM talent t "
              "LEFT JOIN enterprise e ON e.id = t.enterprise_id LEFT JOIN staff s ON s.id = t.specialist_id "
              "WHERE t.deleted = 0 ORDER BY t.name, t.id")
HEADERS = ("姓名", "电话", "类别", "板块", "企业", "专员", "卡号")


def talent_rows(path: str) -> list[tuple[str, ...]]:
    import sqlite3  # here, not at the top: the bare app is the floor and imports only Textual

    db = sqlite3.connect(path)
    rows = [tuple(v or "" for v in row) for row in db.execute(TALENT_SQL)]
    db.close()
    return rows


def bare() -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Label

    class Bare(App[None]):
        BINDINGS = [("j", "bump", "bump")]

        def compose(self) -> ComposeResult:
            yield Label("READY 0", id="label")

        def action_bump(self) -> None:
            self.n = getattr(self, "n", 0) + 1
            self.query_one(Label).update(f"READY {self.n}")

    Bare().run()


def datatable(path: str) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import DataTable, Label

    class Table(App[None]):
        def compose(self) -> ComposeResult:
            yield Label("loading", id="label")
            yield DataTable()

        def on_mount(self) -> None:
            table = self.query_one(DataTable)
            table.add_columns(*HEADERS)
            table.add_rows(talent_rows(path))
            self.query_one(Label).update(f"READY {table.row_count}")
            table.focus()

    Table().run()


def fastdatatable(path: str) -> None:
    from textual.app import App, ComposeResult
    from textual.widgets import Label
    from textual_fastdatatable import ArrowBackend, DataTable

    class Table(App[None]):
        def compose(self) -> ComposeResult:
            rows = talent_rows(path)
            backend = ArrowBackend.from_records([HEADERS, *rows], has_header=True)
            yield Label(f"READY {len(rows)}", id="label")
            yield DataTable(backend=backend)

        def on_mount(self) -> None:
            self.query_one(DataTable).focus()

    Table().run()


def main(argv: list[str]) -> None:
    kind = argv[0]
    path = argv[argv.index("--db") + 1] if "--db" in argv else ""
    {"bare": lambda: bare(), "datatable": lambda: datatable(path), "fastdatatable": lambda: fastdatatable(path)}[kind]()


if __name__ == "__main__":
    main(sys.argv[1:])
