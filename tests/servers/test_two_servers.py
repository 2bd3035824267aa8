"""Two gunicorn servers on one PostgreSQL database and one Redis, plus one job worker: a
person's journey alternates between them with a real HTTP client (issue 13, item 4).
What one server wrote, the other serves at once; the login limit counts across both; an
export asked on A downloads from B; a worker killed with SIGKILL mid-export loses nothing.
"""

from __future__ import annotations

import re
import subprocess
from datetime import date
from pathlib import Path

import flask_bootstrap
import pytest
import requests
from bs4 import BeautifulSoup
from sqlalchemy import select
from sqlalchemy.orm import undefer

from tests.conftest import valid_cccd
from tests.servers import procs
from tests.servers.conftest import PARTICIPANT_PASSWORD, organiser_session, wait_for

pytestmark = pytest.mark.servers

JOB_PAGE = re.compile(r"/ban-to-chuc/cong-viec/(\d+)$")


def job_row(cluster, job_id: int):
    from contest.extensions import db
    from contest.models.job import Job

    with cluster.app.app_context():
        try:
            return db.session.get(
                Job, job_id, options=[undefer(Job.result_file)], populate_existing=True
            )
        finally:
            db.session.remove()


def press(browser, base: str, path: str, token: str) -> int:
    """Press a button of an organiser page (a form POST); the job it queued."""
    reply = browser.post(base + path, data={"csrf_token": token}, allow_redirects=False)
    assert reply.status_code == 302, reply.text[:500]
    match = JOB_PAGE.search(reply.headers["Location"])
    assert match, reply.headers["Location"]
    return int(match.group(1))


def job_state(browser, base: str, job_id: int) -> dict:
    reply = browser.get(f"{base}/ban-to-chuc/cong-viec/{job_id}.json")
    assert reply.status_code == 200, reply.text[:500]
    return reply.json()


def finished(browser, base: str, job_id: int, timeout: float = 30) -> dict:
    state = wait_for(
        lambda: (s := job_state(browser, base, job_id))["finished"] and s, timeout=timeout
    )
    assert state["status"] == "done", state
    return state


def test_a_journey_alternating_between_two_servers(cluster):
    a, b, ids = cluster.a, cluster.b, cluster.ids
    birth = date(2000, 5, 17)
    phone = "0987 111 222"

    # Register on A.
    registering = requests.Session()
    reply = registering.post(
        f"{a}/api/auth/register",
        json={
            "full_name": "Lò Văn Minh",
            "birth_date": birth.isoformat(),
            "gender": "male",
            "id_number": valid_cccd(birth, "male"),
            "phone": phone,
            "unit_id": ids["unit_id"],
            "category": ids["category_id"],
            "password": PARTICIPANT_PASSWORD,
            "consent": True,
        },
    )
    assert reply.status_code == 201, reply.text

    # Log in on B (another device); start on A; save on B; read it back on A.
    person = requests.Session()
    reply = person.post(
        f"{b}/api/auth/login", json={"login": phone, "password": PARTICIPANT_PASSWORD}
    )
    assert reply.status_code == 200, reply.text
    person.headers["X-CSRFToken"] = reply.json()["csrf_token"]
    reply = person.post(f"{a}/api/rounds/{ids['open_round_id']}/attempts", json={})
    assert reply.status_code == 201, reply.text
    attempt = reply.json()
    assert person.post(f"{b}/api/attempts/{attempt['id']}/received", json={}).status_code == 200
    question = attempt["questions"][2]
    choice = question["options"][1]["id"]
    reply = person.put(
        f"{b}/api/attempts/{attempt['id']}/answers/{question['id']}",
        json={"option_ids": [choice], "seq": 1, "client": "phone"},
    )
    assert reply.status_code == 200 and reply.json()["applied"], reply.text
    reply = person.get(f"{a}/api/attempts/{attempt['id']}")
    assert reply.json()["answers"] == {str(question["id"]): [choice]}

    # The per-account login limit (10 failures in 5 minutes) counts across both servers.
    guesser = requests.Session()
    victim = ids["phones"][2]
    for n in range(10):
        base = (a, b)[n % 2]
        reply = guesser.post(
            f"{base}/api/auth/login", json={"login": victim, "password": f"sai-{n}"}
        )
        assert reply.status_code == 401, (n, reply.status_code, reply.text)
    reply = guesser.post(f"{a}/api/auth/login", json={"login": victim, "password": "sai-10"})
    assert reply.status_code == 429 and reply.headers.get("Retry-After"), reply.text
    reply = guesser.post(f"{b}/api/auth/login", json={"login": victim, "password": "sai-11"})
    assert reply.status_code == 429, reply.text

    # Close a round and export its winners as jobs on A (the worker runs them); the job
    # page and the file come from B.
    organiser, token = organiser_session(a)
    results = f"/ban-to-chuc/ket-qua/dot-thi/{ids['round_id']}"
    closing = press(organiser, a, f"{results}/dong", token)
    finished(organiser, b, closing)
    export = press(organiser, a, f"{results}/xuat/winners", token)
    state = finished(organiser, b, export)
    page = organiser.get(f"{b}/ban-to-chuc/cong-viec/{export}")
    assert page.status_code == 200 and state["download_url"] in page.text
    download = organiser.get(b + state["download_url"])
    assert download.status_code == 200 and download.headers["Cache-Control"] == "no-store"
    assert download.content[:2] == b"PK"
    assert download.content == job_row(cluster, export).result_file

    # Kill the worker (and its work-horse) with SIGKILL in the middle of an export: the job
    # is still "running", nothing stored; a restarted worker runs it again and it finishes.
    export = press(organiser, b, f"{results}/xuat/results", token)
    wait_for(lambda: job_state(organiser, a, export)["status"] == "running", timeout=20)
    procs.kill_hard(cluster.worker)
    killed = job_row(cluster, export)
    assert killed.status.value == "running" and killed.result_file is None
    assert killed.progress < 100 and killed.attempts == 1
    cluster.start_worker()
    state = finished(organiser, a, export, timeout=40)
    done = job_row(cluster, export)
    assert done.attempts == 2 and done.error is None and done.summary["rows"] == 5
    download = organiser.get(a + state["download_url"])
    assert download.status_code == 200 and download.content == done.result_file


