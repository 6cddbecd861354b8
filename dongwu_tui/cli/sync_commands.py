"""`dongwu sync ...`: keys, trust, export, import, status, conflicts, resolve (the twin of the sync screen),
and roles (who may exchange sync files here)."""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from dongwu_tui.domain.chinatime import china_iso, china_text
from dongwu_tui.domain.errors import ValidationFailed

EXIT_OK, EXIT_REFUSED = 0, 2


def add_sync_parser(command: Callable[..., argparse.ArgumentParser]) -> None:
    """Register `dongwu sync` with main.py's `command(name, help, parent)` helper."""
    from dongwu_tui.cli.chinese_argparse import ChineseArgumentParser

    sync = command("sync", "与其他单位交换同步文件").add_subparsers(
        dest="action", metavar="操作", required=True, parser_class=ChineseArgumentParser)
    p = command("keys", "创建/显示本单位的同步密钥，并生成入网申请文件", sync)
    p.add_argument("-o", "--out", type=Path, default=Path("."), help="入网申请文件存放的文件夹（默认当前文件夹）")
    p.add_argument("--json", action="store_true")
    p = command("trust", "区中心：认证单位、吊销、下发信任文件；单位：安装中心下发的信任文件", sync)
    p.add_argument("file", nargs="?", type=Path, help="入网申请文件或信任文件")
    p.add_argument("--revoke", metavar="OFFICE", help="区中心：吊销该单位的证书")
    p.add_argument("--bundle", action="store_true", help="区中心：只重新生成信任文件")
    p.add_argument("-o", "--out", type=Path, help="信任文件存放的文件夹（默认与申请文件同一文件夹）")
    p = command("export", "导出给某单位的同步文件（默认增量）", sync)
    p.add_argument("--to", required=True, metavar="OFFICE", help="收件单位（代码、名称或编号）")
    p.add_argument("-o", "--out", type=Path, required=True, help="存放文件的文件夹")
    p.add_argument("--full", action="store_true", help="完整导出（不只是对方尚未确认的部分）")
    p.add_argument("--json", action="store_true")
    p = command("import", "导入同步文件", sync)
    p.add_argument("files", nargs="+", type=Path, help="要导入的同步文件")
    p.add_argument("--accept-future", action="store_true", help="核实后导入时间在未来的暂存文件")
    p.add_argument("--preview", action="store_true", help="只检查并显示文件内容，不导入")
    p.add_argument("--json", action="store_true")
    p = command("status", "各单位的同步状态", sync)
    p.add_argument("--json", action="store_true")
    p = command("conflicts", "未处理的冲突", sync)
    p.add_argument("--table", help="只看某类记录（talent、service_request…）")
    p.add_argument("--json", action="store_true")
    p = command("resolve", "处理冲突：选定字段的取值", sync)
    p.add_argument("ref", help="冲突编号，或记录（编号、工单号）以处理其全部冲突")
    p.add_argument("--take", help="mine（本单位的版本）、theirs（其他单位的版本）或版本序号 1、2…")
    p.add_argument("--value", help="直接给出新值")
    p.add_argument("--json", action="store_true")
    p = command("roles", "可导出/导入同步文件、处理冲突的角色（系统管理员始终可以）", sync)
    p.add_argument("--set", metavar="ROLES",
                   help="管理员：新的角色，逗号分隔，如 supervisor,specialist 或 督办负责人、人才工作专员")
    p.add_argument("--reason", help="修改原因（与 --set 一同给出）")
    p.add_argument("--json", action="store_true")


def _print_json(data: Any) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2, default=str))


def run_sync(args: argparse.Namespace) -> int:
    from dongwu_tui.cli.commands import _db_path
    from dongwu_tui.cli.sessions import signed_in_desk

    desk = signed_in_desk(_db_path(args), args.actor)
    try:
        sync = desk.sync  # each operation checks the acting role (services/sync.py)
        handler = {"keys": _keys, "trust": _trust, "export": _export, "import": _import, "status": _status,
                   "conflicts": _conflicts, "resolve": _resolve, "roles": _roles}[args.action]
        if args.action in _USE_KEYS:
            _ask_password(desk)
        return handler(sync, desk, args)
    finally:
        desk.office.close()


_USE_KEYS = ("keys", "trust", "export", "import")


