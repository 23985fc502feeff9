"""The bundled Exotel simulator's HTTP transport: a threading HTTP/1.1 server
that hands every request to one function and writes the Reply it returns.

No Django imports. It knows nothing of Exotel: routing, auth and bodies are
the simulator's (simulator.py).
"""

import contextlib
import socket
import struct
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


@dataclass
class Reply:
    status: int
    body: bytes
    headers: dict[str, str] = field(default_factory=dict)
    # Seconds to hold the reply: latency and timeout faults.
    delay: float = 0.0
    # Send the headers and half the body, then reset the connection (a fault).
    reset: bool = False


# (method, target, Authorization header, body) -> the reply to send.
Responder = Callable[[str, str, str | None, bytes], Reply]


class _Handler(BaseHTTPRequestHandler):
    server: "Server"
    # Keep-alive, as the sync client reuses connections.
    protocol_version = "HTTP/1.1"
    server_version = "ExotelSimulator"
    # Idle keep-alive connections are closed after this many seconds.
    timeout = 120
    # Headers and body go out in two writes: with Nagle's algorithm the body
    # waits for the client's delayed ACK, 40 ms per request.
    disable_nagle_algorithm = True

    def do_GET(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        body = self.rfile.read(length) if length else b""
        reply = self.server.respond(
            self.command, self.path, self.headers.get("Authorization"), body
        )
        if reply.delay and self.server.stopping.wait(reply.delay):
            self.close_connection = True
            return
        try:
            self.send_response(reply.status)
            headers = {"Content-Type": "application/json", **reply.headers}
            for name, value in headers.items():
                self.send_header(name, value)
            self.send_header("Content-Length", str(len(reply.body)))
            self.end_headers()
            if reply.reset:
                self._reset(reply.body[: len(reply.body) // 2])
                return
            self.wfile.write(reply.body)
        except (BrokenPipeError, ConnectionResetError):
            # The client gave up (a timeout fault does that on purpose).
            self.close_connection = True

    do_POST = do_PUT = do_PATCH = do_DELETE = do_GET

    def _reset(self, partial_body: bytes) -> None:
        """Write `partial_body`, then close with an RST (a zero linger) rather than a FIN."""
        self.wfile.write(partial_body)
        self.wfile.flush()
        self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close_connection = True

    def log_message(self, format: str, *args: Any) -> None:
        """Silent: the simulator keeps its own request log."""


class Server(ThreadingHTTPServer):
    """Answers every request with `respond`; a reply still held by its delay
    when `stopping` is set is dropped."""

    daemon_threads = True

    def __init__(
        self, address: tuple[str, int], respond: Responder, stopping: threading.Event
    ) -> None:
        self.respond = respond
        self.stopping = stopping
        self._connections: set[socket.socket] = set()
        self._connections_lock = threading.Lock()
        super().__init__(address, _Handler)

    def finish_request(self, request: Any, client_address: Any) -> None:
        with self._connections_lock:
            self._connections.add(request)
        try:
            super().finish_request(request, client_address)
        finally:
            with self._connections_lock:
                self._connections.discard(request)

    def close_connections(self) -> None:
        """End idle keep-alive connections, so stop() leaves no thread behind."""
        with self._connections_lock:
            connections = list(self._connections)
        for connection in connections:
            with contextlib.suppress(OSError):
                connection.shutdown(socket.SHUT_RDWR)