def _edit_question(browser, base: str, token: str, bank_id: int, question_id: int, text: str):
    """Change a question's text through its edit page (a new version enters the pool)."""
    path = f"{base}/ban-to-chuc/ngan-hang/{bank_id}/cau-hoi/{question_id}/sua"
    form = (
        BeautifulSoup(browser.get(path).text, "html.parser")
        .find("textarea", attrs={"name": "text"})
        .find_parent("form")
    )
    data = {}
    for field in form.find_all(["input", "textarea", "select"]):
        name = field.get("name")
        if not name:
            continue
        if field.name == "textarea":
            data[name] = field.text
        elif field.name == "select":
            chosen = field.find("option", selected=True) or field.find("option")
            data[name] = chosen.get("value") if chosen else ""
        elif field.get("type") == "checkbox":
            if field.has_attr("checked"):
                data[name] = field.get("value", "y")
        else:
            data[name] = field.get("value", "")
    data["text"], data["csrf_token"] = text, token
    reply = browser.post(path, data=data, allow_redirects=False)
    problems = BeautifulSoup(reply.text, "html.parser").select(".invalid-feedback, .alert")
    assert reply.status_code == 302, [p.get_text(" ", strip=True) for p in problems]


def _start(base: str, phone: str, round_id: int) -> dict:
    browser = requests.Session()
    reply = browser.post(
        f"{base}/api/auth/login", json={"login": phone, "password": PARTICIPANT_PASSWORD}
    )
    assert reply.status_code == 200, reply.text
    browser.headers["X-CSRFToken"] = reply.json()["csrf_token"]
    reply = browser.post(f"{base}/api/rounds/{round_id}/attempts", json={})
    assert reply.status_code == 201, reply.text
    return reply.json()


def test_a_bank_change_on_one_server_is_in_the_next_paper_of_the_other(cluster):
    ids = cluster.ids
    round_id, bank_id = ids["open_round_id"], ids["bank_id"]
    first = _start(cluster.b, ids["phones"][0], round_id)  # B has the pool in its cache now
    assert {q["text"] for q in first["questions"]} == {f"Câu hỏi số {i}?" for i in range(1, 6)}
    organiser, token = organiser_session(cluster.a)
    _edit_question(organiser, cluster.a, token, bank_id, ids["question_ids"][0], "Câu hỏi mới?")
    second = _start(cluster.b, ids["phones"][1], round_id)
    texts = {q["text"] for q in second["questions"]}
    assert "Câu hỏi mới?" in texts and "Câu hỏi số 1?" not in texts


