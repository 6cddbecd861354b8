"""Keys and trust: each office's signing and encryption keys, the centre's certificates, revocation.

The district centre is the root: its certificate signs itself and every office it enrols. An office
trusts a file only if its sender's certificate was signed by that root and is not revoked. Keys are
Ed25519 (signatures) and X25519 (encryption) from PyNaCl; this module never implements primitives.
"""

from __future__ import annotations

import base64
import json
from dataclasses import dataclass
from typing import Any

from nacl.exceptions import BadSignatureError
from nacl.public import PrivateKey
from nacl.signing import SigningKey, VerifyKey

from dongwu_tui.domain.chinatime import china_now_iso
from dongwu_tui.storage.database import OfficeDatabase
from dongwu_tui.sync.errors import SyncRefused

SIGN_ALGORITHM = "ed25519"
BOX_ALGORITHM = "x25519"


def b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def unb64(text: str) -> bytes:
    return base64.b64decode(text.encode("ascii"), validate=True)


def canonical(body: dict[str, Any]) -> bytes:
    return json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":")).encode("utf-8")


def now_iso() -> str:
    """Now, as certificates, bundles and the peer table record it: China time with its offset."""
    return china_now_iso()


def fingerprint(public_key_b64: str) -> str:
    import hashlib

    digest = hashlib.sha256(unb64(public_key_b64)).hexdigest()[:16]
    return "-".join(digest[i:i + 4] for i in range(0, 16, 4))


@dataclass
class OfficeKeys:
    signing: SigningKey
    box: PrivateKey

    @property
    def sign_pk(self) -> str:
        return b64(bytes(self.signing.verify_key))

    @property
    def box_pk(self) -> str:
        return b64(bytes(self.box.public_key))

    def sign(self, body: dict[str, Any]) -> str:
        return b64(self.signing.sign(canonical(body)).signature)


def verify(sign_pk: str, body: dict[str, Any], signature: str) -> bool:
    try:
        VerifyKey(unb64(sign_pk)).verify(canonical(body), unb64(signature))
        return True
    except (BadSignatureError, ValueError, TypeError):
        return False


def _key(office: OfficeDatabase, name: str) -> str | None:
    row = office.db.execute_sql("SELECT value FROM sync_key WHERE name = ?", (name,)).fetchone()
    return row[0] if row else None


def _set_key(office: OfficeDatabase, name: str, value: str) -> None:
    office.db.execute_sql("INSERT OR REPLACE INTO sync_key (name, value) VALUES (?, ?)", (name, value))


def _private(office: OfficeDatabase, name: str) -> bytes | None:
    from dongwu_tui.storage import keyring, sealing

    return sealing.read(office.db.execute_sql, name, office.key, keyring.supplied_password(),
                        getattr(office, "exchange_key", None))


def _set_private(office: OfficeDatabase, name: str, raw: bytes) -> None:
    """Private keys are sealed (storage/sealing.py): by the database key, or the office's exchange key once
    the acting person's wrap opened it (services/sync.py `unlock`)."""
    from dongwu_tui.storage import keyring, sealing

    sealing.write(office.db.execute_sql, name, raw, office.key, keyring.supplied_password(),
                  getattr(office, "exchange_key", None))


def load_keys(office: OfficeDatabase) -> OfficeKeys | None:
    sign, box = _private(office, "sign_sk"), _private(office, "box_sk")
    if sign is None or box is None:
        return None
    return OfficeKeys(SigningKey(sign), PrivateKey(box))


def require_keys(office: OfficeDatabase) -> OfficeKeys:
    keys = load_keys(office)
    if keys is None:
        raise SyncRefused("no-keys", "本单位还没有同步密钥，请先运行 dongwu sync keys。")
    return keys


def this_office(office: OfficeDatabase) -> dict[str, Any]:
    site_id = office.meta("site_id")
    row = office.db.execute_sql("SELECT code, name, kind, township_code FROM site WHERE id = ?", (site_id,)).fetchone()
    if row is None:
        raise SyncRefused("no-site", "数据库尚未设置本单位，请先运行 dongwu init。")
    return {"site_id": site_id, "code": row[0], "name": row[1], "kind": row[2], "township_code": row[3]}


