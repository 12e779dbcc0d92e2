"""A real HTTP endpoint of an external system, for the webhook connector's contract tests.

It listens on 127.0.0.1 (a free port) in a thread, refuses requests whose Standard Webhooks
signature does not verify (401), and hands each operation to a `SimulatedSystem` with the
`webhook-id` as idempotency key, so a redelivered id is applied once and answered with the stored
reply. The system's errors become 503 (unavailable) or their status (rejected, 422 by default).
"""

from __future__ import annotations

import json
import threading
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType

from shipshape.adapters.systems.signing import SignatureError, verify
from shipshape.services.ports.connectors import ConnectorRejected, ConnectorUnavailable
from shipshape.sim.systems.system import SimulatedSystem


def _utc_now() -> datetime:
    return datetime.now(UTC)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    block_on_close = False

    def handle_error(self, request: object, client_address: object) -> None:
        """A client that timed out and hung up is expected here, not an error."""


class WebhookPeer:
    """Serves `system` at `url` until closed; `delivered` lists the verified webhook-ids."""

    def __init__(self, system: SimulatedSystem, secrets: Sequence[str],
                 clock: Callable[[], datetime] = _utc_now) -> None:
        self.system = system
        self.secrets = list(secrets)
        self.clock = clock
        self.delivered: list[str] = []
        self.refused: list[str] = []
        self._server = _Server(("127.0.0.1", 0), _handler(self))
        self._thread = threading.Thread(target=self._server.serve_forever,
                                        kwargs={"poll_interval": 0.05}, daemon=True)
        self._thread.start()

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def close(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)

    def __enter__(self) -> WebhookPeer:
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None,
                 trace: TracebackType | None) -> None:
        self.close()


class _Handler(BaseHTTPRequestHandler):
    peer: WebhookPeer

    def do_GET(self) -> None:
        if self.path.rstrip("/") != "/health":
            self._send(404, {"error": "not found"})
            return
        health = self.peer.system.health()
        self._send(200 if health.ok else 503, {"ok": health.ok, "detail": health.detail})

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
        try:
            msg_id = verify(self.peer.secrets, dict(self.headers.items()), body, self.peer.clock())
        except SignatureError as error:
            self.peer.refused.append(str(error))
            self._send(401, {"error": str(error)})
            return
        self.peer.delivered.append(msg_id)
        operation = self.path.strip("/")
        document = json.loads(body)
        if document.get("operation") != operation:
            self._send(400, {"error": "operation in body and path differ"})
            return
        self._apply(operation, document.get("payload") or {}, msg_id)

    def _apply(self, operation: str, payload: dict[str, object], msg_id: str) -> None:
        try:
            reply = self.peer.system.call(operation, payload, msg_id)
        except ConnectorUnavailable as error:
            self._send(503, {"error": error.reason})
        except ConnectorRejected as error:
            self._send(error.status or 422, {"error": error.reason})
        else:
            self._send(200, dict(reply))

    def _send(self, status: int, document: dict[str, object]) -> None:
        data = json.dumps(document).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, format: str, *args: object) -> None:
        """Quiet: the tests assert on what the peer recorded instead."""


def _handler(peer: WebhookPeer) -> type[_Handler]:
    return type("Handler", (_Handler,), {"peer": peer})
