"""``parley serve --workers N``: several worker processes on one port, each opening the
installation from the same settings, their metrics summed through prometheus-client's
multiprocess directory."""

from __future__ import annotations

import os
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

pytestmark = pytest.mark.slow
REQUESTS = 12


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
        return port


def test_workers_serve_together_and_count_together(tmp_path: Path) -> None:
    metrics_dir = tmp_path / "metrics"
    metrics_dir.mkdir()
    env = {**os.environ, "PARLEY_HOME": str(tmp_path / "home"),
           "PROMETHEUS_MULTIPROC_DIR": str(metrics_dir)}  # fmt: skip
    env.pop("PARLEY_DATABASE_URL", None)
    port = _free_port()
    log = tmp_path / "serve.log"
    with log.open("wb") as out:
        server = subprocess.Popen(
            [sys.executable, "-m", "parley", "serve", "--port", str(port), "--workers", "2"],
            env=env, stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    url = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            assert server.poll() is None, log.read_text()
            try:
                if httpx.get(f"{url}/readyz", timeout=2).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            time.sleep(0.3)
        else:
            pytest.fail(f"not ready: {log.read_text()}")
        for _ in range(REQUESTS):
            assert httpx.get(f"{url}/healthz").status_code == 200
        text = httpx.get(f"{url}/metrics").text
        match = re.search(
            r'parley_http_requests_total\{method="GET",route="/healthz",status="200"\} (\S+)', text
        )
        assert match is not None and float(match.group(1)) == REQUESTS
        logged = log.read_text()
        assert len(set(re.findall(r"Started server process \[(\d+)\]", logged))) == 2
    finally:
        server.terminate()
        server.wait(timeout=30)
