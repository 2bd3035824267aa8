"""Unit organisers (issue 15 item 1), seen from an attacker holding a unit organiser's
account: what the security review found and what must stay shut — the answer keys on the
statistics page, a background import outliving the account's rights, the scope following
the unit tree and the account's state at once. The route sweep is
tests/contest/test_unit_scope_sweep.py; the rules themselves test_unit_organisers.py."""

# ruff: noqa: F811  (the fixtures imported from the other tests)
from __future__ import annotations

import io

import openpyxl
import pytest
from sqlalchemy import func, select

from contest.models import Role, User
from contest.services import accounts
from tests.conftest import NOW
from tests.contest.results.test_participation import world  # noqa: F401
from tests.contest.results.test_results import finished, password_hash, people  # noqa: F401
from tests.contest.results.test_stats import sat_round  # noqa: F401
from tests.contest.services.test_user_import import person, xlsx

STATS = "/ban-to-chuc/ket-qua/thong-ke"


@pytest.fixture
def school_organiser(db, sat_round, make_user):
    """The organiser of the statistics round's school (two of its six sat it)."""
    _round, school, _question = sat_round
    user = make_user(Role.organiser, full_name="Ban Tổ chức Trường Thống Kê", unit_id=None)
    user.scope_unit_id = school.id
    db.session.commit()
    return user


def _cells(data: bytes) -> str:
    book = openpyxl.load_workbook(io.BytesIO(data), read_only=True)
    return "\n".join(
        f"{sheet.title}: {cell}"
        for sheet in book.worksheets
        for row in sheet.iter_rows(values_only=True)
        for cell in row
        if cell is not None
    )


# --- the statistics: the banks' questions and keys are the province's ---------------------------


def test_the_statistics_show_a_unit_organiser_no_question_nor_answer_key(
    client, login, sat_round, school_organiser
):
    """The «most missed questions» table quotes the bank's questions with their answer key:
    a unit organiser (the banks are refused to them) would read the key of a round still
    open and could pass it on to their people. They get the figures, not the questions."""
    r, _school, _question = sat_round
    login(school_organiser)
    page = client.get(f"{STATS}?round_id={r.id}")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert 'id="stat-participants">2<' in html  # their two people's figures
    assert 'id="missed"' not in html and "Câu hỏi bị trả lời sai nhiều nhất" not in html
    assert "Phương án B" not in html and "Câu hỏi số" not in html
    data = client.get(f"{STATS}.xlsx?round_id={r.id}").get_data()
    cells = _cells(data)
    assert "Theo đơn vị" in cells and "Câu sai nhiều" not in cells
    assert "Phương án B" not in cells and "Câu hỏi số" not in cells


def test_a_province_organiser_still_sees_the_most_missed_questions(
    client, login, sat_round, make_user
):
    r, _school, _question = sat_round
    login(make_user(Role.organiser))
    html = client.get(f"{STATS}?round_id={r.id}").get_data(as_text=True)
    assert 'id="missed"' in html and "Phương án B" in html
    cells = _cells(client.get(f"{STATS}.xlsx?round_id={r.id}").get_data())
    assert "Câu sai nhiều" in cells and "Phương án B" in cells


# --- a background import acts only while its account may import --------------------------------


def _import_job(db, world, organiser):
    from contest.jobs import imports as job_imports

    data = xlsx(
        [person("Lò Văn Một", unit="Xã Hoà Lợi"), person("Lò Văn Hai", unit="Huyện Bến Cát")]
    )
    return job_imports.params_for(data, owner=organiser, min_age=12)


@pytest.mark.parametrize("change", ["demoted", "locked"])
def test_a_queued_import_does_not_run_for_an_account_that_lost_its_rights(
    db, world, make_user, change
):
    """A unit organiser queues a big list naming another unit; before a worker runs it the
    admin makes them a participant (the scope is dropped with the organiser role) or locks
    the account. The job must not import then — a participant has no scope, which would
    read as "every unit" — and nothing is created."""
    from contest.jobs import imports as job_imports
    from contest.services.errors import DomainError

    organiser = make_user(Role.organiser, unit_id=None)
    organiser.scope_unit_id = world["a"].id
    db.session.commit()
    params = _import_job(db, world, organiser)
    admin = make_user(Role.admin)
    if change == "demoted":
        accounts.set_role(organiser, Role.participant, actor=admin, now=NOW)
    else:
        accounts.set_active(organiser, False, actor=admin, now=NOW)
    db.session.commit()
    before = db.session.scalar(select(func.count(User.id)))
    with pytest.raises(DomainError) as exc:
        job_imports.run_import(params, now=NOW, actor=organiser, progress=lambda *a: None)
    assert "không còn quyền nhập" in str(exc.value)
    db.session.rollback()
    assert db.session.scalar(select(func.count(User.id))) == before
    with pytest.raises(DomainError):
        job_imports.run_import(params, now=NOW, actor=None, progress=lambda *a: None)


def test_a_queued_import_of_a_province_organiser_still_runs(db, world, make_user):
    from contest.jobs import imports as job_imports

    organiser = make_user(Role.organiser, unit_id=None)
    params = _import_job(db, world, organiser)
    outcome = job_imports.run_import(params, now=NOW, actor=organiser, progress=lambda *a: None)
    assert outcome.summary["created"] == 2


# --- the scope follows the tree and the account, at once ----------------------------------------


@pytest.fixture
def district_organiser(db, world, make_user):
    user = make_user(Role.organiser, full_name="Ban Tổ chức Huyện An Bình", unit_id=None)
    user.scope_unit_id = world["a"].id
    db.session.commit()
    return user


def _listed(client, name: str) -> bool:
    """Whether the participants list shows ``name`` in its table (the page also quotes
    the search, so the whole list is read)."""
    page = client.get("/ban-to-chuc/thi-sinh")
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    return "<table" in html and name in html.split("<table", 1)[1]


