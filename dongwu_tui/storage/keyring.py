"""The key ring of an encrypted office database: one database key, wrapped once per account.

The database key (32 random bytes) encrypts the whole SQLite file (SQLCipher, storage/cipher.py). It is
never stored as it is: the key ring beside the database (`office.db.keys`, JSON, mode 0600) holds it once
per slot, each wrapped (libsodium SecretBox) by a key derived with argon2id from that slot's secret: a
staff member's password (slot id: the staff id, with the name beside it for lookup), or the recovery key
that `create` hands out once, for an administrator to keep offline (slot id "recovery"). So any person
with a slot opens the database with their own password, a password change re-wraps one slot, and
removing a slot shuts that person out without touching the database.

The ring is read before the database is opened, so it can hold nothing that is in the database. Whether
a database is encrypted is decided by the file itself (its first 16 bytes), not by the ring: a ring left
beside a plain file (an interrupted `dongwu decrypt`) changes nothing.

This module's top level imports only the standard library: the command line checks for a ring before
the desk starts. PyNaCl and argon2 are loaded when a key is wrapped or unwrapped.
"""

from __future__ import annotations

import base64
import json
import os
from pathlib import Path
from typing import Any

from dongwu_tui.domain.errors import StorageError

RECOVERY = "recovery"
FORMAT = "dongwu-keyring"
KEY_BYTES = 32
SQLITE_HEADER = b"SQLite format 3\x00"
PASSWORD_VARIABLE = "DONGWU_PASSWORD"

# argon2id as RFC 9106's second recommended option (64 MiB, 3 passes): ~0.1–0.3 s on a township laptop,
# paid once per opening. Each slot records its own parameters, so raising them later re-wraps nothing.
DEFAULT_PARAMS = {"time_cost": 3, "memory_cost": 64 * 1024, "parallelism": 1}

# A password given for this process (the command line's prompt, before the desk starts); the
# environment variable DONGWU_PASSWORD is the other source. Sign-in sessions will replace both.
_supplied: dict[str, str] = {}


def keyring_path(db_path: Path | str) -> Path:
    return Path(f"{Path(db_path).expanduser()}.keys")


# The files this process has a database open on, by (device, inode): whether each is encrypted, and how
# many open offices hold it. Closing any descriptor of a file drops every POSIX lock this process holds on
# it, SQLite's included: reading the header of a database that is open here would let another process take
# it for unused and delete its WAL under the open connections ("disk I/O error"). While a file is held its
# inode cannot be reused, so the answer recorded at open stays true.
_held: dict[tuple[int, int], list[Any]] = {}


def _file_key(db_path: Path | str) -> tuple[int, int] | None:
    try:
        status = os.stat(Path(db_path).expanduser())
    except OSError:
        return None
    return status.st_dev, status.st_ino


def hold_file(db_path: Path | str, *, encrypted: bool) -> tuple[int, int] | None:
    """Record that an office is open on `db_path` (see `_held`); give the key back to `release_file`."""
    key = _file_key(db_path)
    if key is not None:
        entry = _held.setdefault(key, [encrypted, 0])
        entry[1] += 1
    return key


def release_file(key: tuple[int, int] | None) -> None:
    entry = _held.get(key) if key is not None else None
    if entry is not None:
        entry[1] -= 1
        if entry[1] <= 0:
            del _held[key]


def is_encrypted_file(db_path: Path | str) -> bool:
    """True for a file that exists, is not empty and does not start with SQLite's plain header. A file an
    office of this process has open is answered from memory, without opening it (see `_held`)."""
    key = _file_key(db_path)
    if key is None:
        return False
    if key in _held:
        return bool(_held[key][0])
    try:
        with open(Path(db_path).expanduser(), "rb") as file:
            head = file.read(len(SQLITE_HEADER))
    except OSError:
        return False
    return bool(head) and head != SQLITE_HEADER


def supply_password(password: str) -> None:
    _supplied["password"] = password


def supplied_password() -> str | None:
    return _supplied.get("password") or os.environ.get(PASSWORD_VARIABLE) or None


# -- wrapping ------------------------------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def derive_key(secret: str, salt: bytes, params: dict[str, int]) -> bytes:
    from argon2.low_level import Type, hash_secret_raw

    return hash_secret_raw(secret.encode("utf-8"), salt, time_cost=params["time_cost"],
                           memory_cost=params["memory_cost"], parallelism=params["parallelism"],
                           hash_len=KEY_BYTES, type=Type.ID)


def _wrap(db_key: bytes, slot_id: str, name: str, secret: str, params: dict[str, int]) -> dict[str, Any]:
    import secrets

    from nacl.secret import SecretBox

    salt = secrets.token_bytes(16)
    box = SecretBox(derive_key(secret, salt, params))
    return {"id": slot_id, "name": name, "kdf": {"alg": "argon2id", "salt": _b64(salt), **params},
            "wrapped": _b64(bytes(box.encrypt(db_key)))}


def _unwrap(slot: dict[str, Any], secret: str) -> bytes | None:
    from nacl.exceptions import CryptoError
    from nacl.secret import SecretBox

    kdf = slot["kdf"]
    params = {k: int(kdf[k]) for k in DEFAULT_PARAMS}
    try:
        return SecretBox(derive_key(secret, _unb64(kdf["salt"]), params)).decrypt(_unb64(slot["wrapped"]))
    except CryptoError:
        return None


def new_recovery_key() -> str:
    """32 random bytes as base32 in groups of 4 (easy to copy onto paper): 'ABCD-EFGH-…'."""
    import secrets

    text = base64.b32encode(secrets.token_bytes(KEY_BYTES)).decode("ascii").rstrip("=")
    return "-".join(text[i:i + 4] for i in range(0, len(text), 4))