def test_what_the_servers_share_is_one_database(cluster):
    """Both servers really run on the scratch PostgreSQL database (not a file each)."""
    from contest.extensions import db
    from contest.models import User

    with cluster.app.app_context():
        assert db.engine.dialect.name == "postgresql"
        assert db.session.scalar(select(User.id).where(User.phone == "0987111222"))
        db.session.remove()


NGINX = Path("/usr/sbin/nginx")


def _nginx_config(tmp: Path, port: int, upstreams: list[int]) -> Path:
    """deploy/nginx/hoithi.conf's log format and upstream (pointed at our servers) and
    deploy/nginx/hoithi-app.conf as it is (paths pointed at this checkout), in a main
    configuration that keeps everything under ``tmp``."""
    deploy = procs.ROOT / "deploy/nginx"
    site = (deploy / "hoithi.conf").read_text()
    log_format = re.search(r"log_format .*?;\n", site, re.S).group(0)
    upstream = re.search(r"upstream hoithi_app \{.*?\n\}", site, re.S).group(0)
    servers = "".join(
        f"    server 127.0.0.1:{p} max_fails=3 fail_timeout=10s;\n" for p in upstreams
    )
    upstream = re.sub(r"(    server [^\n]*\n)+", servers, upstream)
    bootstrap = Path(flask_bootstrap.__file__).parent / "static"
    app_conf = (deploy / "hoithi-app.conf").read_text()
    app_conf = app_conf.replace(
        "/srv/hoithi/.venv/lib/python3.11/site-packages/flask_bootstrap/static/", f"{bootstrap}/"
    ).replace("/srv/hoithi/", f"{procs.ROOT}/")
    (tmp / "hoithi-app.conf").write_text(app_conf)
    config = tmp / "nginx.conf"
    config.write_text(
        f"""user root;
daemon off;
worker_processes 1;
pid {tmp}/nginx.pid;
error_log {tmp}/error.log warn;
events {{ worker_connections 256; }}
http {{
    include /etc/nginx/mime.types;
    client_body_temp_path {tmp}/body;
    proxy_temp_path {tmp}/proxy;
    fastcgi_temp_path {tmp}/fastcgi;
    uwsgi_temp_path {tmp}/uwsgi;
    scgi_temp_path {tmp}/scgi;
    {log_format}
    {upstream}
    server {{
        listen 127.0.0.1:{port};
        access_log {tmp}/access.log hoithi;
        include {tmp}/hoithi-app.conf;
    }}
}}
"""
    )
    return config


@pytest.fixture
def nginx(cluster, tmp_path):
    if not NGINX.exists():
        pytest.skip(
            "nginx is not installed (apt-get install nginx); the servers were tested directly"
        )
    port = procs.free_port()
    config = _nginx_config(tmp_path, port, cluster.ports)
    log = tmp_path / "nginx.out"
    check = subprocess.run([NGINX, "-t", "-c", config], capture_output=True, text=True)
    assert check.returncode == 0, check.stderr
    process = procs._spawn([str(NGINX), "-c", str(config)], {}, log)
    procs.wait_until_up(f"http://127.0.0.1:{port}/static/css/site.css", process, log)
    try:
        yield f"http://127.0.0.1:{port}", tmp_path / "access.log"
    finally:
        procs.stop(process)


def test_nginx_in_front_of_both_servers(cluster, nginx):
    """The example nginx configuration, run: static files from disk, requests shared by
    both servers with no stickiness, an upload over 12 MB refused before any server."""
    front, access_log = nginx
    css = requests.get(f"{front}/static/css/site.css")
    assert css.status_code == 200
    assert css.content == (procs.ROOT / "static/css/site.css").read_bytes()
    person = requests.Session()
    reply = person.post(
        f"{front}/api/auth/login",
        json={"login": cluster.ids["phones"][1], "password": PARTICIPANT_PASSWORD},
    )
    assert reply.status_code == 200, reply.text
    for _ in range(6):
        assert person.get(f"{front}/api/auth/me").status_code == 200
    too_big = requests.post(f"{front}/api/auth/login", data=b"x" * (13 * 1024 * 1024))
    assert too_big.status_code == 413
    lines = access_log.read_text().splitlines()
    assert not any("password" in line or "?" in line for line in lines)
    served_by = {line.rsplit(" ", 1)[1] for line in lines if "/api/auth/me" in line}
    assert served_by == {f"127.0.0.1:{p}" for p in cluster.ports}, lines
