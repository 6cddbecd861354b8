"""Every kind of bad file is refused with a plain Chinese reason, and the database stays exactly as it was."""

from __future__ import annotations

import json
import time
import zlib
from datetime import UTC, datetime, timedelta

import pytest
from nacl.public import SealedBox
from nacl.secret import SecretBox

from dongwu_tui.services.setup import initialise
from dongwu_tui.sync import apply, engine, fileformat, trust
from dongwu_tui.sync.errors import HeldForReview, SyncRefused

from .offices import dump, make_offices
from .test_sync_basics import add_talent


@pytest.fixture
def world(tmp_path):
    offices = make_offices(tmp_path, ["mudu", "xukou"])
    add_talent(offices["wz"], "t1")
    good = engine.export_file(offices["wz"], "mudu", tmp_path / "out").path
    yield offices, good, tmp_path
    for office in offices.values():
        office.close()


def refused(office, path, kind, words):
    before = dump(office)
    with pytest.raises(SyncRefused) as caught:
        engine.import_file(office, path)
    assert caught.value.kind == kind, caught.value.message
    assert words in caught.value.message and "未导入" in caught.value.message
    assert dump(office) == before
    return caught.value


def write(tmp_path, name, data):
    path = tmp_path / name
    path.write_bytes(data)
    return path


def reseal(office, data, change):
    """What a carrier holding the recipient's public key could do: decrypt (here with the real key), change,
    re-encrypt."""
    header, ciphertext = fileformat.read_header(data)
    keys = trust.load_keys(office)
    payload_key = SealedBox(keys.box).decrypt(trust.unb64(header["recipients"][0]["wrapped"]))
    plaintext = change(SecretBox(payload_key).decrypt(ciphertext))
    new = bytes(SecretBox(payload_key).encrypt(plaintext))
    header["length"] = len(new)
    return fileformat.MAGIC + json.dumps(header).encode() + b"\n" + new


def test_damaged(world):
    offices, good, tmp = world
    data = bytearray(good.read_bytes())
    data[-100] ^= 0xFF
    refused(offices["mudu"], write(tmp, "damaged.dwsync", bytes(data)), "damaged", "损坏")


def test_truncated(world):
    offices, good, tmp = world
    data = good.read_bytes()
    refused(offices["mudu"], write(tmp, "cut.dwsync", data[: len(data) // 2]), "truncated", "截断")


def test_tampered_chunk(world):
    offices, good, tmp = world

    def change(plaintext):
        head, _, rest = plaintext.partition(b"\n")
        envelope_text, _, chunks = rest.partition(b"\n")
        text = zlib.decompress(chunks).replace("张伟".encode(), "李四".encode())
        return head + b"\n" + envelope_text + b"\n" + zlib.compress(text)

    data = reseal(offices["mudu"], good.read_bytes(), change)
    refused(offices["mudu"], write(tmp, "tampered.dwsync", data), "tampered", "篡改")


def test_tampered_manifest(world):
    offices, good, tmp = world
    data = reseal(offices["mudu"], good.read_bytes(), lambda p: p.replace(b'"kind":"delta"', b'"kind":"full"'))
    refused(offices["mudu"], write(tmp, "tampered2.dwsync", data), "tampered", "签名")


def test_foreign_file(world):
    offices, _, tmp = world
    refused(offices["mudu"], write(tmp, "notes.txt", "会议纪要".encode() * 50), "foreign",
            "不是东吴人才服务台的同步文件")


def test_file_from_another_district(world):
    offices, _, tmp = world
    other = initialise(tmp / "other.db", "外区人才中心", "district").office
    trust.ensure_keys(other)
    mudu_cert = trust.peer_certificate(offices["mudu"], "mudu")
    with other.write():
        trust.store_peer(other, mudu_cert)
    add_talent(other, "x1")
    path = engine.export_file(other, "mudu", tmp / "foreign").path
    refused(offices["mudu"], path, "unknown-sender", "不是本区中心签发的")
    other.close()


def test_too_new(world):
    offices, good, tmp = world
    data = good.read_bytes().replace(b'{"format":1,', b'{"format":9,', 1)
    refused(offices["mudu"], write(tmp, "new.dwsync", data), "too-new", "升级")


def test_not_addressed(world):
    offices, good, _ = world
    refused(offices["xukou"], good, "not-addressed", "不是发给本单位的")


def test_revoked_sender(world):
    offices, _, tmp = world
    add_talent(offices["xukou"], "x1", "mudu")
    path = engine.export_file(offices["xukou"], "mudu", tmp / "out").path
    trust.revoke(offices["wz"], "xukou")
    trust.install_bundle(offices["mudu"], trust.trust_bundle(offices["wz"]))
    refused(offices["mudu"], path, "revoked", "吊销")


def test_future_stamped_file_is_held(world):
    offices, _, tmp = world
    future = datetime.now(UTC) + timedelta(days=400)
    path = engine.export_file(offices["wz"], "mudu", tmp / "future", now=future).path
    before = dump(offices["mudu"])
    with pytest.raises(HeldForReview) as caught:
        engine.import_file(offices["mudu"], path)
    assert "待审核" in caught.value.message and dump(offices["mudu"]) == before
    assert (tmp / "mudu.db.held" / path.name).exists()
    result = engine.import_file(offices["mudu"], path, accept_future=True)
    assert result.applied > 0


def test_crash_in_the_middle_leaves_database_unchanged(world, monkeypatch):
    offices, good, _ = world
    mudu = offices["mudu"]
    before = dump(mudu)
    real = apply._apply_table
    calls = []

    def crashing(office, table, *args):
        calls.append(table)
        real(office, table, *args)
        if len(calls) == 3:
            raise RuntimeError("power cut")

    monkeypatch.setattr(apply, "_apply_table", crashing)
    with pytest.raises(RuntimeError):
        engine.import_file(mudu, good)
    assert dump(mudu) == before
    monkeypatch.setattr(apply, "_apply_table", real)
    assert engine.import_file(mudu, good).applied > 0
    assert mudu.db.execute_sql("SELECT capture FROM sync_state").fetchone()[0] == 1


def test_refusals_are_logged_beside_the_database(world):
    offices, good, tmp = world
    with pytest.raises(SyncRefused):
        engine.import_file(offices["xukou"], good)
    log = (tmp / "xukou.db.sync.log").read_text(encoding="utf-8")
    assert "not-addressed" in log
    assert time.time() > 0
