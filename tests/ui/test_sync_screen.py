"""The sync screen with two real offices: export at the centre, import at a township, a refused file,
and a conflict resolved side by side — each checked in the database files."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from dongwu_tui.services.desk import Desk
from dongwu_tui.services.setup import initialise
from dongwu_tui.sync import conflicts as cf
from dongwu_tui.sync import engine, trust
from dongwu_tui.ui.app import DeskApp
from dongwu_tui.ui.screens.sync import SyncScreen
from dongwu_tui.ui.screens.sync_dialogs import ExportDialog, ImportDialog, ResolveDialog
from dongwu_tui.ui.screens.talent import TalentScreen
from dongwu_tui.ui.sync_notice import ConflictBanner, ConflictNotice

SIZE = (140, 40)
CENTRE = "吴中区高层次人才服务中心"


@pytest.fixture
def offices(tmp_path, calendar):
    """The centre and 木渎 as real database files, keys made and certified as `dongwu sync keys/trust` do."""
    centre = initialise(tmp_path / "wz.db", CENTRE, "district", calendar=calendar)
    mudu = initialise(tmp_path / "mudu.db", "木渎镇人才工作站", "township", township="mudu", calendar=calendar)
    trust.ensure_keys(centre.office)
    trust.certify(centre.office, trust.enrolment_request(mudu.office))
    trust.install_bundle(mudu.office, json.loads(json.dumps(trust.trust_bundle(centre.office))))
    # Files and conflicts are for supervisors and administrators: 木渎's administrator imports and resolves.
    staff = {"wz": centre.acting_as(centre.directory.add_staff("周督办", "supervisor")),
             "mudu": mudu.acting_as(mudu.directory.add_staff("李专员", "specialist", "mudu")),
             "mudu-admin": mudu}
    yield staff
    for desk in staff.values():
        desk.office.close()


def add_talent(desk: Desk, name: str = "陈人才") -> str:
    return desk.talents.add(name=name, phone="13812345678", category_code="industry", level_code="district",
                            township_code="mudu").id


def dump(desk: Desk) -> list[str]:
    return list(desk.office.db.connection().iterdump())


def talent_names(desk: Desk) -> list[str]:
    return [r[0] for r in desk.office.db.execute_sql("SELECT name FROM talent ORDER BY name")]


async def settle(app, pilot, rounds: int = 3) -> None:
    for _ in range(rounds):
        await app.workers.wait_for_complete()
        if getattr(app, "_reader", None) is not None:
            await app._reader.settled()
        await pilot.pause()


async def open_sync(app, pilot) -> SyncScreen:
    await settle(app, pilot)
    await pilot.press("f7")
    await settle(app, pilot)
    assert isinstance(app.screen, SyncScreen)
    return app.screen


async def import_through_screen(app, pilot, path: Path) -> ImportDialog:
    await pilot.press("i")
    await settle(app, pilot)
    dialog = app.screen
    assert isinstance(dialog, ImportDialog)
    dialog.query_one("#import-path").value = str(path)
    await pilot.press("enter")
    await settle(app, pilot)
    return dialog


def text_of(widget) -> str:
    return str(widget.render())


async def test_export_at_centre_then_import_at_township(offices, tmp_path):
    centre, mudu = offices["wz"], offices["mudu"]
    add_talent(centre, "陈人才")
    add_talent(centre, "王芳")
    folder = tmp_path / "u盘"

    app = DeskApp(centre, site_name=CENTRE)
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(app, pilot)
        peers = screen.query_one("#sync-peers")
        assert peers.row_count == 1 and "木渎" in str(peers.get_row_at(0)[0])
        await pilot.press("x")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ExportDialog)
        dialog.query_one("#export-to").value = "mudu"
        dialog.query_one("#export-folder").value = str(folder)
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        [made] = list(folder.glob("*.dwsync"))
        shown = text_of(dialog.query_one("#export-result"))
        assert made.name in shown and "大小" in shown and "KB" in shown
        await pilot.press("escape")
        await settle(app, pilot)
        assert isinstance(app.screen, SyncScreen)
        assert "wz-to-mudu" in str(screen.query_one("#sync-peers").get_row_at(0)[2])

    before = dump(mudu)
    app = DeskApp(offices["mudu-admin"], site_name="木渎镇人才工作站")
    async with app.run_test(size=SIZE) as pilot:
        await open_sync(app, pilot)
        dialog = await import_through_screen(app, pilot, made)
        preview = text_of(dialog.query_one("#import-preview"))
        assert CENTRE in preview and "新文件" in preview and "人才 2" in preview
        assert dump(mudu) == before  # previewed, nothing applied yet
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert "应用" in text_of(dialog.query_one("#import-result"))
        assert dialog.query_one("#import-progress").percentage == 1.0
        assert talent_names(mudu) == sorted(["陈人才", "王芳"])
        # The same file again: shown as a duplicate, and importing it changes nothing.
        after = dump(mudu)
        await pilot.press("enter")
        await settle(app, pilot)
        assert "已导入过" in text_of(dialog.query_one("#import-preview"))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
        assert dump(mudu) == after


async def test_tampered_file_is_refused_with_its_reason(offices, tmp_path):
    centre, mudu = offices["wz"], offices["mudu"]
    add_talent(centre)
    made = engine.export_file(centre.office, "mudu", tmp_path / "out").path
    data = bytearray(made.read_bytes())
    data[len(data) // 2] ^= 0xFF
    bad = tmp_path / "bad.dwsync"
    bad.write_bytes(bytes(data))
    before = dump(mudu)

    app = DeskApp(offices["mudu-admin"], site_name="木渎镇人才工作站")
    async with app.run_test(size=SIZE) as pilot:
        await open_sync(app, pilot)
        dialog = await import_through_screen(app, pilot, bad)
        shown = text_of(dialog.query_one("#import-preview"))
        assert "文件被拒绝，未导入" in shown and "Traceback" not in shown
        assert dialog.refusal and any("\u4e00" <= ch <= "\u9fff" for ch in dialog.refusal)
        await pilot.press("ctrl+s")  # nothing was checked, so nothing can be applied
        await settle(app, pilot)
        assert talent_names(mudu) == []
    assert dump(mudu) == before


async def test_a_specialist_reads_the_inbox_but_may_not_import(offices, tmp_path):
    """Files are for supervisors and administrators: a specialist sees the sync screen, and an import is
    refused with the reason, nothing applied."""
    centre, mudu = offices["wz"], offices["mudu"]
    add_talent(centre)
    made = engine.export_file(centre.office, "mudu", tmp_path / "out").path
    before = dump(mudu)
    app = DeskApp(mudu, site_name="木渎镇人才工作站")  # 李专员
    async with app.run_test(size=SIZE) as pilot:
        screen = await open_sync(app, pilot)
        assert "未处理冲突" in text_of(screen.query_one("#sync-summary"))
        dialog = await import_through_screen(app, pilot, made)
        assert "人才工作专员不能导入同步文件" in text_of(dialog.query_one("#import-preview"))
        await pilot.press("ctrl+s")
        await settle(app, pilot)
    assert dump(mudu) == before and talent_names(mudu) == []


async def test_conflict_resolved_side_by_side_clears_inbox_and_banner(offices, tmp_path):
    centre, mudu = offices["wz"], offices["mudu"]
    talent_id = add_talent(centre)
    out = tmp_path / "out"
    engine.import_file(mudu.office, engine.export_file(centre.office, "mudu", out).path)
    centre.talents.update(talent_id, notes="中心：已安排公寓", reason="核实")
    mudu.talents.update(talent_id, notes="木渎：暂不需要", reason="回访")
    engine.import_file(mudu.office, engine.export_file(centre.office, "mudu", out).path)
    [conflict] = cf.list_conflicts(mudu.office)
    theirs = next(i for i, v in enumerate(conflict.versions, 1) if not v.mine)

    app = DeskApp(offices["mudu-admin"], site_name="木渎镇人才工作站")
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        app.push_screen(TalentScreen(talent_id))
        await settle(app, pilot)
        page = app.screen
        banner = page.query_one(ConflictBanner)
        assert banner.display and "备注" in text_of(banner) and CENTRE in text_of(banner)
        notice = page.query_one(ConflictNotice)
        assert notice.display and "同步冲突 1 件" in text_of(notice)

        screen = await open_sync(app, pilot)
        grid = screen.query_one("#sync-conflicts")
        assert grid.row_count == 1
        # Filters: another kind hides it, the office filter lists both sides.
        screen.query_one("#filter-kind").value = "fork"
        await settle(app, pilot)
        assert grid.row_count == 0
        screen.query_one("#filter-kind").value = "*"
        await settle(app, pilot)
        assert grid.row_count == 1
        grid.focus()
        await pilot.press("enter")
        await settle(app, pilot)
        dialog = app.screen
        assert isinstance(dialog, ResolveDialog)
        panels = [text_of(p) for p in dialog.query(".version")]
        assert len(panels) == 2
        assert any("中心：已安排公寓" in p and CENTRE in p and "周督办" in p for p in panels)
        assert any("木渎：暂不需要" in p and "木渎镇人才工作站" in p and "李专员" in p for p in panels)
        await pilot.press(str(theirs))
        await settle(app, pilot)
        assert isinstance(app.screen, SyncScreen)
        assert grid.row_count == 0 and app.conflicts_open == 0

        await pilot.press("f3")
        await settle(app, pilot)
        assert app.screen is page
        assert not page.query_one(ConflictBanner).display
        assert not page.query_one(ConflictNotice).display

    assert cf.open_conflict_count(mudu.office) == 0
    notes = mudu.office.db.execute_sql("SELECT notes FROM talent WHERE id = ?", (talent_id,)).fetchone()[0]
    assert notes == "中心：已安排公寓"
    # Who resolved it and what was taken: an audit entry by 木渎's administrator.
    actor, changes = mudu.office.db.execute_sql(
        "SELECT actor_id, changes FROM audit_log WHERE action = 'resolve_conflict' AND entity_id = ?",
        (talent_id,)).fetchone()
    assert actor == offices["mudu-admin"].actor.id
    assert json.loads(changes)["value"] == "中心：已安排公寓" and json.loads(changes)["field"] == "notes"
    mudu.talents.update(talent_id, notes="木渎：已入住", reason="回访")  # saving works again


async def test_escape_on_the_sync_screen_goes_back_to_the_workspace_it_came_from(offices):
    app = DeskApp(offices["wz"], site_name=CENTRE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first = app.current_mode
        await open_sync(app, pilot)
        assert any(a.binding.action == "back" and a.enabled for a in app.screen.active_bindings.values())
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.current_mode == first != "sync"


async def test_escape_on_the_sync_screen_with_nowhere_recorded_goes_to_the_first_workspace(offices):
    app = DeskApp(offices["wz"], site_name=CENTRE)
    async with app.run_test(size=SIZE) as pilot:
        await settle(app, pilot)
        first = app.current_mode
        await open_sync(app, pilot)
        app.mode_history.clear()
        await pilot.press("escape")
        await settle(app, pilot)
        assert app.current_mode == first != "sync"
