"""The sealed sync file: outer envelope (recipients, ciphertext) and the signed inner manifest + chunks.

    DWSYNC\\n <header JSON>\\n <ciphertext>
header: format, algorithms, per recipient the payload key sealed to its X25519 key, ciphertext length.
plaintext: DWSYNC-INNER\\n <{"manifest", "signature", "certificate"} JSON>\\n <chunk><chunk>...
Each chunk is zlib-compressed JSON Lines; the manifest (signed with Ed25519) lists every chunk's size
and SHA-256, the sender, recipients, knowledge and counts. Everything is checked before the database
is touched. The algorithms are named in the header and manifest so that the suite can be swapped
(e.g. SM2/SM3/SM4 for 密评) with a new name rather than a new layout.
"""

from __future__ import annotations

import hashlib
import json
import os
import zlib
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.utils
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, PublicKey, SealedBox
from nacl.secret import SecretBox

from dongwu_tui.sync.errors import SyncRefused

try:
    import orjson
except ImportError:  # pragma: no cover - orjson is a dependency; the standard library reads the same lines
    orjson = None  # type: ignore[assignment]
from dongwu_tui.sync.trust import OfficeKeys, b64, unb64, verify

MAGIC = b"DWSYNC\n"
INNER_MAGIC = b"DWSYNC-INNER\n"
FORMAT_VERSION = 1
ALGORITHMS = {
    "key_wrap": "x25519-sealedbox",
    "encrypt": "xsalsa20-poly1305",
    "sign": "ed25519",
    "hash": "sha256",
    "compress": "zlib",
    "records": "jsonl",
}


@dataclass
class OpenedFile:
    manifest: dict[str, Any]
    certificate: dict[str, Any]
    chunks: list[bytes]
    sha256: str

    def records(self):
        """Decoded record lines, chunk by chunk (each already hash-checked)."""
        for chunk in self.chunks:
            yield from decode_lines(zlib.decompress(chunk))

    def chunk_records(self):
        """The decoded records of each chunk, one list per chunk."""
        for chunk in self.chunks:
            yield decode_lines(zlib.decompress(chunk))


def decode_lines(text: bytes) -> list[Any]:
    """The records of one decompressed chunk. Raw newlines only separate lines, so the chunk is read as
    one JSON array in one call (several times faster than a call per line)."""
    lines = text.strip(b"\n")
    if not lines:
        return []
    if orjson is not None:
        try:
            return orjson.loads(b"[" + lines.replace(b"\n", b",") + b"]")
        except orjson.JSONDecodeError as error:
            raise ValueError(str(error)) from None
    return [json.loads(line) for line in lines.splitlines() if line]


def seal(manifest: dict[str, Any], chunks: list[bytes], keys: OfficeKeys, certificate: dict[str, Any],
         recipients: list[dict[str, Any]]) -> bytes:
    signature = keys.sign(manifest)
    envelope = json.dumps({"manifest": manifest, "signature": signature, "certificate": certificate},
                          ensure_ascii=False, separators=(",", ":")).encode("utf-8")
    plaintext = b"".join([INNER_MAGIC, envelope, b"\n", *chunks])
    payload_key = nacl.utils.random(SecretBox.KEY_SIZE)
    ciphertext = bytes(SecretBox(payload_key).encrypt(plaintext))
    header = {
        "format": FORMAT_VERSION,
        "algorithms": {k: ALGORITHMS[k] for k in ("key_wrap", "encrypt")},
        "recipients": [{"site_id": r["site_id"], "key": r["box_pk"],
                        "wrapped": b64(SealedBox(PublicKey(unb64(r["box_pk"]))).encrypt(payload_key))}
                       for r in recipients],
        "length": len(ciphertext),
    }
    return MAGIC + json.dumps(header, separators=(",", ":")).encode("ascii") + b"\n" + ciphertext