def ensure_keys(office: OfficeDatabase) -> OfficeKeys:
    """Create this office's keys once; a district centre also makes its root certificate."""
    keys = load_keys(office)
    if keys is not None:
        return keys
    keys = OfficeKeys(SigningKey.generate(), PrivateKey.generate())
    with office.write():
        _set_private(office, "sign_sk", bytes(keys.signing))
        _set_private(office, "box_sk", bytes(keys.box))
        me = this_office(office)
        if me["kind"] == "district":
            root = issue_certificate(keys, {**me, "sign_pk": keys.sign_pk, "box_pk": keys.box_pk})
            _set_key(office, "root", json.dumps(root, ensure_ascii=False))
            store_peer(office, root)
    return keys


def enrolment_request(office: OfficeDatabase) -> dict[str, Any]:
    keys = ensure_keys(office)
    body = {"type": "dongwu-enrol", **this_office(office), "sign_pk": keys.sign_pk, "box_pk": keys.box_pk,
            "created_at": now_iso(), "sign_algorithm": SIGN_ALGORITHM, "box_algorithm": BOX_ALGORITHM}
    return {"body": body, "signature": keys.sign(body)}


def issue_certificate(root_keys: OfficeKeys, office_info: dict[str, Any]) -> dict[str, Any]:
    body = {"type": "dongwu-certificate", "site_id": office_info["site_id"], "code": office_info["code"],
            "name": office_info["name"], "kind": office_info["kind"],
            "township_code": office_info.get("township_code"), "sign_pk": office_info["sign_pk"],
            "box_pk": office_info["box_pk"], "issued_at": now_iso(), "issuer_pk": root_keys.sign_pk,
            "sign_algorithm": SIGN_ALGORITHM, "box_algorithm": BOX_ALGORITHM}
    return {"body": body, "signature": root_keys.sign(body)}


def root_certificate(office: OfficeDatabase) -> dict[str, Any] | None:
    text = _key(office, "root")
    return json.loads(text) if text else None


def revoked_keys(office: OfficeDatabase) -> set[str]:
    return set(json.loads(_key(office, "revoked") or "[]"))


def store_peer(office: OfficeDatabase, certificate: dict[str, Any]) -> None:
    body = certificate["body"]
    office.db.execute_sql(
        "INSERT INTO sync_peer (site_id, code, name, kind, township_code, certificate) VALUES (?, ?, ?, ?, ?, ?) "
        "ON CONFLICT (site_id) DO UPDATE SET code = excluded.code, name = excluded.name, kind = excluded.kind, "
        "township_code = excluded.township_code, certificate = excluded.certificate",
        (body["site_id"], body["code"], body["name"], body["kind"], body.get("township_code"),
         json.dumps(certificate, ensure_ascii=False)))


def check_certificate(office: OfficeDatabase, certificate: Any) -> dict[str, Any]:
    """The certificate's body if the root signed it and it is not revoked; otherwise refuse."""
    root = root_certificate(office)
    if root is None:
        raise SyncRefused("no-root", "本单位尚未安装区中心的证书，请先运行 dongwu sync trust 安装中心下发的信任文件。")
    try:
        body, signature = certificate["body"], certificate["signature"]
        issuer = body["issuer_pk"]
    except (KeyError, TypeError):
        raise SyncRefused("unknown-sender", "发件单位的证书格式不正确，无法确认发件单位，文件未导入。") from None
    if issuer != root["body"]["sign_pk"] or not verify(issuer, body, signature):
        raise SyncRefused("unknown-sender",
                          f"发件单位「{body.get('name', '?')}」的证书不是本区中心签发的"
                          "（未知单位或外区文件），文件未导入。")
    if body["sign_pk"] in revoked_keys(office):
        raise SyncRefused("revoked", f"发件单位「{body['name']}」的证书已被区中心吊销，文件未导入。")
    return body


