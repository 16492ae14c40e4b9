"""A fake network receipt printer on loopback (raw TCP, like port 9100) for tests.

One server thread accepts connections one after the other (as a real printer does) and stores
the bytes of each connection as one job, once the client has closed its side. stop() and then
start() again reopen the SAME port: the printer switched off and on. Every loop is bounded by
short socket timeouts so stop() returns quickly; use it as a context manager so it always stops.

    with TcpPrinter() as printer:
        send(PrinterSettings(kind="network", host="127.0.0.1", port=printer.port), data)
        [job] = printer.wait_for_jobs(1, timeout=2)

Modes: "normal" (read until the client closes), "hold" (accept, never read: a jammed printer,
for send timeouts), "close" (accept and close at once: a printer that drops the connection),
"drop" (read `drop_after` bytes of a job, then reset the connection; the partial job lands in
`dropped`; after `drops` such connections the printer is back to normal), "stall" (read
`stall_after` bytes, stop reading for `stall_s`, then read on: a printer busy printing a long
job with a small buffer).

Status: a connection that starts with DLE EOT n or GS r n is a status query (not a job): each
query gets the one-byte answer a printer would give for `paper` ("ok" | "near_end" | "out"),
`cover_open` and `offline`; `answers_status = False` is a printer that reports nothing.
"""
from __future__ import annotations

import socket
import struct
import threading
import time
from typing import Literal

Mode = Literal["normal", "hold", "close", "drop", "stall"]
_TICK = 0.02  # how often the loops look at the stop flag


