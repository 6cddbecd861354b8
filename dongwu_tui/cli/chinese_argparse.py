"""argparse speaking Chinese: its own messages (usage, errors, help headings) translated.

argparse looks its strings up through gettext at call time, so a small catalogue is enough.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any, NoReturn

_CATALOGUE = {
    "usage: ": "用法：",
    "positional arguments": "参数",
    "options": "选项",
    "show this help message and exit": "显示帮助并退出",
    "the following arguments are required: %s": "缺少必需的参数：%s",
    "unrecognized arguments: %s": "无法识别的参数：%s",
    "expected one argument": "需要一个值",
    "argument %(argument_name)s: %(message)s": "参数 %(argument_name)s：%(message)s",
    "invalid choice: %(value)r (choose from %(choices)s)": "无效的选项 %(value)r（可选：%(choices)s）",
    "invalid %(type)s value: %(value)r": "无效的值：%(value)r",
    "not allowed with argument %s": "不能与参数 %s 同时使用",
    "one of the arguments %s is required": "参数 %s 必须指定其一",
    "ambiguous option: %(option)s could match %(matches)s": "选项 %(option)s 有歧义，可能是 %(matches)s",
    "%(prog)s: error: %(message)s\n": "%(prog)s：错误：%(message)s\n",
}


def _translate(message: str) -> str:
    return _CATALOGUE.get(message, message)


argparse._ = _translate  # type: ignore[attr-defined]


# argparse checks each new option's metavar by formatting it with a new help formatter, which asks the
# terminal for its width (importing shutil, and with it bz2 and lzma); the ~300 options of `dongwu` made
# ~300 formatters on every run. That check needs no width: one formatter of a fixed width does it.
_CHECKER = argparse.HelpFormatter("dongwu", width=80)


class ChineseArgumentParser(argparse.ArgumentParser):
    _adding = False

    def add_argument(self, *args: Any, **kwargs: Any) -> argparse.Action:
        if "--json" in args:
            kwargs.setdefault("help", "以 JSON 输出")
        self._adding = True
        try:
            return super().add_argument(*args, **kwargs)
        finally:
            self._adding = False

    def add_subparsers(self, **kwargs: Any) -> Any:
        # Without `prog`, argparse formats this parser's usage up to its positionals (it has none) to
        # name the subcommands' parsers: that is this parser's own name.
        if not self._get_positional_actions():
            kwargs.setdefault("prog", self.prog)
        return super().add_subparsers(**kwargs)

    def _get_formatter(self) -> argparse.HelpFormatter:
        return _CHECKER if self._adding else super()._get_formatter()

    def _get_values(self, action: argparse.Action, arg_strings: list[str]) -> Any:
        # argparse drops a "--" given as an option's value and hands the option an empty list.
        if action.option_strings and action.nargs is None and arg_strings == ["--"]:
            self.error(f"参数 {'/'.join(action.option_strings)}：需要一个值，「--」不能作为值")
        return super()._get_values(action, arg_strings)

    def error(self, message: str) -> NoReturn:
        # One line, whatever the value it quotes holds.
        message = " ".join(message.replace("\r", "\n").split("\n"))
        sys.stderr.write(f"错误：{message}。用 {self.prog} --help 查看用法。\n")
        sys.exit(2)