def _ask_password(desk: Any) -> None:
    """On a plain office whose sync keys are sealed by its exchange key, the acting person's own password
    opens them: DONGWU_PASSWORD, or asked here on a terminal (storage/sealing.py)."""
    import getpass

    from dongwu_tui.storage import keyring, sealing

    if (desk.office.key is not None or desk.actor is None or keyring.supplied_password() is not None
            or not sys.stdin.isatty() or not sealing.key_exists(sealing.of(desk.office))):
        return
    try:
        keyring.supply_password(getpass.getpass(f"请输入{desk.actor.name}的密码（用于本单位的同步密钥）："))
    except EOFError:
        return  # no password typed: the keys are refused in one line


def _role_names(roles: Any) -> str:
    return "、".join(f"{role.label}（{role.value}）" for role in roles)


def _roles(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    if args.set is None:
        if args.reason is not None:
            raise ValidationFailed("--reason 须与 --set 一同给出。")
        roles = sync.roles()
    else:
        roles = sync.set_roles(args.set, reason=args.reason or "")
    if args.json:
        _print_json({"roles": [role.value for role in roles]})
        return EXIT_OK
    done = "已设置" if args.set is not None else "本单位"
    print(f"{done}可导出/导入同步文件、处理冲突的角色：{_role_names(roles)}")
    if args.set is not None:
        print("新获权限的人员在下次提供本人密码时（登录、修改密码、导出或导入）领取同步密钥，若当时无人持有，"
              "待系统管理员或其他有权限的人员导出或导入一次后即可使用；失去权限的人员的密钥已删除。", file=sys.stderr)
    return EXIT_OK


def _keys(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    info = sync.keys()
    request = sync.enrolment()
    args.out.mkdir(parents=True, exist_ok=True)
    path = args.out / f"{info['code']}-enrol.json"
    path.write_text(json.dumps(request, ensure_ascii=False, indent=2), encoding="utf-8")
    if args.json:
        _print_json({**info, "enrolment": str(path)})
        return EXIT_OK
    print(f"本单位：{info['name']}（代码 {info['code']}）")
    print(f"签名公钥指纹：{info['fingerprint']}；副本：{info['replica']}")
    if info["is_root"]:
        print("本单位是区中心（根证书）。认证其他单位：dongwu sync trust 申请文件 -o 文件夹")
    elif info["root_fingerprint"]:
        print(f"已安装区中心证书，指纹 {info['root_fingerprint']}")
    print(f"入网申请文件：{path}")
    return EXIT_OK


def _write_bundle(sync: Any, folder: Path) -> Path:
    bundle = sync.trust_bundle()  # refused before anything is made for a role that may not
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / "trust-bundle.json"
    path.write_text(json.dumps(bundle, ensure_ascii=False, indent=2), encoding="utf-8")
    return path


def _trust(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    from dongwu_tui.sync.errors import SyncRefused

    if args.revoke:
        body = sync.revoke(args.revoke)
        print(f"已吊销：{body['name']}（{body['code']}）")
        print(f"信任文件：{_write_bundle(sync, args.out or Path('.'))}（请分发给各单位）")
        return EXIT_OK
    if args.bundle:
        print(f"信任文件：{_write_bundle(sync, args.out or Path('.'))}")
        return EXIT_OK
    if args.file is None:
        raise ValidationFailed("请给出入网申请文件或信任文件。")
    try:
        document = json.loads(args.file.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        raise SyncRefused("bad-trust", f"无法读取文件 {args.file}，或它不是入网申请/信任文件。") from None
    outcome, detail = sync.trust(document)
    if outcome == "certified":
        body = detail["body"]
        print(f"已认证：{body['name']}（{body['code']}），公钥指纹 {body['sign_pk'] and _fp(body['sign_pk'])}")
        print(f"信任文件：{_write_bundle(sync, args.out or args.file.parent)}（交给各单位用 dongwu sync trust 安装）")
    else:
        print(f"已安装区中心「{detail['root']['name']}」的证书（指纹 {_fp(detail['root']['sign_pk'])}）"
              f"和 {detail['count']} 个单位的证书。")
    return EXIT_OK


def _fp(key: str) -> str:
    from dongwu_tui.sync.trust import fingerprint

    return fingerprint(key)


def _export(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    from dongwu_tui.cli.progress import progress_bar

    with progress_bar({"export": "导出记录"}) as shown:
        result = sync.export(args.to, args.out, full=args.full, progress=shown)
    if args.json:
        _print_json({"path": str(result.path), "peer": result.peer, "kind": result.kind, "records": result.records,
                     "counts": result.counts, "size": result.size})
        return EXIT_OK
    print(result.path)
    kind = "完整" if result.kind == "full" else "增量"
    print(f"{kind}导出给 {result.peer}：{result.records} 条记录，{result.size} 字节", file=sys.stderr)
    return EXIT_OK


def _import(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    from dongwu_tui.cli.progress import progress_bar
    from dongwu_tui.sync.errors import SyncRefused

    refused = 0
    report = []
    for path in args.files:
        try:
            if args.preview:
                p = sync.preview(path)
                m = p.manifest
                entry = {"file": str(path), "sender": p.sender["name"], "created_at": china_iso(m["created_at"]),
                         "kind": m["kind"], "records": m["records"], "counts": m["counts"],
                         "already_imported": p.already_imported}
                report.append(entry)
                if not args.json:
                    dup = "（已导入过）" if p.already_imported else ""
                    print(f"{path}: 来自 {entry['sender']}，{china_text(m['created_at'])}，{entry['records']} 条记录{dup}")
                continue
            with progress_bar({"import": f"导入 {path.name}"}) as shown:
                result = sync.import_file(path, accept_future=args.accept_future, progress=shown)
        except SyncRefused as refusal:
            refused += 1
            report.append({"file": str(path), "refused": refusal.kind, "reason": refusal.message})
            sys.stderr.write(f"错误：{path.name}：{refusal.message}\n")
            continue
        entry = {"file": str(path), "sender": result.sender, "kind": result.kind, "records": result.records,
                 "applied": result.applied, "skipped": result.skipped, "conflicts": result.conflicts,
                 "dropped": result.dropped, "already_imported": result.already_imported, "gaps": len(result.gaps)}
        report.append(entry)
        if not args.json:
            if result.already_imported:
                print(f"{path}: 已导入过，跳过（{result.records} 条记录）")
            else:
                moved = f"，已迁往其他板块而移出本单位 {result.dropped} 条" if result.dropped else ""
                print(f"{path}: 来自 {result.sender}，应用 {result.applied} 条，已有而跳过 {result.skipped} 条，"
                      f"新冲突 {result.conflicts} 个{moved}")
    if args.json:
        _print_json(report)
    return EXIT_REFUSED if refused else EXIT_OK


def _status(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    peers = sync.status()
    count = sync.conflict_count()
    if args.json:
        _print_json({"conflicts": count, "peers": [p.as_dict() for p in peers]})
        return EXIT_OK
    print(f"未处理冲突：{count}")
    for p in peers:
        flag = "（已吊销）" if p.revoked else ""
        print(f"{p.code} {p.name}{flag}：收到 {china_text(p.last_in_at) or '—'} {p.last_in_file or ''}；"
              f"发出 {china_text(p.last_out_at) or '—'} {p.last_out_file or ''}；"
              f"对方确认到 {china_text(p.acknowledged) or '—'}；待发 {p.pending} 条")
    return EXIT_OK


def _conflicts(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    items = sync.conflicts(args.table)
    if args.json:
        _print_json([c.as_dict() for c in items])
        return EXIT_OK
    kinds = {"edit": "同一字段两边都改了", "delete": "一边修改、一边删除", "fork": "工单被两边同时流转（分叉）",
             "duplicate": "同一人才在两个单位重复登记（待合并）"}
    if not items:
        print("没有未处理的冲突。")
    for c in items:
        print(f"[{c.id}] {c.record} · {c.field_label} · {kinds[c.kind]}")
        for i, v in enumerate(c.versions, 1):
            mine = "（本单位）" if v.mine else ""
            print(f"    {i}. {v.value!r}  —— {v.office}{mine} {v.person} {china_text(v.at)}")
    return EXIT_OK


def _resolve(sync: Any, desk: Any, args: argparse.Namespace) -> int:
    if args.take is None and args.value is None:
        raise ValidationFailed("请用 --take mine|theirs|序号 或 --value 新值 选定取值。")
    done = sync.resolve(args.ref, take=args.take, value=args.value)
    if args.json:
        _print_json([c.as_dict() for c in done])
    else:
        for c in done:
            print(f"已处理冲突 {c.id}：{c.record} · {c.field_label}")
    return EXIT_OK
