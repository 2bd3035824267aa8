"""Asking for an organiser export as the page does: the button queues a job, the job page
gives the file."""

from __future__ import annotations

import re

from tests.conftest import CSRF_RE, csrf_from

DOWNLOAD = re.compile(r'id="job-download" href="([^"]+)"')


def post_export(client, round_id: int, kind: str):
    """Press an export button of the round's results page (with a token from that page,
    or from the sign-in page for a visitor who may not see it)."""
    page = f"/ban-to-chuc/ket-qua/dot-thi/{round_id}"
    match = CSRF_RE.search(client.get(page).get_data(as_text=True))
    token = match.group(1) if match else csrf_from(client, "/dang-nhap")
    return client.post(f"{page}/xuat/{kind}", data={"csrf_token": token})


def job_path(response) -> str:
    """The job page a button redirected to."""
    assert response.status_code == 302, response.status_code
    location = response.headers["Location"]
    assert re.search(r"/ban-to-chuc/cong-viec/\d+$", location), location
    return location


def download_link(client, path: str) -> str | None:
    match = DOWNLOAD.search(client.get(path).get_data(as_text=True))
    return match.group(1) if match else None


def export_via_job(client, round_id: int, kind: str):
    """The download response of an export run as a job (run at once in the test app)."""
    page = job_path(post_export(client, round_id, kind))
    link = download_link(client, page)
    assert link, client.get(page).get_data(as_text=True)
    return client.get(link)
