"""Offline sync between offices by sealed export files.

No Textual here: screens call `dongwu_tui.sync.service.SyncDesk`; the CLI twin is `cli/sync_commands.py`.
Design and the requirement-by-requirement argument: docs/SYNC-DESIGN.md.
"""
