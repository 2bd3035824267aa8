"""The scope sweep (issue 15 item 1): signed in as the demo's unit organiser of «Phường Tân
Phong» (X), every route of the url map is requested (GET, and POST where it has one) with
the ids of objects of other units (Y). Each must either refuse (403) or show none of Y's
people (names, phones, CCCDs) nor Y's units, while the pages made for unit organisers show
X's people. The routes come from the url map, so a route added later is swept too:

* a route under /ban-to-chuc/ or /quan-tri/ must be guarded by ``role_required`` (directly
  or by its blueprint's guard), which refuses unit organisers unless the view is marked
  ``unit_scoped``;
* a guarded organiser route that is not ``unit_scoped`` must answer 403 with the scope
  message;
* a ``unit_scoped`` route must answer, and leak nothing of Y.
"""

from __future__ import annotations

import io
import re
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select
from werkzeug.routing import IntegerConverter

from contest.extensions import db as _db
from contest.models import Role, Unit, User
from contest.models.job import Job, JobStatus
from contest.web.security import is_unit_scoped
from tests.conftest import NOW
from tests.contest.test_english_pages import _fill
from tests.contest.test_english_pages import demo as demo  # noqa: F401  (the fixture)

UNIT_ORGANISER = "donvi@hoithi.example.vn"
SCOPE_TEXT = "dành cho Ban Tổ chức cấp tỉnh"
STAFF_PREFIXES = ("/ban-to-chuc/", "/quan-tri/")
# Routes whose page is the same for everyone signed in (or signs out): not about units.
SKIP = {"static", "bootstrap.static", "auth.logout"}
# The scope-aware pages that must show X's people (the demo participant lives in X).
SHOWS_X = {
    "organiser.list_participants": "Nguyễn Văn An",
    "results_admin.absent": "Phường Tân Phong",
    "results_admin.dashboard": "Phường Tân Phong",
    "results_admin.unit_results": "Phường Tân Phong",
}


def _roles(app, rule) -> frozenset:
    """The roles ``role_required`` demands for the rule: its blueprint's guards and the
    view's own decorator."""
    blueprint = rule.endpoint.rpartition(".")[0] or None
    guards = app.before_request_funcs.get(blueprint, []) if blueprint else []
    roles = set(getattr(app.view_functions[rule.endpoint], "required_roles", ()))
    for guard in guards:
        roles |= getattr(guard, "required_roles", set())
    return frozenset(roles)


def _path(rule, demo) -> str:
    path = _fill(rule, demo)
    if path is not None:
        return path
    values = {
        arg: demo.ids.get(
            arg, 987654 if isinstance(rule._converters[arg], IntegerConverter) else "x"
        )
        for arg in rule.arguments
    }
    return rule.build(values, append_unknown=False)[1]


def _text(response) -> str:
    """The response as text: an .xlsx's cells, else its body."""
    data = response.get_data()
    if data[:2] == b"PK":
        book = load_workbook(io.BytesIO(data), read_only=True)
        return "\n".join(
            str(cell)
            for sheet in book.worksheets
            for row in sheet.iter_rows(values_only=True)
            for cell in row
            if cell is not None
        )
    return data.decode("utf-8", "replace")  # a page, JSON, or a picture or PDF's bytes


@pytest.fixture
def scoped(demo, db):
    """X's and Y's people and units, a province organiser's job and the unit organiser's
    own job; the ids of Y's objects filled into the sweep's urls."""
    organiser = db.session.scalar(select(User).where(User.email == UNIT_ORGANISER))
    province = db.session.scalar(select(User).where(User.email == "bantochuc@hoithi.example.vn"))
    from contest.services import unit_scope

    scope = unit_scope.scope_of(organiser)
    assert scope and organiser.scope_unit.name == "Phường Tân Phong"
    people = db.session.scalars(select(User).where(User.role == Role.participant)).all()
    inside = [p for p in people if p.unit_id in scope]
    outside = [p for p in people if p.unit_id not in scope]
    assert inside and len(outside) > 50
    inside_names = {p.full_name for p in inside}
    ancestors = {organiser.scope_unit.parent.name}
    other_units = [
        u.name
        for u in db.session.scalars(select(Unit))
        if u.id not in scope and u.name not in ancestors
    ]
    markers = {p.phone for p in outside if p.phone} | {p.id_number for p in outside if p.id_number}
    names = {p.full_name for p in outside} - inside_names
    stranger = outside[0]
    demo.ids.update(user_id=stranger.id, participant_id=stranger.id, unit_id=stranger.unit_id)
    theirs = Job(
        kind="export:results",
        params={"round_id": demo.ids["round_id"], "kind": "results", "result_id": 1},
        dedupe_key="sweep-province",
        actor_id=province.id,
        status=JobStatus.done,
        result_name="ket-qua.xlsx",
        result_file=b"PK",
        summary={"rows": 1, "version": 1, "result_id": 1},
        created_at=NOW,
    )
    own = Job(
        kind="import:participants",
        params={"owner_id": organiser.id, "min_age": 6},
        dedupe_key="sweep-own",
        actor_id=organiser.id,
        status=JobStatus.done,
        summary={"created": 0, "generated": 0, "made_at": (NOW - timedelta(hours=2)).isoformat()},
        created_at=NOW,
    )
    db.session.add_all([theirs, own])
    db.session.commit()
    demo.ids["job_id"] = theirs.id
    return {
        "markers": markers,
        "names": names,
        "units": other_units,
        "own_job": own.id,
        "stranger": stranger,
    }


