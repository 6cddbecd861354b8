"""The user's config file: key remapping by binding id (`[keymap]` table in config.toml)."""

from __future__ import annotations

from pathlib import Path

from dongwu_tui.storage.paths import user_config_dir


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
    import tomllib  # here, not at the top: most desks have no config file (start-up, issue 6)

    try:
        with path.open("rb") as handle:
            data = tomllib.load(handle)
    except (OSError, tomllib.TOMLDecodeError) as error:
        return {}, f"配置文件 {path} 无法读取，已使用默认按键：{error}"
    keymap = data.get("keymap", {})
    if not isinstance(keymap, dict) or not all(isinstance(v, str) for v in keymap.values()):
        return {}, f"配置文件 {path} 中的 [keymap] 应为“按键编号 = \"按键\"”，已使用默认按键"
    return {str(k): v for k, v in keymap.items()}, None
