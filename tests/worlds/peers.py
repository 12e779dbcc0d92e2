"""Local peers a notification reaches: a webhook receiver (HTTP on 127.0.0.1) and a mailbox
for a local SMTP server (aiosmtpd)."""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from email import message_from_bytes
from email.message import Message as EmailMessage
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Receiver:
    """A webhook endpoint on 127.0.0.1: answers each POST with the next of `statuses` (204 once
    they run out) and keeps every request it got."""

    statuses: list[int] = field(default_factory=list)
    requests: list[tuple[dict[str, str], bytes, int]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def answer(self, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            status = self.statuses.pop(0) if self.statuses else 204
            self.requests.append((headers, body, status))
            return status

    def accepted(self) -> list[tuple[dict[str, str], dict[str, Any]]]:
        with self.lock:
            return [(headers, json.loads(body)) for headers, body, status in self.requests
                    if status < 300]


class _Server(ThreadingHTTPServer):
    daemon_threads = True


Answer = Callable[[dict[str, str], bytes], tuple[int, dict[str, str], bytes]]
"""A POST's headers and body -> the status, headers and body to answer with."""


def serve(receiver: Receiver) -> _Server:
    return serve_answers(lambda headers, body: (receiver.answer(headers, body), {}, b""))


def serve_answers(answer: Answer) -> _Server:
    """An HTTP endpoint on a free port of 127.0.0.1, in a thread, answering each POST with
    `answer`; shut it down when done."""
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length") or 0))
            status, headers, content = answer(dict(self.headers.items()), body)
            self.send_response(status)
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(content)))
            self.end_headers()
            self.wfile.write(content)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = _Server(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05},
                     daemon=True).start()
    return server


@dataclass
class Mailbox:
    """What the local SMTP server took; it answers 451 to the first `busy` messages."""

    busy: int = 0
    mails: list[tuple[list[str], EmailMessage]] = field(default_factory=list)
    refused: int = 0

    async def handle_DATA(self, server: object, session: object, envelope: Any) -> str:
        if self.busy > 0:
            self.busy -= 1
            self.refused += 1
            return "451 4.3.0 try again later"
        self.mails.append((list(envelope.rcpt_tos), message_from_bytes(envelope.content)))
        return "250 OK"


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