# The participant template's help quotes an example path, whatever the demo's units.
EXAMPLES = ("Xã Sìn Hồ / Trường THCS Sìn Hồ",)


def _leaks(text: str, scoped: dict, *, names: bool) -> list[str]:
    for example in EXAMPLES:
        text = text.replace(example, " ")
    found = [m for m in scoped["markers"] if m in text]
    if names:
        found += [n for n in scoped["names"] if n in text]
        found += [u for u in scoped["units"] if re.search(rf"(?<!\w){re.escape(u)}(?!\w)", text)]
    return found[:5]


def _sweep(app, client, demo, scoped):
    problems = []
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: (r.rule, r.endpoint)):
        if rule.endpoint in SKIP:
            continue
        roles = _roles(app, rule)
        staff = rule.rule.startswith(STAFF_PREFIXES)
        if staff and not roles:
            problems.append(f"{rule.endpoint}: an organiser route without role_required")
            continue
        organiser_route = Role.organiser in roles
        path = _path(rule, demo)
        for method in sorted(rule.methods & {"GET", "POST"}):
            response = client.open(path, method=method, data={})
            body = _text(response)
            where = f"{method} {rule.endpoint} {path} → {response.status_code}"
            if organiser_route and not is_unit_scoped(rule.endpoint):
                if response.status_code != 403 or SCOPE_TEXT not in body:
                    problems.append(f"{where}: not refused to a unit organiser")
                continue
            if response.status_code >= 500:
                problems.append(f"{where}: server error")
            leaked = _leaks(body, scoped, names=staff)
            if leaked:
                problems.append(f"{where}: shows other units' data {leaked}")
    return problems


def test_every_route_refuses_or_scopes_a_unit_organiser(app, client, demo, scoped, login):
    from contest.demo import DEMO_PASSWORD

    login(UNIT_ORGANISER, DEMO_PASSWORD)
    # Every route in one go: a server error is listed with the others, not raised.
    app.config.update(WTF_CSRF_ENABLED=False, PROPAGATE_TEST_ERRORS=False)
    try:
        problems = _sweep(app, client, demo, scoped)
    finally:
        app.config.update(WTF_CSRF_ENABLED=True, PROPAGATE_TEST_ERRORS=True)
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("endpoint", sorted(SHOWS_X))
def test_the_scoped_pages_show_the_own_units_people(app, client, demo, scoped, login, endpoint):
    from contest.demo import DEMO_PASSWORD

    login(UNIT_ORGANISER, DEMO_PASSWORD)
    rule = next(r for r in app.url_map.iter_rules() if r.endpoint == endpoint)
    response = client.get(_path(rule, demo))
    assert response.status_code == 200
    assert SHOWS_X[endpoint] in response.get_data(as_text=True)


def test_the_sweep_covers_the_scoped_pages(app):
    """The pages open to unit organisers are exactly these (a new one is a decision: add it
    here with a test of what it shows)."""
    scoped = {
        endpoint
        for endpoint, view in app.view_functions.items()
        if getattr(view, "unit_scoped", False)
    }
    assert scoped == {
        "organiser.dashboard",
        "organiser.list_participants",
        "organiser.export_participants",
        "organiser.reset_password",
        "organiser.import_participants",
        "organiser.participants_template",
        "organiser.download_passwords",
        "results_admin.dashboard",
        "results_admin.dashboard_xlsx",
        "results_admin.absent",
        "results_admin.absent_xlsx",
        "results_admin.targets",
        "results_admin.targets_xlsx",
        "results_admin.unit_results",
        "results_admin.unit_results_xlsx",
        "jobs.show",
        "jobs.status",
        "jobs.download",
    }


def test_a_unit_organiser_sees_only_their_own_scoped_jobs(client, demo, scoped, login):
    from contest.demo import DEMO_PASSWORD

    login(UNIT_ORGANISER, DEMO_PASSWORD)
    assert client.get(f"/ban-to-chuc/cong-viec/{demo.ids['job_id']}").status_code == 404
    assert client.get(f"/ban-to-chuc/cong-viec/{demo.ids['job_id']}/tai-ve").status_code == 404
    assert client.get(f"/ban-to-chuc/cong-viec/{scoped['own_job']}").status_code == 200


def test_a_province_organiser_is_not_limited(client, demo, scoped, login):
    from contest.demo import DEMO_PASSWORD

    login("bantochuc@hoithi.example.vn", DEMO_PASSWORD)
    page = client.get("/ban-to-chuc/thi-sinh", query_string={"q": scoped["stranger"].full_name})
    assert page.status_code == 200
    assert scoped["stranger"].full_name in page.get_data(as_text=True)
    assert client.get("/ban-to-chuc/cuoc-thi/").status_code == 200
    assert _db.session.get(User, scoped["stranger"].id) is not None