def write_atomically(path: Path, data: bytes) -> None:
    """Temporary name, fsync, rename: a reader never sees half a file under the final name."""
    tmp = path.with_name(f".{path.name}.part")
    with open(tmp, "wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(tmp, path)


def read_header(data: bytes) -> tuple[dict[str, Any], bytes]:
    if not data.startswith(MAGIC):
        raise SyncRefused("foreign", "这不是东吴人才服务台的同步文件（文件头不符），未导入。")
    end = data.find(b"\n", len(MAGIC))
    if end < 0:
        raise SyncRefused("truncated", "同步文件不完整（被截断），未导入。")
    try:
        header = json.loads(data[len(MAGIC):end])
        version = int(header["format"])
    except (ValueError, KeyError, TypeError):
        raise SyncRefused("damaged", "同步文件已损坏（文件头无法读取），未导入。") from None
    if version > FORMAT_VERSION:
        raise SyncRefused("too-new", f"同步文件格式版本 {version} 高于本程序支持的版本 {FORMAT_VERSION}，"
                                     "请升级东吴人才服务台后再导入，本文件未导入。")
    unknown = {k: v for k, v in header.get("algorithms", {}).items() if ALGORITHMS.get(k) != v}
    if unknown:
        raise SyncRefused("too-new", f"同步文件使用了本程序不支持的算法 {unknown}，请升级后再导入，本文件未导入。")
    ciphertext = data[end + 1:]
    if len(ciphertext) < int(header.get("length", 0)):
        raise SyncRefused("truncated", f"同步文件不完整（被截断：应有 {header['length']} 字节密文，"
                                       f"只有 {len(ciphertext)} 字节），未导入。")
    if len(ciphertext) > int(header.get("length", 0)):
        raise SyncRefused("damaged", "同步文件已损坏（长度与文件头不符），未导入。")
    return header, ciphertext


def open_sealed(data: bytes, site_id: str, box_key: PrivateKey) -> OpenedFile:
    """Decrypt and check signature-independent structure; the caller checks the certificate and manifest."""
    header, ciphertext = read_header(data)
    mine = [r for r in header.get("recipients", []) if r.get("site_id") == site_id]
    if not mine:
        raise SyncRefused("not-addressed", "本文件不是发给本单位的（收件单位中没有本单位），未导入。")
    payload_key = None
    for recipient in mine:
        try:
            payload_key = SealedBox(box_key).decrypt(unb64(recipient["wrapped"]))
            break
        except (CryptoError, ValueError, KeyError, TypeError):
            continue
    if payload_key is None:
        raise SyncRefused("not-addressed", "本文件是发给本单位旧密钥或其他机器的，本机密钥无法解开，未导入。")
    try:
        plaintext = SecretBox(payload_key).decrypt(ciphertext)
    except CryptoError:
        raise SyncRefused("damaged", "同步文件已损坏或被改动（解密校验失败），未导入。") from None
    if not plaintext.startswith(INNER_MAGIC):
        raise SyncRefused("damaged", "同步文件已损坏（内容结构不符），未导入。")
    end = plaintext.find(b"\n", len(INNER_MAGIC))
    try:
        envelope = json.loads(plaintext[len(INNER_MAGIC):end])
        manifest, signature, certificate = envelope["manifest"], envelope["signature"], envelope["certificate"]
    except (ValueError, KeyError, TypeError):
        raise SyncRefused("damaged", "同步文件已损坏（清单无法读取），未导入。") from None
    sender_pk = (certificate.get("body") or {}).get("sign_pk", "")
    if not verify(sender_pk, manifest, signature):
        raise SyncRefused("tampered", "同步文件的签名与内容不符（文件被篡改），未导入。")
    body = plaintext[end + 1:]
    chunks: list[bytes] = []
    offset = 0
    for index, chunk in enumerate(manifest.get("chunks", [])):
        part = body[offset:offset + int(chunk["size"])]
        offset += int(chunk["size"])
        if len(part) != int(chunk["size"]):
            # The ciphertext was whole (checked above), so a short part inside means it was rebuilt.
            raise SyncRefused("tampered", f"同步文件第 {index + 1} 段数据与签名清单不符（被篡改），未导入。")
        if hashlib.sha256(part).hexdigest() != chunk["sha256"]:
            raise SyncRefused("tampered", f"同步文件第 {index + 1} 段数据的校验和不符（被篡改或损坏），未导入。")
        chunks.append(part)
    if offset != len(body):
        raise SyncRefused("tampered", "同步文件含有清单之外的数据（被篡改），未导入。")
    return OpenedFile(manifest, certificate, chunks, hashlib.sha256(data).hexdigest())


def export_query(table: str, cols: list[str], *, departed: bool = False) -> str:
    """Each record's line `[table, id, partition, vv, stamps, [values], {field: versions} | null]`, written
    by SQLite's JSON functions: building it in Python was most of the export's time. No synced table has
    REAL or BLOB columns, so SQLite's JSON text is exactly what Python would write. Takes `table` 4 times.

    Rows are `(partition the delta is measured against, vv, line)`. With `departed`, the records that
    left a partition (migration 0008), measured against the partition they left; CROSS JOIN keeps the
    small departures table outermost (without statistics the planner may otherwise walk every sync row)."""
    values = ", ".join(f't."{c}"' for c in cols)
    siblings = ("CASE WHEN r.id IN (SELECT id FROM sync_sibling WHERE tbl = ?) THEN (SELECT json_group_object("
                "s.field, json(s.versions)) FROM sync_sibling s WHERE s.tbl = ? AND s.id = r.id) END")
    measured, source = (("d.part", "sync_departure d CROSS JOIN sync_row r ON r.tbl = d.tbl AND r.id = d.id")
                        if departed else ("r.part", "sync_row r"))
    return (f"SELECT {measured}, r.vv, json_array(?, r.id, r.part, r.vv, r.stamps, json_array({values}), "
            f'{siblings}) FROM {source} JOIN "{table}" t ON t.id = r.id WHERE r.tbl = ?')
