"""`dongwu serve`: the desk in operators' browsers, one desk process per browser tab (textual-serve).

Each tab gets the page, which opens a websocket; the server starts `dongwu --db PATH` for it, exactly as a
terminal opens the desk, so every session lands on the desk's first screen (who is working) and nothing of
the desk is reachable before it. The page and everything it loads come from this host: no web font or
script from anywhere else (an office intranet has no internet, and a third party must not learn who opens
the desk). What the serve mode does not do itself (TLS, who may reach the port) is the reverse proxy's.
"""

from __future__ import annotations

import asyncio
import html
import logging
import os
import secrets
import shlex
import sys
import time
from pathlib import Path
from typing import Any

log = logging.getLogger(__name__)

# Monospace fonts that draw Chinese at exactly two Latin cells, as office PCs have them: Sarasa and Noto
# Sans Mono CJK (Linux, fonts-noto-cjk), NSimSun (新宋体, every Chinese Windows), then anything monospace.
# The terminal in the page (xterm.js) lays out by cell, so the font is only asked to cover the glyphs.
FONT_STACK = ("'Sarasa Mono SC', 'Noto Sans Mono CJK SC', 'WenQuanYi Zen Hei Mono', 'NSimSun', '新宋体', "
              "'Roboto Mono', Consolas, 'DejaVu Sans Mono', monospace")
_SERVED_FONT_STACK = "'Roboto Mono', Monaco, 'Courier New', monospace"  # textual.js as shipped

# Each page load gets one token for its websocket, valid this long and once.
TOKEN_SECONDS = 120

# Websocket close codes the page turns into a Chinese message (see PAGE's script).
CLOSE_BAD_TOKEN, CLOSE_FULL, CLOSE_ORIGIN = 4001, 4003, 4004

# Every response: nothing but this host may be loaded or contacted, and the page is not framed elsewhere.
SECURITY_HEADERS = {
    "Content-Security-Policy": ("default-src 'self'; script-src 'self' 'unsafe-inline'; style-src 'self' "
                                "'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; "
                                "frame-ancestors 'none'; base-uri 'none'; form-action 'none'"),
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}

FULL_PAGE = """<!DOCTYPE html>
<html lang="zh-CN"><head><meta charset="utf-8"><title>东吴人才服务台</title>
<style>body{{background:#0c181f;color:#eee;font-family:{font};display:flex;height:100vh;margin:0;
align-items:center;justify-content:center}}div{{max-width:40em;line-height:1.8;font-size:18px}}</style></head>
<body><div><h1>东吴人才服务台</h1><p id="message">{message}</p></div></body></html>
"""

PAGE = """<!DOCTYPE html>
<html lang="zh-CN">
<head>
<meta charset="utf-8">
<title>东吴人才服务台</title>
<link rel="stylesheet" href="/static/css/xterm.css">
<style>
@font-face {{ font-family: 'Roboto Mono'; src: url('/static/fonts/RobotoMono-VariableFont_wght.ttf'); }}
body {{ background: #0c181f; margin: 0; font-family: {font}; }}
#terminal {{ position: absolute; inset: 0; }}
.dialog {{ position: absolute; inset: 0; display: none; align-items: center; justify-content: center;
  z-index: 10; background: #0c181f; color: rgba(255,255,255,.95); font-size: 18px; }}
.dialog .box {{ background: #12232d; padding: 32px 48px; text-align: center; line-height: 1.8; }}
.dialog button {{ margin-top: 16px; padding: 12px 32px; background: #5e0ba7; color: #fff; border: none;
  font: inherit; cursor: pointer; }}
body:not(.-first-byte):not(.-closed) .intro {{ display: flex; }}
body.-closed .closed {{ display: flex; }}
</style>
<script>
// The page's one websocket (opened by textual.js): how it closed decides what the operator is told.
const CLOSE_MESSAGES = {{
  {bad_token}: "会话无效或已过期。请刷新页面重新开始。",
  {full}: "当前在线会话已满，请稍后刷新页面再试，或联系管理员。",
  {origin}: "请求来源不符，已拒绝。请直接打开服务台的地址。",
}};
const NativeWebSocket = window.WebSocket;
window.WebSocket = function (url, protocols) {{
  const socket = protocols === undefined ? new NativeWebSocket(url) : new NativeWebSocket(url, protocols);
  window.deskSocket = socket;
  socket.addEventListener("close", (event) => {{
    const text = CLOSE_MESSAGES[event.code] ||
      "服务台会话已结束（已退出、长时间未操作，或与服务器的连接中断）。已保存的内容不会丢失；刷新页面后重新登录，可在工单列表中查看最后一次保存是否成功。";
    document.getElementById("closed-message").textContent = text;
  }});
  return socket;
}};
Object.assign(window.WebSocket, NativeWebSocket);
window.WebSocket.prototype = NativeWebSocket.prototype;
</script>
<script src="/static/js/textual.js"></script>
</head>
<body>
<div class="dialog intro"><div class="box">东吴人才服务台 · 正在连接…</div></div>
<div class="dialog closed"><div class="box"><div id="closed-message">服务台会话已结束。</div>
<button type="button" onclick="window.location.reload()">重新开始</button></div></div>
<div id="terminal" class="textual-terminal" data-session-websocket-url="{websocket_url}"
  data-font-size="{font_size}"></div>
</body>
</html>
"""


