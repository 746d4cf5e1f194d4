"""A TCP proxy that tests can cut and restore, to play a network failure between two processes.

    proxy = ProxyProcess(("127.0.0.1", 5672))
    uri = f"amqp://guest:guest@127.0.0.1:{proxy.port}/"
    proxy.cut()       # open connections are reset, new ones are refused
    proxy.restore()   # connections are accepted again
    proxy.close()

The proxy runs in a process of its own (``python -m chassis.testing.proxy HOST:PORT``, cut
with SIGUSR1, restored with SIGUSR2) so that it stays a plain threaded program even when the
test process is monkey-patched by eventlet.
"""

from __future__ import annotations

import contextlib
import signal
import socket
import subprocess
import sys
import threading
import time


class TcpProxy:
    def __init__(self, target: tuple[str, int], host: str = "127.0.0.1", port: int = 0) -> None:
        self.target = target
        self._listener = socket.create_server((host, port))
        self.port = self._listener.getsockname()[1]
        self._open = threading.Event()
        self._open.set()
        self._closed = False
        self._lock = threading.Lock()
        self._sockets: set[socket.socket] = set()

    def start(self) -> TcpProxy:
        threading.Thread(target=self._accept_loop, daemon=True).start()
        return self

    def cut(self) -> None:
        """Reset every open connection and refuse new ones until :meth:`restore`."""
        self._open.clear()
        self._drop_all()

    def restore(self) -> None:
        self._open.set()

    def close(self) -> None:
        self._closed = True
        self._open.clear()
        self._drop_all()
        with contextlib.suppress(OSError):
            self._listener.close()

    def _drop_all(self) -> None:
        with self._lock:
            sockets, self._sockets = self._sockets, set()
        for sock in sockets:
            with contextlib.suppress(OSError):
                sock.setsockopt(
                    socket.SOL_SOCKET, socket.SO_LINGER, b"\x01\x00\x00\x00\x00\x00\x00\x00"
                )
                sock.close()

    def _accept_loop(self) -> None:
        while not self._closed:
            try:
                client, _ = self._listener.accept()
            except OSError:
                return
            if not self._open.is_set():
                client.close()
                continue
            try:
                upstream = socket.create_connection(self.target, timeout=5)
                upstream.settimeout(None)
            except OSError:
                client.close()
                continue
            with self._lock:
                self._sockets.update((client, upstream))
            for source, sink in ((client, upstream), (upstream, client)):
                threading.Thread(target=self._pipe, args=(source, sink), daemon=True).start()

    def _pipe(self, source: socket.socket, sink: socket.socket) -> None:
        try:
            while True:
                data = source.recv(65536)
                if not data or not self._open.is_set():
                    break
                sink.sendall(data)
        except (OSError, EOFError):
            pass
        finally:
            for sock in (source, sink):
                with contextlib.suppress(OSError):
                    sock.close()


class ProxyProcess:
    """A :class:`TcpProxy` in a child process, driven by signals."""

    def __init__(self, target: tuple[str, int]) -> None:
        self._process = subprocess.Popen(
            [sys.executable, "-m", "chassis.testing.proxy", f"{target[0]}:{target[1]}"],
            stdout=subprocess.PIPE,
            text=True,
        )
        self.port = int(self._process.stdout.readline())

    def cut(self) -> None:
        self._process.send_signal(signal.SIGUSR1)
        time.sleep(0.2)

    def restore(self) -> None:
        self._process.send_signal(signal.SIGUSR2)
        time.sleep(0.2)

    def close(self) -> None:
        self._process.terminate()
        self._process.wait(timeout=10)


def main(target: str) -> None:
    host, port = target.rsplit(":", 1)
    proxy = TcpProxy((host, int(port))).start()
    signal.signal(signal.SIGUSR1, lambda *_: proxy.cut())
    signal.signal(signal.SIGUSR2, lambda *_: proxy.restore())
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    print(proxy.port, flush=True)
    while True:
        signal.pause()


if __name__ == "__main__":
    main(sys.argv[1])
