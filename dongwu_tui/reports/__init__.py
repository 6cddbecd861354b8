"""Supervisor review: KPI definitions and their computation, the measure × status grid with drill-down,
supervision lists, weekly trends and the periodic report (通报).

Importable with no Textual: the CLI, the tests and the dashboard screen all call `ReportService`.
The definitions are written out for people in docs/KPI.md; `definitions.py` is their one home in code.
"""