def session_command(db: Path) -> str:
    """What each browser session runs: the desk as a terminal opens it, on this database, nobody signed in."""
    return shlex.join([sys.executable, "-m", "dongwu_tui.cli.main", "--db", str(db)])


def make_server(db: Path, *, host: str = "127.0.0.1", port: int = 8000, max_sessions: int = 20,
                idle_minutes: float = 30.0) -> Any:
    """The aiohttp server that serves the desk (textual-serve's Server with this host's page)."""
    from aiohttp import WSMsgType, web
    from textual_serve.app_service import AppService
    from textual_serve.server import Server

    class DeskAppService(AppService):
        """One desk process: told it runs in a browser (the keys browsers keep, the idle limit, the change
        signal; ui/app.py)."""

        def _build_environment(self, width: int = 80, height: int = 24) -> dict[str, str]:
            environment = super()._build_environment(width, height)
            environment["DONGWU_SERVE"] = "1"
            environment["DONGWU_IDLE_MINUTES"] = str(idle_minutes)
            environment.pop("TEXTUAL", None)
            return environment

    class DeskServer(Server):
        def __init__(self) -> None:
            super().__init__(session_command(db), host=host, port=port, title="东吴人才服务台")
            self.max_sessions = max_sessions
            self.sessions: set[web.WebSocketResponse] = set()
            self.tokens: dict[str, float] = {}
            textual_js = (self.statics_path / "js" / "textual.js").read_text(encoding="utf-8")
            if _SERVED_FONT_STACK not in textual_js:
                log.warning("textual.js has no font stack to replace; Chinese may be drawn in a fallback font")
            self.textual_js = textual_js.replace(_SERVED_FONT_STACK, FONT_STACK)

        def initialize_logging(self) -> None:
            logging.basicConfig(level="INFO", format="%(asctime)s %(message)s")

        async def on_startup(self, app: web.Application) -> None:
            sys.stdout.write(f"东吴人才服务台：http://{self.host}:{self.port}/ （数据库 {db}；Ctrl+C 停止）\n")
            sys.stdout.flush()

        async def on_shutdown(self, app: web.Application) -> None:
            for socket in list(self.sessions):
                await socket.close()

        async def _make_app(self) -> web.Application:
            @web.middleware
            async def headers(request: web.Request, handler: Any) -> web.StreamResponse:
                response = await handler(request)
                response.headers.update(SECURITY_HEADERS)
                return response

            app = web.Application(middlewares=[headers])
            app.add_routes([
                web.get("/", self.handle_index, name="index"),
                web.get("/ws", self.handle_websocket, name="websocket"),
                web.get("/ws/{token}", self.handle_websocket),
                web.get("/download/{key}", self.handle_download, name="download"),
                web.get("/static/js/textual.js", self.handle_textual_js),
                web.static("/static", self.statics_path, show_index=False, name="static"),
            ])
            app.on_startup.append(self.on_startup)
            app.on_shutdown.append(self.on_shutdown)
            return app

        async def handle_textual_js(self, request: web.Request) -> web.Response:
            return web.Response(text=self.textual_js, content_type="application/javascript")

        def _full(self) -> bool:
            return len(self.sessions) >= self.max_sessions

        async def handle_index(self, request: web.Request) -> web.Response:  # type: ignore[override]
            if self._full():
                message = (f"当前在线会话已满（最多 {self.max_sessions} 个）。请稍后刷新页面再试，"
                           "或请其他同事关闭不用的服务台页面。")
                return web.Response(status=503, content_type="text/html", charset="utf-8",
                                    text=FULL_PAGE.format(font=FONT_STACK, message=html.escape(message)))
            now = time.monotonic()
            self.tokens = {t: at for t, at in self.tokens.items() if now - at < TOKEN_SECONDS}
            token = secrets.token_urlsafe(24)
            self.tokens[token] = now
            scheme = "wss" if request.headers.get("X-Forwarded-Proto", request.scheme) == "https" else "ws"
            font_size = request.query.get("fontsize", "16")
            page = PAGE.format(font=FONT_STACK, bad_token=CLOSE_BAD_TOKEN, full=CLOSE_FULL, origin=CLOSE_ORIGIN,
                               websocket_url=html.escape(f"{scheme}://{request.host}/ws/{token}"),
                               font_size=int(font_size) if font_size.isdigit() else 16)
            return web.Response(text=page, content_type="text/html", charset="utf-8")

        def _refusal(self, request: web.Request) -> int | None:
            origin = request.headers.get("Origin")
            if origin is not None and origin.split("://", 1)[-1] != request.host:
                return CLOSE_ORIGIN
            token = request.match_info.get("token", "")  # textual.js adds ?width=…&height=… to the URL
            issued = self.tokens.pop(token, None)
            if issued is None or time.monotonic() - issued >= TOKEN_SECONDS:
                return CLOSE_BAD_TOKEN
            if self._full():
                return CLOSE_FULL
            return None

        async def handle_websocket(self, request: web.Request) -> web.WebSocketResponse:
            websocket = web.WebSocketResponse(heartbeat=15)
            await websocket.prepare(request)
            refusal = self._refusal(request)
            if refusal is not None:
                await websocket.close(code=refusal)
                return websocket
            width = _int(request.query.get("width", "80"), 80)
            height = _int(request.query.get("height", "24"), 24)
            self.sessions.add(websocket)
            service: AppService | None = None
            try:
                service = DeskAppService(self.command, write_bytes=websocket.send_bytes,
                                         write_str=websocket.send_str, close=websocket.close,
                                         download_manager=self.download_manager, debug=False)
                await service.start(width, height)
                await self._process_messages(websocket, service)
            except asyncio.CancelledError:
                await websocket.close()
            except Exception as error:  # noqa: BLE001 - one session's failure does not stop the others
                log.exception(error)
            finally:
                self.sessions.discard(websocket)
                if service is not None:
                    await _end(service)
            return websocket

        async def _process_messages(self, websocket: web.WebSocketResponse, service: Any) -> None:
            async for message in websocket:
                if message.type != WSMsgType.TEXT:
                    continue
                try:
                    envelope = message.json()
                    kind, data = envelope[0], (envelope[1] if len(envelope) > 1 else None)
                except (ValueError, TypeError, IndexError, KeyError):
                    continue
                if kind == "stdin" and isinstance(data, str):
                    await service.send_bytes(data.encode("utf-8"))
                elif kind == "resize" and isinstance(data, dict):
                    await service.set_terminal_size(_int(str(data.get("width")), 80),
                                                    _int(str(data.get("height")), 24))
                elif kind == "ping":
                    await websocket.send_json(["pong", data])
                elif kind == "blur":
                    await service.blur()
                elif kind == "focus":
                    await service.focus()

    return DeskServer()


