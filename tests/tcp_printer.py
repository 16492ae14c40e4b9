"""A fake network receipt printer on loopback (raw TCP, like port 9100) for tests.

One server thread accepts connections one after the other (as a real printer does) and stores
the bytes of each connection as one job, once the client has closed its side. stop() and then
start() again reopen the SAME port: the printer switched off and on. Every loop is bounded by
short socket timeouts so stop() returns quickly; use it as a context manager so it always stops.

    with TcpPrinter() as printer:
        send(PrinterSettings(kind="network", host="127.0.0.1", port=printer.port), data)
        [job] = printer.wait_for_jobs(1, timeout=2)

Modes: "normal" (read until the client closes), "hold" (accept, never read: a jammed printer,
for send timeouts), "close" (accept and close at once: a printer that drops the connection).
"""
from __future__ import annotations

import socket
import threading
import time
from typing import Literal

Mode = Literal["normal", "hold", "close"]
_TICK = 0.02  # how often the loops look at the stop flag


class TcpPrinter:
    def __init__(self, mode: Mode = "normal", *, connection_timeout: float = 5.0) -> None:
        self.mode: Mode = mode
        self.port = 0  # 0 until the first start(): then the ephemeral port, kept for restarts
        self.connection_timeout = connection_timeout  # give up on a client that never closes
        self._jobs: list[bytes] = []
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
        if self.mode != "normal":
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
        deadline = time.monotonic() + self.connection_timeout
        conn.settimeout(_TICK)
        try:
            while not self._stop.is_set() and time.monotonic() < deadline:
                try:
                    chunk = conn.recv(65536)
                except (TimeoutError, socket.timeout):
                    continue
                except OSError:
                    break
                if not chunk:
                    break
                chunks.append(chunk)
        finally:
            conn.close()
        with self._changed:
            self._jobs.append(b"".join(chunks))
            self._changed.notify_all()
