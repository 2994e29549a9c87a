"""Starts and stops real Anvil processes for tests that need a chain of their own."""

from __future__ import annotations

import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import requests


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class Anvil:
    """One Anvil process on 127.0.0.1:`port`; `stop()` and `start()` again keep the port."""

    def __init__(self, port: int | None = None, state_file: Path | None = None) -> None:
        self.port = port or free_port()
        self.state_file = state_file
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> None:
        binary = shutil.which("anvil")
        assert binary, "anvil is not on PATH: run the tests through `make test`"
        command = [binary, "--host", "127.0.0.1", "--port", str(self.port), "--hardfork", "cancun"]
        if self.state_file:
            command += ["--state", str(self.state_file)]
        self.process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.is_answering():
                return
            if self.process.poll() is not None:
                raise RuntimeError(f"anvil exited with {self.process.returncode}")
            time.sleep(0.05)
        raise TimeoutError(f"anvil did not answer on {self.url}")

    def stop(self) -> None:
        if self.process and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None

    def is_answering(self) -> bool:
        try:
            body = {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []}
            return requests.post(self.url, json=body, timeout=1).ok
        except requests.RequestException:
            return False


@contextmanager
def running_anvil(state_file: Path | None = None) -> Iterator[Anvil]:
    anvil = Anvil(state_file=state_file)
    anvil.start()
    try:
        yield anvil
    finally:
        anvil.stop()