async def _end(service: Any, grace: float = 5.0) -> None:
    """A closed tab ends its desk: asked to quit, then ended if it has not within the grace period."""
    process = service._process
    try:
        await asyncio.wait_for(service.stop(), grace)
    except (asyncio.TimeoutError, Exception):  # noqa: BLE001 - the process is ended below either way
        pass
    if process is not None and process.returncode is None:
        process.kill()
        await process.wait()


def _int(text: str, default: int) -> int:
    try:
        return max(1, min(int(text), 1000))
    except ValueError:
        return default


def add_parser(command: Any) -> None:
    p = command("serve", "在浏览器中提供服务台（每个浏览器标签页一个独立会话）")
    p.add_argument("--host", default="127.0.0.1", help="监听地址（默认 127.0.0.1，仅本机；局域网请经反向代理）")
    p.add_argument("--port", type=int, default=8000, help="端口（默认 8000）")
    p.add_argument("--max-sessions", type=int, default=20, help="最多同时在线的会话数（默认 20）")
    p.add_argument("--idle-minutes", type=float, default=30.0, help="会话空闲多少分钟后结束（默认 30）")


def run_serve(args: Any) -> int:
    from dongwu_tui.cli.commands import _db_path
    from dongwu_tui.domain.errors import ValidationFailed
    from dongwu_tui.services.setup import open_desk

    if not 1 <= args.port <= 65535:
        raise ValidationFailed(f"端口 {args.port} 不可用：应为 1–65535。")
    if args.max_sessions < 1:
        raise ValidationFailed("--max-sessions 至少为 1。")
    if args.idle_minutes <= 0:
        raise ValidationFailed("--idle-minutes 应大于 0。")
    db = _db_path(args).resolve()
    if not db.exists():
        raise ValidationFailed(f"数据库 {db} 不存在：请先用 dongwu init 创建。")
    open_desk(db, None).office.close()  # an unusable database is refused here, before anyone opens a tab
    server = make_server(db, host=args.host, port=args.port, max_sessions=args.max_sessions,
                         idle_minutes=args.idle_minutes)
    os.environ.pop("DONGWU_SERVE", None)
    server.serve()
    return 0