def _normal_recovery(text: str) -> str:
    return "".join(ch for ch in text.upper() if ch.isalnum())


# -- the ring file -------------------------------------------------------------------------------------


def read(db_path: Path | str) -> dict[str, Any]:
    path = keyring_path(db_path)
    try:
        ring = json.loads(path.read_text(encoding="utf-8"))
    except FileNotFoundError:
        raise StorageError(
            f"数据库 {Path(db_path).name} 已加密，但找不到它的密钥文件 {path.name}（复制数据库时须一同复制密钥文件），"
            "未做任何修改。"
        ) from None
    except (OSError, ValueError) as error:
        raise StorageError(f"密钥文件 {path} 无法读取或已损坏，未做任何修改。") from error
    if not isinstance(ring, dict) or ring.get("format") != FORMAT or not isinstance(ring.get("slots"), list):
        raise StorageError(f"密钥文件 {path} 不是东吴人才服务台的密钥文件，未做任何修改。")
    return ring


def write(db_path: Path | str, ring: dict[str, Any]) -> None:
    """Replace the ring whole: a new file (0600), flushed to disk, renamed over the old one."""
    from dongwu_tui.storage.paths import write_private

    write_private(keyring_path(db_path), json.dumps(ring, ensure_ascii=False, indent=1).encode("utf-8"))


def create(db_path: Path | str, first_slot: str, password: str, *, name: str = "",
           params: dict[str, int] | None = None) -> tuple[bytes, str]:
    """A new database key with its ring: one slot for `first_slot`, one for a new recovery key. Returns
    (database key, recovery key); the recovery key is shown once and stored nowhere in clear."""
    import secrets

    params = dict(params or DEFAULT_PARAMS)
    db_key = secrets.token_bytes(KEY_BYTES)
    recovery = new_recovery_key()
    ring = {"format": FORMAT, "version": 1, "slots": [
        _wrap(db_key, first_slot, name, password, params),
        _wrap(db_key, RECOVERY, "恢复密钥", _normal_recovery(recovery), params),
    ]}
    write(db_path, ring)
    return db_key, recovery


def slots(db_path: Path | str) -> list[dict[str, str]]:
    return [{"id": s["id"], "name": s.get("name", "")} for s in read(db_path)["slots"]]


def _find(ring: dict[str, Any], slot: str) -> dict[str, Any] | None:
    return next((s for s in ring["slots"] if s["id"] == slot), None) or next(
        (s for s in ring["slots"] if slot and s.get("name") == slot), None)


def unwrap(db_path: Path | str, slot: str | None, password: str) -> bytes:
    """The database key, from the slot named by staff id or name (None: try every staff slot)."""
    ring = read(db_path)
    if slot is not None:
        found = _find(ring, slot)
        if found is None or found["id"] == RECOVERY:
            raise StorageError(f"「{slot}」在本数据库的密钥文件中没有密钥，无法打开加密的数据库；未做任何修改。")
        candidates = [found]
    else:
        candidates = [s for s in ring["slots"] if s["id"] != RECOVERY]
    for candidate in candidates:
        key = _unwrap(candidate, password)
        if key is not None:
            return key
    raise StorageError("密码不正确，无法打开加密的数据库；未做任何修改。")


def unwrap_recovery(db_path: Path | str, recovery_key: str) -> bytes:
    ring = read(db_path)
    found = _find(ring, RECOVERY)
    key = _unwrap(found, _normal_recovery(recovery_key)) if found is not None else None
    if key is None:
        raise StorageError("恢复密钥不正确，无法打开加密的数据库；未做任何修改。")
    return key


def add_slot(db_path: Path | str, db_key: bytes, slot_id: str, password: str, *, name: str = "",
             params: dict[str, int] | None = None) -> None:
    """A slot for another account (a slot with the same id is replaced)."""
    ring = read(db_path)
    ring["slots"] = [s for s in ring["slots"] if s["id"] != slot_id]
    ring["slots"].append(_wrap(db_key, slot_id, name, password, dict(params or DEFAULT_PARAMS)))
    write(db_path, ring)


def rewrap_slot(db_path: Path | str, slot: str, old_password: str, new_password: str,
                params: dict[str, int] | None = None) -> None:
    """A password change: the slot's key is unwrapped with the old password and wrapped with the new one;
    the database and the other slots are untouched."""
    ring = read(db_path)
    found = _find(ring, slot)
    db_key = _unwrap(found, old_password) if found is not None and found["id"] != RECOVERY else None
    if found is None or db_key is None:
        raise StorageError("原密码不正确，密码未修改。")
    fresh = _wrap(db_key, found["id"], found.get("name", ""), new_password,
                  dict(params or {k: int(found["kdf"][k]) for k in DEFAULT_PARAMS}))
    ring["slots"] = [fresh if s is found else s for s in ring["slots"]]
    write(db_path, ring)


def new_recovery(db_path: Path | str, db_key: bytes, params: dict[str, int] | None = None) -> str:
    """Replace the recovery slot (a lost or exposed recovery key); the new key is returned, shown once."""
    recovery = new_recovery_key()
    add_slot(db_path, db_key, RECOVERY, _normal_recovery(recovery), name="恢复密钥", params=params)
    return recovery


def remove_slot(db_path: Path | str, slot: str) -> None:
    ring = read(db_path)
    found = _find(ring, slot)
    if found is None:
        raise StorageError(f"密钥文件中没有「{slot}」的密钥。")
    if found["id"] == RECOVERY or sum(s["id"] != RECOVERY for s in ring["slots"]) <= 1:
        raise StorageError("不能删除恢复密钥或最后一个人员的密钥。")
    ring["slots"] = [s for s in ring["slots"] if s is not found]
    write(db_path, ring)
