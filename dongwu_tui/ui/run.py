"""Starting the desk from the command line."""

from __future__ import annotations

from dongwu_tui.services.desk import Desk


def run_desk(desk: Desk) -> int:
    from dongwu_tui.ui.app import DeskApp
    from dongwu_tui.ui.config import load_keymap

    keymap, warning = load_keymap()
    site_name = desk.office.meta("site_name") or ""
    app = DeskApp(desk, site_name=site_name, keymap=keymap, config_warning=warning)
    app.run()
    return 0
