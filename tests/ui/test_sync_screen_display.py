"""The sync screen seen by a supervisor: times in China time, field labels in Chinese, numbers masked."""

from __future__ import annotations

from test_sync_screen import CENTRE, SIZE, add_talent, offices, open_sync, settle, text_of  # noqa: F401 (fixture)

from dongwu_tui.sync import engine
from dongwu_tui.ui.app import DeskApp
from dongwu_tui.ui.screens.sync_dialogs import ResolveDialog


async def test_supervisor_sees_masked_numbers_and_china_time(offices, tmp_path):
    centre, mudu = offices["wz"], offices["mudu"]
    talent_id = add_talent(centre)
    out = tmp_path / "out"
    engine.import_file(mudu.office, engine.export_file(centre.office, "mudu", out).path)
    centre.talents.update(talent_id, phone="13912345678", notes="回电 13912345678", reason="核实")
    mudu.talents.update(talent_id, phone="13700001111", notes="证件 11010519491231002X", reason="回访")
    engine.import_file(centre.office, engine.export_file(mudu.office, "wz", out).path)
    with centre.office.write():  # a time stored with another offset is shown in China time
        centre.office.db.execute_sql("UPDATE sync_peer SET last_in_at = '2026-12-02T02:00:00+00:00' "
                                     "WHERE code = 'mudu'")

    app = DeskApp(centre, site_name=CENTRE)  # 周督办, a supervisor: numbers masked
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(app, pilot)
        assert str(screen.query_one("#sync-peers").get_row_at(0)[1]).startswith("2026-12-02 10:00:00")
        grid = screen.query_one("#sync-conflicts")
        assert grid.row_count == 2
        labels = {str(grid.get_row_at(i)[2]) for i in range(2)}
        assert labels == {"电话号码", "备注"}
        for row in range(2):
            grid.move_cursor(row=row)
            grid.focus()
            await pilot.press("enter")
            await settle(app, pilot)
            dialog = app.screen
            assert isinstance(dialog, ResolveDialog)
            panels = " ".join(text_of(p) for p in dialog.query(".version"))
            for full in ("13912345678", "13700001111", "11010519491231002X"):
                assert full not in panels
            assert "139****5678" in panels
            await pilot.press("escape")
            await settle(app, pilot)


async def test_a_duplicate_talent_is_merged_from_the_inbox(offices, tmp_path):
    centre, mudu = offices["wz"], offices["mudu"]
    kept = centre.talents.add(name="陈人才", phone="13812345678", category_code="industry", level_code="district",
                              township_code="mudu", id_number="11010519491231002X").id
    twin = mudu.talents.add(name="陈人才", phone="13812345678", category_code="industry", level_code="district",
                            township_code="mudu", id_number="11010519491231002X").id
    engine.import_file(mudu.office, engine.export_file(centre.office, "mudu", tmp_path / "out").path)

    app = DeskApp(offices["mudu-admin"], site_name="木渎镇人才工作站")
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(app, pilot)
        assert app.conflicts_open == 1
        screen.query_one("#filter-kind").value = "duplicate"
        await settle(app, pilot)
        grid = screen.query_one("#sync-conflicts")
        assert grid.row_count == 1 and "重复登记" in str(grid.get_row_at(0)[3])
        grid.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ResolveDialog)
        panels = [text_of(p) for p in dialog.query(".version")]
        assert len(panels) == 2 and any(CENTRE in p for p in panels)
        keep = next(i for i, p in enumerate(panels, 1) if CENTRE in p)
        await pilot.press(str(keep))
        await settle(app, pilot)
        assert app.conflicts_open == 0
    live = [r[0] for r in mudu.office.db.execute_sql("SELECT id FROM talent WHERE deleted = 0")]
    assert live == [kept] and twin != kept