def test_the_scope_follows_units_moved_in_the_tree(client, db, login, world, district_organiser):
    """A unit moved under the organiser's unit brings its people into the scope on the next
    request; moved away, it takes them out (the scope is read from the tree each time)."""
    login(district_organiser)
    b_person = world["people"]["b_never"]
    c_person = world["people"]["c_never"]
    assert not _listed(client, b_person.full_name) and _listed(client, c_person.full_name)
    world["b"].parent_id = world["a"].id
    world["commune"].parent_id = None
    db.session.commit()
    assert _listed(client, b_person.full_name)
    assert not _listed(client, c_person.full_name)
    reset = client.post(
        f"/ban-to-chuc/thi-sinh/{c_person.id}/dat-lai-mat-khau",
        data={"csrf_token": _csrf(client)},
    )
    assert reset.status_code == 404


def test_a_participant_moving_unit_leaves_or_enters_the_scope(
    client, db, login, world, district_organiser
):
    login(district_organiser)
    person_ = world["people"]["a_never"]
    assert _listed(client, person_.full_name)
    person_.unit_id = world["b"].id  # the participant chose another unit on their profile
    db.session.commit()
    assert not _listed(client, person_.full_name)
    stranger = world["people"]["b_never"]
    stranger.unit_id = world["commune"].id
    db.session.commit()
    assert _listed(client, stranger.full_name)


def _csrf(client) -> str:
    from tests.conftest import csrf_from

    return csrf_from(client, "/ban-to-chuc/thi-sinh")


@pytest.mark.parametrize("change", ["locked", "participant", "judge", "province", "other unit"])
def test_a_changed_account_loses_the_old_access_at_the_next_request(
    client, db, login, world, district_organiser, make_user, change
):
    from contest.services import unit_scope

    login(district_organiser)
    assert client.get("/ban-to-chuc/thi-sinh").status_code == 200
    admin = make_user(Role.admin)
    if change == "locked":
        accounts.set_active(district_organiser, False, actor=admin, now=NOW)
    elif change in ("participant", "judge"):
        accounts.set_role(district_organiser, Role[change], actor=admin, now=NOW)
        assert district_organiser.scope_unit_id is None
    else:
        unit = None if change == "province" else world["b"].id
        unit_scope.set_scope(district_organiser, unit, actor=admin, now=NOW)
    db.session.commit()
    # Signed out everywhere: the old cookie loads nobody, every organiser page asks to sign in.
    for path in ("/ban-to-chuc/thi-sinh", "/ban-to-chuc/ket-qua/chua-tham-gia", STATS):
        response = client.get(path)
        assert response.status_code == 302 and "/dang-nhap" in response.headers["Location"]


# --- the temporary passwords belong to the scope they were made in ------------------------------


def _narrow(db, organiser, unit, make_user):
    from contest.services import unit_scope

    unit_scope.set_scope(organiser, unit.id, actor=make_user(Role.admin), now=NOW)
    db.session.commit()


def test_a_narrowed_organiser_cannot_fetch_the_passwords_made_before(
    client, db, login, world, make_user
):
    """A province organiser imports people of every unit (temporary passwords, kept for an
    hour); the admin then narrows them to one district. Signed in again in the same browser,
    the sheet made before — people outside the new scope — is no longer theirs to fetch."""
    from tests.contest.services.test_user_import import upload

    organiser = make_user(Role.organiser, unit_id=None)
    login(organiser)
    rows = [person("Lò Văn Một", unit="Xã Hoà Lợi"), person("Lò Văn Hai", unit="Huyện Bến Cát")]
    assert upload(client, login, xlsx(rows)).status_code == 302
    sheet = "/ban-to-chuc/thi-sinh/mat-khau-tam.xlsx"
    _narrow(db, organiser, world["a"], make_user)
    login(organiser)
    assert client.get(sheet).status_code == 404


def test_a_narrowed_organiser_cannot_fetch_an_import_jobs_passwords_made_before(
    client, db, login, world, make_user, monkeypatch
):
    from contest.models.job import Job
    from contest.services import user_import
    from tests.contest.services.test_user_import import upload

    monkeypatch.setattr(user_import, "WEB_MAX_ROWS", 1)  # two rows run as a job
    organiser = make_user(Role.organiser, unit_id=None)
    login(organiser)
    rows = [person("Lò Văn Một", unit="Xã Hoà Lợi"), person("Lò Văn Hai", unit="Huyện Bến Cát")]
    response = upload(client, login, xlsx(rows))
    job_id = int(response.headers["Location"].rsplit("/", 1)[1])
    assert db.session.get(Job, job_id).result_file is not None
    download = f"/ban-to-chuc/cong-viec/{job_id}/tai-ve"
    _narrow(db, organiser, world["a"], make_user)
    login(organiser)
    assert client.get(download).status_code == 404


# --- what the pages tell a unit organiser --------------------------------------------------------


def test_the_pages_tell_a_unit_organiser_what_they_can_do(client, login, world, district_organiser):
    """No target yet: the page says the province sets them (there is no «Đặt chỉ tiêu» for
    them to press); a province page's 403 leads back to their own pages."""
    login(district_organiser)
    contest_id = world["round"].contest_id
    html = client.get(f"/ban-to-chuc/ket-qua/chi-tieu?contest_id={contest_id}").get_data(True)
    assert 'id="no-unit-target"' in html and "Bấm «Đặt chỉ tiêu»" not in html
    refused = client.get("/ban-to-chuc/don-vi")
    assert refused.status_code == 403
    assert 'href="/ban-to-chuc/"' in refused.get_data(as_text=True).split("<main", 1)[1]
