"""Real server processes for tests: daphne on a free port against the test database."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
ARTIFACTS = ROOT / "test-artifacts"


class Daphne:
    """The ASGI app served by daphne in a subprocess; stop() and start() keep the port."""

    def __init__(self, database_url: str, port: int, **env: str) -> None:
        self.port = port
        self.url = f"http://127.0.0.1:{port}"
        self.env = {**os.environ, "DATABASE_URL": database_url, "DEBUG": "true", **env}
        self.process: subprocess.Popen[bytes] | None = None
        self.log = ARTIFACTS / f"daphne-{port}.log"
        self.log.unlink(missing_ok=True)  # a port used by an earlier run: not this server's

    def start(self) -> None:
        daphne = Path(sys.executable).parent / "daphne"
        ARTIFACTS.mkdir(exist_ok=True)
        with self.log.open("ab") as log:
            self.process = subprocess.Popen(
                [
                    str(daphne),
                    "-b",
                    "127.0.0.1",
                    "-p",
                    str(self.port),
                    "livescores.asgi:application",
                ],
                cwd=ROOT,
                env=self.env,
                stdout=log,
                stderr=subprocess.STDOUT,
            )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"daphne exited: see {self.log}")
            try:
                with urllib.request.urlopen(f"{self.url}/accounts/login/", timeout=2) as response:
                    if response.status == 200:
                        return
            except (urllib.error.URLError, ConnectionError, TimeoutError):
                time.sleep(0.2)
        raise RuntimeError(f"daphne did not answer on {self.url}: see {self.log}")

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(timeout=10)
        self.process = None


def database_url() -> str:
    from django.conf import settings

    db = settings.DATABASES["default"]
    auth = db["USER"] + (f":{db['PASSWORD']}" if db.get("PASSWORD") else "")
    return f"postgres://{auth}@{db['HOST'] or '127.0.0.1'}:{db['PORT'] or 5432}/{db['NAME']}"