class TcpPrinter:
    def __init__(self, mode: Mode = "normal", *, connection_timeout: float = 5.0) -> None:
        self.mode: Mode = mode
        self.port = 0  # 0 until the first start(): then the ephemeral port, kept for restarts
        self.connection_timeout = connection_timeout  # give up on a client that never closes
        self._jobs: list[bytes] = []
        self.dropped: list[bytes] = []  # partial jobs of connections reset by mode "drop"
        self.drop_after = 2048
        self.drops = 1  # how many connections "drop" resets before printing normally again
        self.stall_after = 2048
        self.stall_s = 0.5
        self.paper = "ok"
        self.cover_open = False
        self.offline = False
        self.answers_status = True
        self.status_queries: list[bytes] = []  # the query commands answered (or not)
        self._changed = threading.Condition()
        self._stop = threading.Event()
        self._server: socket.socket | None = None
        self._thread: threading.Thread | None = None
        self._held: list[socket.socket] = []

    # ---- control (test thread) --------------------------------------------------------------

    def start(self, mode: Mode | None = None) -> TcpPrinter:
        """Listen on 127.0.0.1 (the same port as before after a stop())."""
        if self._thread is not None:
            raise RuntimeError("TcpPrinter already running")
        if mode is not None:
            self.mode = mode
        server = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        server.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        if self.mode in ("hold", "close", "drop", "stall"):
            # a small receive window, so a client's big send really blocks or gets reset
            server.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        try:
            server.bind(("127.0.0.1", self.port))
        except OSError:
            server.close()
            raise
        server.listen(8)
        server.settimeout(_TICK)
        self.port = server.getsockname()[1]
        self._server = server
        self._stop.clear()
        self._thread = threading.Thread(target=self._serve, name=f"tcp-printer-{self.port}", daemon=True)
        self._thread.start()
        return self

    def stop(self, timeout: float = 2.0) -> None:
        """Stop listening and drop open connections; afterwards connecting is refused."""
        self._stop.set()
        if self._thread is not None:
            self._thread.join(timeout)
            if self._thread.is_alive():
                raise RuntimeError("TcpPrinter thread did not stop")
            self._thread = None
        if self._server is not None:
            self._server.close()
            self._server = None
        for conn in self._held:
            conn.close()
        self._held.clear()

    close = stop

    @property
    def running(self) -> bool:
        return self._thread is not None

    def __enter__(self) -> TcpPrinter:
        return self if self.running else self.start()

    def __exit__(self, *exc_info: object) -> None:
        self.stop()

    @property
    def jobs(self) -> list[bytes]:
        """The bytes of every finished connection so far, in order."""
        with self._changed:
            return list(self._jobs)

    def wait_for_jobs(self, n: int, timeout: float = 2.0) -> list[bytes]:
        """Block until at least n jobs arrived; returns them. Raises TimeoutError."""
        deadline = time.monotonic() + timeout
        with self._changed:
            while len(self._jobs) < n:
                left = deadline - time.monotonic()
                if left <= 0:
                    raise TimeoutError(f"{len(self._jobs)} of {n} print jobs arrived within {timeout} s")
                self._changed.wait(left)
            return list(self._jobs)

    # ---- server thread ----------------------------------------------------------------------

    def _serve(self) -> None:
        assert self._server is not None
        server = self._server
        while not self._stop.is_set():
            try:
                conn, _ = server.accept()
            except (TimeoutError, socket.timeout):
                continue
            except OSError:
                return
            if self.mode == "close":
                conn.close()
            elif self.mode == "hold":
                self._held.append(conn)  # closed by stop()
            else:
                self._receive(conn)

    def _receive(self, conn: socket.socket) -> None:
        chunks: list[bytes] = []
        received = 0
        stalled = False
        drop = self.mode == "drop" and self.drops > 0
        deadline = time.monotonic() + self.connection_timeout
        conn.settimeout(_TICK)
        status = False
        answered = 0
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                if self.mode == "stall" and not stalled and received >= self.stall_after:
                    stalled = True
                    self._stop.wait(self.stall_s)  # not reading: the client's send blocks
                want = 65536
                if drop:
                    want = max(1, self.drop_after - received)
                elif self.mode == "stall" and not stalled:
                    want = max(1, self.stall_after - received)
                try:
                    chunk = conn.recv(want)
                except (TimeoutError, socket.timeout):
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
                received += len(chunk)
                if not chunks[1:] and chunk[:2] in (b"\x10\x04", b"\x1dr"):
                    status = True
                if status:
                    chunks = [b"".join(chunks)]
                    answered = self._answer(conn, chunks[0], answered)
                elif drop and received >= self.drop_after:
                    conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
                    self.drops -= 1
                    with self._changed:
                        self.dropped.append(b"".join(chunks))
                        self._changed.notify_all()
                    return  # the finally below closes with a reset
        finally:
            conn.close()
        if status:
            return
        with self._changed:
            self._jobs.append(b"".join(chunks))
            self._changed.notify_all()

    # ---- status (server thread) -------------------------------------------------------------

    def _answer(self, conn: socket.socket, data: bytes, done: int) -> int:
        """Answer every complete query (3 bytes each) in `data` after the first `done`."""
        queries = [data[i:i + 3] for i in range(0, len(data) - len(data) % 3, 3)]
        for query in queries[done:]:
            self.status_queries.append(query)
            answer = self.status_byte(query)
            if answer is not None and self.answers_status:
                conn.sendall(bytes([answer]))
        return len(queries)

    def status_byte(self, query: bytes) -> int | None:
        """What an Epson printer answers to DLE EOT 1/2/4 and GS r 1."""
        out = self.paper == "out"
        near = self.paper == "near_end"
        if query == b"\x10\x04\x01":
            return 0x12 | (0x08 if self.offline or out or self.cover_open else 0)
        if query == b"\x10\x04\x02":
            return 0x12 | (0x04 if self.cover_open else 0) | (0x20 if out else 0)
        if query == b"\x10\x04\x04":
            return 0x12 | (0x60 if out else 0) | (0x0C if near else 0)
        if query == b"\x1dr\x01":
            return (0x0C if out else 0) | (0x03 if near else 0)
        return None
