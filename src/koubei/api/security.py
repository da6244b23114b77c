"""The app's protective layers, as small ASGI middlewares, and the session secret.

- `AccessLog`: method, path, status and milliseconds per request (no query strings, no headers);
- `SecurityHeaders`: CSP without inline script, no framing, no MIME sniffing, no referrer leaks;
- `BodySizeLimit`: a body larger than `max_body_bytes` gets 413 (by its Content-Length before anything is read,
  and by counting when it is streamed without one);
- `RateLimit`: a token bucket per API key (per dashboard session's key, else per client address), `rate` requests
  a minute, 429 with Retry-After when empty; /health and /static are not counted;
- `session_secret`: KOUBEI_SECRET_KEY, else a secret generated once and kept in KOUBEI_HOME/secret_key (0600).

Written by hand because each is a few lines on plain ASGI and the libraries that do them (slowapi, secure) bring
their own storage and configuration for what is here one dictionary.
"""

from __future__ import annotations

import hashlib
import logging
import math
import os
import secrets
import threading
import time
from collections.abc import Awaitable, Callable, MutableMapping
from pathlib import Path
from typing import Any

from starlette.exceptions import HTTPException as StarletteHTTPException

from koubei.api.errors import problem_response
from koubei.config import Settings

access_log = logging.getLogger("koubei.api.access")
Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

CONTENT_SECURITY_POLICY = (
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; font-src 'self'; "
    "connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'"
)
SECURITY_HEADERS = [
    (b"content-security-policy", CONTENT_SECURITY_POLICY.encode()),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cross-origin-opener-policy", b"same-origin"),
]
UNCOUNTED_PREFIXES = ("/health", "/static/")


class SecurityHeaders:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def send_with_headers(message: Message) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(name, value) for name, value in SECURITY_HEADERS if name not in present]
                message["headers"] = [*message.get("headers", []), *extra]
            await send(message)

        await self.app(scope, receive, send_with_headers)


class AccessLog:
    """One line per request: method, path (no query string: a search can quote personal data), status, time."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        status = 500

        async def noting_send(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, noting_send)
        finally:
            access_log.info(
                "%s %s %d %.1f ms",
                scope["method"],
                scope["path"],
                status,
                (time.perf_counter() - started) * 1000,
            )


class _TooLarge(StarletteHTTPException):
    """Raised from `receive` while a streamed body passes the limit: an HTTPException, so FastAPI's body parsing
    lets it through and the app's handler answers it as a 413 problem."""

    def __init__(self, max_bytes: int) -> None:
        super().__init__(413, f"the request body is larger than {max_bytes} bytes (KOUBEI_MAX_BODY_BYTES)")


class BodySizeLimit:
    def __init__(self, app: ASGIApp, max_bytes: int) -> None:
        self.app = app
        self.max_bytes = max_bytes

    def _refusal(self) -> Any:
        return problem_response(413, detail=_TooLarge(self.max_bytes).detail)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        for name, value in scope.get("headers", []):
            if name == b"content-length":
                try:
                    declared = int(value)
                except ValueError:
                    await problem_response(400, detail="Content-Length is not a number")(scope, receive, send)
                    return
                if declared > self.max_bytes:
                    await self._refusal()(scope, receive, send)
                    return
        received = 0
        started = False

        async def counting_receive() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > self.max_bytes:
                    raise _TooLarge(self.max_bytes)
            return message

        async def watching_send(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
            await send(message)

        try:
            await self.app(scope, counting_receive, watching_send)
        except _TooLarge:
            if not started:
                await self._refusal()(scope, receive, send)


class TokenBuckets:
    """`rate` requests a minute per identity, with bursts up to `rate`; thread-safe, idle buckets dropped."""

    def __init__(self, rate: int, clock: Callable[[], float] = time.monotonic) -> None:
        self.rate = rate
        self.per_second = rate / 60.0
        self.clock = clock
        self._buckets: dict[str, tuple[float, float]] = {}  # identity -> (tokens, last refill time)
        self._lock = threading.Lock()
        self._last_sweep = clock()

    def take(self, identity: str) -> float:
        """0.0 when the request may go ahead, else the seconds until the next one may."""
        now = self.clock()
        with self._lock:
            tokens, last = self._buckets.get(identity, (float(self.rate), now))
            tokens = min(float(self.rate), tokens + (now - last) * self.per_second)
            if tokens >= 1.0:
                self._buckets[identity] = (tokens - 1.0, now)
                wait = 0.0
            else:
                self._buckets[identity] = (tokens, now)
                wait = (1.0 - tokens) / self.per_second
            if now - self._last_sweep > 60.0:  # a full bucket carries no state worth keeping
                self._buckets = {k: v for k, v in self._buckets.items() if now - v[1] < 60.0}
                self._last_sweep = now
        return wait


def client_identity(scope: Scope) -> str:
    """Whose bucket a request draws from: its key (hashed: keys are never kept in clear, even in memory maps),
    else its dashboard session's key id, else its client address."""
    for name, value in scope.get("headers", []):
        if name == b"authorization":
            return "key:" + hashlib.sha256(value).hexdigest()[:32]
    session = scope.get("session")
    if isinstance(session, dict) and isinstance(session.get("key_id"), int):
        return f"session:{session['key_id']}"
    client = scope.get("client")
    return f"addr:{client[0] if client else 'unknown'}"


class RateLimit:
    def __init__(self, app: ASGIApp, rate: int) -> None:
        self.app = app
        self.buckets = TokenBuckets(rate) if rate > 0 else None

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if self.buckets is None or scope["type"] != "http" or scope["path"].startswith(UNCOUNTED_PREFIXES):
            await self.app(scope, receive, send)
            return
        wait = self.buckets.take(client_identity(scope))
        if wait > 0:
            retry = max(1, math.ceil(wait))
            response = problem_response(
                429,
                detail=f"more than {self.buckets.rate} requests a minute with this key (KOUBEI_RATE_LIMIT); "
                f"retry in {retry} s",
                headers={"Retry-After": str(retry)},
            )
            await response(scope, receive, send)
            return
        await self.app(scope, receive, send)


def session_secret(settings: Settings) -> str:
    """KOUBEI_SECRET_KEY, else the secret kept in KOUBEI_HOME/secret_key, created (0600) on first use."""
    if settings.secret_key:
        return settings.secret_key
    path = Path(settings.home) / "secret_key"
    try:
        return _read_secret(path)
    except FileNotFoundError:
        pass
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        # O_EXCL: two servers starting at once cannot both write one; the loser reads the winner's.
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        return _read_secret(path)
    with os.fdopen(fd, "w", encoding="ascii") as handle:
        handle.write(secrets.token_urlsafe(48))
        handle.flush()
        os.fsync(handle.fileno())
    return _read_secret(path)


def _read_secret(path: Path) -> str:
    for _ in range(50):  # a secret another process is writing this instant (O_EXCL created it empty)
        value = path.read_text(encoding="ascii").strip()
        if value:
            return value
        time.sleep(0.01)
    raise OSError(
        f"{path} is empty; delete it (a new secret is made on the next start) or set KOUBEI_SECRET_KEY"
    )
