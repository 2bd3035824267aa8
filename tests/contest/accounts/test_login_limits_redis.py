"""The per-account sign-in limit across app servers (issue 11 item 2, S4).

Two servers, each in its own process with its own Flask-Limiter, as two machines or two
gunicorn workers are. With ``REDIS_URL`` (here Redis database 11, under a key prefix of
this test's own) tries split across them are counted together; with the default in-memory
storage each process counts its own, as docs/security.md says.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import urllib.error
import urllib.request
import uuid
from pathlib import Path

import pytest

redis = pytest.importorskip("redis")

HERE = Path(__file__).parent
SERVER = HERE / "limit_server.py"
REDIS_URL = os.environ.get("TEST_REDIS_URL", "redis://127.0.0.1:6379/11")
ROOT = HERE.parents[2]
LIMIT = 10  # LOGIN_LIMIT_PER_ACCOUNT, "10 per 5 minutes"

from tests.contest.accounts.limit_server import PHONE  # noqa: E402


@pytest.fixture(scope="module")
def redis_client():
    client = redis.Redis.from_url(REDIS_URL)
    try:
        client.ping()
    except redis.exceptions.ConnectionError:
        pytest.skip(f"no Redis at {REDIS_URL}")
    return client


@pytest.fixture(scope="module")
def live_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("limits")
    url = f"sqlite:///{path / 'limits.db'}"
    env = {**os.environ, "INSTANCE_PATH": str(path), "PYTHONPATH": str(ROOT)}
    subprocess.run([sys.executable, str(SERVER), "init", url], check=True, env=env, cwd=ROOT)
    return url, env


@pytest.fixture
def servers(live_db):
    started = []

    def start(storage_uri: str, prefix: str) -> str:
        url, env = live_db
        process = subprocess.Popen(
            [sys.executable, str(SERVER), "serve", url, storage_uri, prefix],
            stdout=subprocess.PIPE,
            text=True,
            env=env,
            cwd=ROOT,
        )
        started.append(process)
        port = process.stdout.readline().strip()
        assert port, "the server did not start"
        return f"http://127.0.0.1:{port}"

    yield start
    for process in started:
        process.terminate()
        process.wait(timeout=10)
        process.stdout.close()


def sign_in(base: str, login: str, password: str = "sai") -> tuple[int, dict, dict]:
    request = urllib.request.Request(
        base + "/api/auth/login",
        data=json.dumps({"login": login, "password": password}).encode(),
        headers={"Content-Type": "application/json"},
        method="POST",
    )
    try:
        with urllib.request.urlopen(request, timeout=30) as response:
            return response.status, dict(response.headers), json.loads(response.read())
    except urllib.error.HTTPError as exc:
        return exc.code, dict(exc.headers), json.loads(exc.read())


SPELLINGS = ["+84977000012", "0977 000 012", "0977000012", "84977000012", "mai@example.vn"]


def test_with_redis_tries_split_across_two_servers_are_counted_together(servers, redis_client):
    prefix = f"test_s_{uuid.uuid4().hex}"
    try:
        first, second = servers(REDIS_URL, prefix), servers(REDIS_URL, prefix)
        statuses = [
            sign_in((first, second)[i % 2], SPELLINGS[i % len(SPELLINGS)])[0] for i in range(LIMIT)
        ]
        assert statuses == [401] * LIMIT
        for base in (first, second, first):
            status, headers, body = sign_in(base, PHONE, "dung-mat-khau-2026")
            assert status == 429
            assert int(headers["Retry-After"]) > 0
            assert "đăng nhập sai quá nhiều lần" in body["message"]
        assert redis_client.keys(f"*/{prefix}/*"), "the counters are not in Redis"
    finally:
        for key in redis_client.scan_iter(f"*/{prefix}/*"):
            redis_client.delete(key)


def test_without_redis_each_process_counts_its_own_tries(servers):
    first, second = servers("memory://", ""), servers("memory://", "")
    assert [sign_in(first, SPELLINGS[i % 5])[0] for i in range(LIMIT + 1)] == [401] * LIMIT + [429]
    # The documented limit of the default: a second worker has its own counter.
    assert sign_in(second, PHONE)[0] == 401
