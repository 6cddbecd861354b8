"""The user's config file: key remapping by binding id (`[keymap]` table in config.toml)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from dongwu_tui.storage.paths import user_config_dir

if TYPE_CHECKING:
    from textual.binding import Binding


def config_path() -> Path:
    return user_config_dir() / "config.toml"


def load_keymap(path: Path | None = None) -> tuple[dict[str, str], str | None]:
    """The keymap from the config file and a Chinese warning if the file could not be used.

    ```toml
    [keymap]
    "intake.save" = "ctrl+s"
    "app.talents" = "f6"
    ```
    """
    path = path or config_path()
    if not path.exists():
        return {}, None
    import tomllib  # here, not at the top: most desks have no config file (start-up)

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        return {}, f"配置文件 {path} 无法读取，已使用默认按键：{error}"
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        return {}, f"配置文件 {path} 中的 [keymap] 应为“按键编号 = \"按键\"”，已使用默认按键"
    return {str(k): v for k, v in keymap.items()}, None


def load_idle_lock_minutes(path: Path | None = None, default: float = 10.0) -> tuple[float, str | None]:
    """Minutes without a key or a click before the desk locks (`[desk] idle_lock_minutes`, 0: never), and a
    Chinese warning if the value could not be used.

    ```toml
    [desk]
    idle_lock_minutes = 5
    ```
    """
    path = path or config_path()
    if not path.exists():
        return default, None
    import tomllib

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError):
        return default, None  # load_keymap says so
    value = data.get("desk", {}).get("idle_lock_minutes", default) if isinstance(data.get("desk", {}), dict) \
        else default
    if isinstance(value, bool) or not isinstance(value, (int, float)) or not 0 <= value <= 24 * 60:
        return default, (f"配置文件 {path} 中的 [desk] idle_lock_minutes 应为 0 到 1440 之间的分钟数，"
                         f"已使用默认值 {default:g} 分钟")
    return float(value), None


def keymap_clashes(keymap: Mapping[str, str], scopes: Iterable[tuple[str, Sequence[Binding]]],
                   known_ids: Iterable[str] | None = None) -> list[str]:
    """Chinese warnings for the keymap: a key it gives a binding that another binding active at the same time
    (one scope: a screen's bindings with the app's) also has, where one of the two does not work; and, given
    `known_ids`, the binding ids it names that no binding has (a typo remaps nothing)."""
    warnings: list[str] = []
    for where, bindings in scopes:
        by_key: dict[str, dict[str, Binding]] = {}
        for binding in bindings:
            if binding.id is None:
                continue
            keys = keymap[binding.id].split(",") if binding.id in keymap else [binding.key]
            for key in keys:
                by_key.setdefault(key.strip(), {}).setdefault(binding.id, binding)
        for key, holders in by_key.items():
            if len(holders) < 2 or not any(binding_id in keymap for binding_id in holders):
                continue  # one binding per key, or a default that the keymap did not cause
            names = "、".join(f"“{b.description or b.action}”（{binding_id}）" for binding_id, b in holders.items())
            warning = f"{where}：按键 {key} 同时用于{names}，只有一个有效"
            if warning not in warnings:
                warnings.append(warning)
    if known_ids is not None:
        known = set(known_ids)
        for binding_id in keymap:
            if binding_id not in known:
                warnings.append(f"[keymap] 中的按键编号 {binding_id} 不存在，未生效（编号见 F1 帮助）")
    return warnings


def desk_keymap_warnings(keymap: Mapping[str, str], app_class: type) -> list[str]:
    """`keymap_clashes` over every desk screen with the app's own bindings, and the ids no binding of the desk
    has. Imports every screen's module: called only for a keymap that is not empty."""
    from importlib import import_module

    from textual.dom import DOMNode
    from textual.screen import Screen

    for name in ("intake", "talents", "talent", "requests", "request", "dashboard", "sync", "sync_dialogs",
                 "dialogs", "signin", "help"):
        import_module(f"dongwu_tui.ui.screens.{name}")

    def bindings_of(cls: type) -> list[Binding]:
        merged = cls._merged_bindings  # type: ignore[attr-defined]  # Textual's bindings of the class and its bases
        return [b for group in merged.key_to_bindings.values() for b in group] if merged is not None else []

    ours: list[type] = []  # the desk's screens, widgets and app
    pending = list(DOMNode.__subclasses__())
    while pending:
        cls = pending.pop()
        pending.extend(cls.__subclasses__())
        if cls.__module__.startswith("dongwu_tui.") and cls not in ours:
            ours.append(cls)
    app_bindings = bindings_of(app_class)
    scopes = [(getattr(cls, "TITLE_TEXT", "") or ("对话框" if cls.is_modal else "本页"), bindings_of(cls) + app_bindings)
              for cls in sorted(ours, key=lambda c: c.__name__) if issubclass(cls, Screen)]
    known = {b.id for cls in [*ours, app_class] for b in bindings_of(cls) if b.id}
    return keymap_clashes(keymap, scopes, known)