def certify(office: OfficeDatabase, request: dict[str, Any]) -> dict[str, Any]:
    """Centre: verify an office's enrolment request and certify it."""
    keys = ensure_keys(office)
    if root_certificate(office) is None or this_office(office)["kind"] != "district":
        raise SyncRefused("not-centre", "只有区中心可以认证其他单位；请把本单位的申请文件交给区中心。")
    try:
        body, signature = request["body"], request["signature"]
        ok = body.get("type") == "dongwu-enrol" and verify(body["sign_pk"], body, signature)
    except (KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise SyncRefused("bad-enrolment", "申请文件无效（格式不对或签名不符），未认证。")
    certificate = issue_certificate(keys, body)
    with office.write():
        store_peer(office, certificate)
    return certificate


def revoke(office: OfficeDatabase, site_ref: str) -> dict[str, Any]:
    if this_office(office)["kind"] != "district":
        raise SyncRefused("not-centre", "只有区中心可以吊销证书。")
    row = office.db.execute_sql(
        "SELECT site_id, certificate FROM sync_peer WHERE site_id = ? OR code = ? OR name = ?",
        (site_ref, site_ref, site_ref)).fetchone()
    if row is None:
        raise SyncRefused("unknown-peer", f"没有已认证的单位「{site_ref}」。")
    certificate = json.loads(row[1])
    with office.write():
        revoked = revoked_keys(office) | {certificate["body"]["sign_pk"]}
        _set_key(office, "revoked", json.dumps(sorted(revoked)))
        office.db.execute_sql("UPDATE sync_peer SET revoked_at = ? WHERE site_id = ?", (now_iso(), row[0]))
    return certificate["body"]


def trust_bundle(office: OfficeDatabase) -> dict[str, Any]:
    """Centre: the root, every certified office and the revocation list, signed by the root."""
    keys = require_keys(office)
    root = root_certificate(office)
    if root is None:
        raise SyncRefused("not-centre", "只有区中心可以下发信任文件。")
    certificates = [json.loads(row[0]) for row in office.db.execute_sql(
        "SELECT certificate FROM sync_peer WHERE revoked_at IS NULL ORDER BY code")]
    body = {"type": "dongwu-trust", "root": root, "certificates": certificates,
            "revoked": sorted(revoked_keys(office)), "issued_at": now_iso()}
    return {"body": body, "signature": keys.sign(body)}


def install_bundle(office: OfficeDatabase, bundle: dict[str, Any]) -> tuple[dict[str, Any], int]:
    """Office: install the centre's root (first time: trust on first use), the offices and revocations."""
    ensure_keys(office)
    try:
        body, signature = bundle["body"], bundle["signature"]
        root = body["root"]
        root_pk = root["body"]["sign_pk"]
        ok = body.get("type") == "dongwu-trust" and verify(root_pk, body, signature) and verify(
            root_pk, root["body"], root["signature"])
    except (KeyError, TypeError, AttributeError):
        ok = False
    if not ok:
        raise SyncRefused("bad-trust", "信任文件无效（格式不对或签名不符），未安装。")
    current = root_certificate(office)
    if current is not None and current["body"]["sign_pk"] != root_pk:
        raise SyncRefused("foreign-root", "该信任文件来自另一个中心（根证书不同），未安装。")
    installed = 0
    with office.write():
        _set_key(office, "root", json.dumps(root, ensure_ascii=False))
        store_peer(office, root)
        revoked = revoked_keys(office) | set(body.get("revoked", []))
        _set_key(office, "revoked", json.dumps(sorted(revoked)))
        for certificate in body["certificates"]:
            cbody = certificate["body"]
            if cbody["issuer_pk"] == root_pk and verify(root_pk, cbody, certificate["signature"]):
                store_peer(office, certificate)
                installed += 1
        for pk in revoked:
            office.db.execute_sql(
                "UPDATE sync_peer SET revoked_at = coalesce(revoked_at, ?) WHERE json_extract(certificate, "
                "'$.body.sign_pk') = ?", (now_iso(), pk))
    return root["body"], installed


def handle_trust_file(office: OfficeDatabase, document: dict[str, Any]) -> tuple[str, dict[str, Any]]:
    """`sync trust FILE`: an enrolment request (the centre certifies it) or a trust bundle (installed)."""
    kind = (document.get("body") or {}).get("type") if isinstance(document, dict) else None
    if kind == "dongwu-enrol":
        return "certified", certify(office, document)
    if kind == "dongwu-trust":
        root, count = install_bundle(office, document)
        return "installed", {"root": root, "count": count}
    raise SyncRefused("bad-trust", "文件既不是入网申请，也不是中心下发的信任文件。")


def peer_certificate(office: OfficeDatabase, site_ref: str) -> dict[str, Any]:
    row = office.db.execute_sql(
        "SELECT certificate, revoked_at FROM sync_peer WHERE site_id = ? OR code = ? OR name = ?",
        (site_ref, site_ref, site_ref)).fetchone()
    if row is None:
        raise SyncRefused("unknown-peer",
                          f"没有已认证的单位「{site_ref}」：请先从区中心取得信任文件（dongwu sync trust）。")
    if row[1] is not None:
        raise SyncRefused("revoked", f"单位「{site_ref}」的证书已被吊销，不能向其导出。")
    return json.loads(row[0])
