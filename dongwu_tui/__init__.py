"""dongwu-tui: the case-management desk of the Wuzhong district talent service (东吴人才服务)."""

__version__ = "0.1.0"
