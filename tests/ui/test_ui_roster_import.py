"""导入名册 from the desk: Ctrl+O on the talents, a preview of the first rows with the column mapping, import."""

from __future__ import annotations

from openpyxl import Workbook
from textual.widgets import DataTable, Input, Static

from dongwu_tui.ui.screens.roster_import import RosterImportScreen

SIZE = (140, 40)


async def test_preview_map_and_import(make_app, cast, desk, settle, tmp_path):
    book = Workbook()
    book.active.append(["姓名", "号码", "人才类别", "籍贯"])
    book.active.append(["张伟", "13811112222", "产业人才", "苏州"])
    book.active.append(["李娜", "坏号码", "产业人才", "无锡"])
    path = tmp_path / "名单.xlsx"
    book.save(path)
    app = make_app(cast.operator)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        await pilot.press("f3")
        await settle(app, pilot)
        await pilot.press("ctrl+o")
        await settle(app, pilot)
        screen = app.screen
        assert isinstance(screen, RosterImportScreen)
        screen.query_one("#import-path", Input).value = str(path)
        screen.query_one("#import-path", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        assert "找不到必需的列：手机" in str(screen.query_one("#import-result", Static).render())
        screen.query_one("#import-map", Input).value = "号码=手机"
        screen.query_one("#import-path", Input).focus()
        await pilot.press("enter")
        await settle(app, pilot)
        table = screen.query_one(DataTable)
        assert table.row_count == 2
        assert "号码→手机" in str(screen.query_one("#import-mapping", Static).render())
        assert "籍贯" in str(screen.query_one("#import-mapping", Static).render())
        await pilot.press("ctrl+e")
        await settle(app, pilot)
        assert desk.talents.count() == 0
        assert "未写入数据库" in str(screen.query_one("#import-result", Static).render())
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        result = str(screen.query_one("#import-result", Static).render())
        assert "新增 1 条" in result and "未导入 1 条" in result
    assert [t.name for t in desk.talents.list()] == ["张伟"]
    assert (tmp_path / "名单-未导入.xlsx").exists()
    assert desk.office.meta("roster_mapping.talents") == '{"号码": "phone"}'
