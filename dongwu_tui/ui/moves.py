"""The keys of request moves, from the move table (domain/lifecycle.py MOVE_RULES): one key and one binding id
per move, `request.<move>`, the same on every screen that offers the move, so one line of the keymap remaps it
everywhere."""

from __future__ import annotations

from collections.abc import Iterable

from textual.binding import Binding
from textual.dom import DOMNode

from dongwu_tui.domain.lifecycle import MOVE_RULES


def move_binding(move: str) -> Binding:
    rule = MOVE_RULES[move]
    return Binding(rule.key, f"move('{move}')", rule.label, id=binding_id(move))


def binding_id(move: str) -> str:
    return f"request.{move}"


def move_bindings(moves: Iterable[str]) -> list[Binding]:
    return [move_binding(move) for move in moves]


def bind_moves(node: DOMNode, moves: Iterable[str]) -> None:
    """Give `node` the bindings of `moves` that its class does not have: the class's BINDINGS are made from the
    table when its module is imported, and a move the table gained since is bound on the instance."""
    have = {binding.id for bindings in node._bindings.key_to_bindings.values() for binding in bindings}
    for move in moves:
        if binding_id(move) not in have:
            binding = move_binding(move)
            node._bindings.key_to_bindings.setdefault(binding.key, []).append(binding)
