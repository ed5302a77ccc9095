"""`e2eopt serve` as a person runs it: a process that prints its address, answers, and stops on Ctrl-C."""

from __future__ import annotations

import json
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest
from conftest import TINY_FILE, e2eopt

ADDRESS = re.compile(r"Workbench on (http://\S+) serving (.+) \(Ctrl-C stops it\)")


@pytest.fixture(scope="module")
def folder(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("served")
    shutil.copy(TINY_FILE, root / "tiny.yaml")
    return root


@contextmanager
def serving(*args: str, cwd: Path) -> Iterator[tuple[subprocess.Popen, str]]:
    """`e2eopt serve ARGS` running, and the address it printed; stopped (killed) at the end if still running."""
    process = subprocess.Popen(
        [sys.executable, "-m", "model", "serve", *args],
        cwd=cwd,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        line = process.stdout.readline() if process.stdout else ""
        match = ADDRESS.match(line)
        assert match, (line, process.stderr.read() if process.poll() is not None and process.stderr else "")
        yield process, match.group(1)
    finally:
        if process.poll() is None:
            process.kill()
            process.wait()


def get(url: str) -> tuple[int, bytes]:
    try:
        with urllib.request.urlopen(url, timeout=30) as answer:
            return answer.status, answer.read()
    except urllib.error.HTTPError as error:
        return error.code, error.read()


def test_serve_answers_and_stops_on_ctrl_c_with_exit_0(folder: Path) -> None:
    with serving(str(folder / "tiny.yaml"), "--port", "0", cwd=folder) as (process, url):
        assert url.endswith("/?scenario=tiny.yaml")
        root = url.split("?")[0]
        status, body = get(root + "api/health")
        assert status == 200
        assert json.loads(body)["folder"] == str(folder.resolve())
        status, page = get(url)
        assert status == 200
        assert b"<html" in page.lower()
        process.send_signal(signal.SIGINT)
        started = time.monotonic()
        code = process.wait(timeout=10)
        stopped = time.monotonic() - started
        errors = process.stderr.read() if process.stderr else ""
    assert code == 0, errors
    assert stopped < 5
    assert "Traceback" not in errors
    assert "Workbench stopped." in errors


def test_a_token_is_in_the_address_and_needed(folder: Path) -> None:
    secret = "s3cret-0123456789"  # 17 characters: at least 16 are needed
    with serving(str(folder), "--port", "0", "--token", secret, cwd=folder) as (process, url):
        assert url.endswith(f"/?token={secret}")
        root = url.split("?")[0]
        assert get(root + "api/health")[0] == 401
        assert get(root + f"api/health?token={secret}")[0] == 200
        process.send_signal(signal.SIGTERM)
        assert process.wait(timeout=10) == 0


@pytest.mark.parametrize("token", ["a", "fifteen-chars15", "   "])
def test_a_token_shorter_than_16_characters_is_refused_with_exit_2(folder: Path, token: str) -> None:
    result = e2eopt("serve", str(folder), "--port", "0", "--token", token, cwd=folder, timeout=60)
    assert result.returncode == 2
    assert f"error: --token: {len(token.strip())} characters; give a secret of at least 16" in result.stderr


def test_a_host_other_than_loopback_without_a_token_is_refused(folder: Path) -> None:
    result = e2eopt("serve", str(folder), "--host", "0.0.0.0", "--port", "0", cwd=folder, timeout=60)
    assert result.returncode == 2
    assert "--host 0.0.0.0 is reachable from other machines: give --token" in result.stderr


def test_a_port_in_use_is_refused_with_exit_2(folder: Path) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen(1)
        port = taken.getsockname()[1]
        result = e2eopt("serve", str(folder), "--port", str(port), cwd=folder, timeout=60)
    assert result.returncode == 2
    assert f"error: cannot listen on 127.0.0.1 port {port}: it is in use; choose another with --port." in result.stderr
    assert "Traceback" not in result.stderr


def test_a_missing_folder_is_refused_with_exit_2(folder: Path) -> None:
    result = e2eopt("serve", str(folder / "nope"), cwd=folder, timeout=60)
    assert result.returncode == 2
    assert "no such folder or scenario file" in result.stderr
