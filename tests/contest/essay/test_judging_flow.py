"""Judging end to end on the database: assignment without conflicts, blind sheets, the third
judge on a discrepancy, stages, prizes, publication, exports (E1, E3), anonymity (P2) and
ownership on every route (P1)."""

from __future__ import annotations

import io
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from sqlalchemy import select

from contest.models import AuditEntry, Role
from contest.models.essay import Assignment, AssignmentStatus
from contest.services import errors, essay_contests, essay_entries, essay_judging, essay_stages
from contest.services.errors import Conflict, ValidationFailed
from tests.conftest import NOW
from tests.contest.essay.support import (
    AUTHOR,
    COMPANY,
    WINDOWS_USER,
    close_window,
    docx_bytes,
    make_essay_contest,
    submitted_entry,
)


@pytest.fixture
def world(db, make_unit, make_user):
    """Four judges (three units and one without), four authors (two share a unit with a
    judge), a contest with 2 judges per entry and a threshold of 20, one entry each."""
    units = [make_unit(f"Đơn vị {n}") for n in range(4)]
    judges = [
        make_user(Role.judge, unit_id=units[n].id, full_name=f"Giám Khảo {n}") for n in range(3)
    ]
    judges.append(make_user(Role.judge, unit_id=None, full_name="Giám Khảo Tự Do"))
    contest = make_essay_contest(
        db,
        judge_ids=[j.id for j in judges],
        prize_tiers=[{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}],
    )
    authors = [make_user(unit_id=units[n].id, full_name=f"Tác Giả {n}") for n in (0, 1, 3, 3)]
    entries = [
        submitted_entry(db, contest, a, title=f"Bài số {i}", at=NOW - timedelta(hours=5 - i))
        for i, a in enumerate(authors)
    ]
    return {
        "contest": contest,
        "judges": judges,
        "authors": authors,
        "entries": entries,
        "units": units,
    }


def sheets_of(db, stage, entry):
    return list(
        db.session.scalars(
            select(Assignment)
            .where(Assignment.stage_id == stage.id, Assignment.entry_id == entry.id)
            .order_by(Assignment.is_extra, Assignment.id)
        )
    )


def score(db, assignment, points):
    criteria = essay_contests.criteria_of(assignment.stage.contest)
    essay_judging.save_scores(
        assignment,
        {c.id: str(p) for c, p in zip(criteria, points, strict=True)},
        "Nhận xét.",
        submit=True,
        now=NOW,
    )
    db.session.commit()


def test_assignment_waits_for_the_deadline_then_is_balanced_and_conflict_free(db, world):
    contest = world["contest"]
    stage = essay_contests.stages_of(contest)[0]
    with pytest.raises(Conflict):
        essay_judging.assign_stage(stage, actor=None, now=NOW)
    close_window(db, contest)
    result = essay_judging.assign_stage(stage, actor=None, now=NOW, seed=7)
    db.session.commit()
    assert result.created == 8 and not result.short
    loads = {w.judge.id: w.total for w in essay_judging.workload(stage)}
    assert max(loads.values()) - min(loads.values()) <= 1
    for entry in world["entries"]:
        chosen = sheets_of(db, stage, entry)
        assert len({a.judge_id for a in chosen}) == 2
        assert all(a.judge.unit_id != entry.participant.unit_id for a in chosen)
    again = essay_judging.assign_stage(stage, actor=None, now=NOW, seed=8)
    assert again.created == 0  # idempotent


def test_discrepancy_brings_a_third_judge_and_stages_lead_to_prizes(client, db, login, world):
    contest, entries = world["contest"], world["entries"]
    first, final = essay_contests.stages_of(contest)
    close_window(db, contest)
    essay_judging.assign_stage(first, actor=None, now=NOW, seed=3)
    db.session.commit()
    plan = {
        0: [(50, 15, 15), (30, 10, 5)],  # 80 vs 45: differ by 35 > 20
        1: [(55, 18, 17), (50, 15, 15)],  # 90, 80 → 85
        2: [(40, 10, 10), (40, 10, 10)],  # 60
        3: [(50, 15, 10), (45, 15, 15)],
    }  # 75, 75 → 75
    for index, entry in enumerate(entries):
        for assignment, points in zip(sheets_of(db, first, entry), plan[index], strict=True):
            score(db, assignment, points)
    third = [a for a in sheets_of(db, first, entries[0]) if a.is_extra]
    assert len(third) == 1
    assert third[0].judge.unit_id != entries[0].participant.unit_id
    assert third[0].judge_id not in {
        a.judge_id for a in sheets_of(db, first, entries[0]) if not a.is_extra
    }
    with pytest.raises(Conflict, match="chưa có điểm cuối cùng"):
        essay_stages.close_stage(first, actor=None, now=NOW)
    score(db, third[0], (40, 15, 15))  # 70: the official score (third_judge rule)
    results = essay_stages.close_stage(first, actor=None, now=NOW, seed=5)
    db.session.commit()
    assert [(r.entry_id, r.final_x100) for r in results] == [
        (entries[1].id, 8500),
        (entries[3].id, 7500),
        (entries[0].id, 7000),
        (entries[2].id, 6000),
    ]
    assert [r.advanced for r in results] == [True, True, False, False]
    fresh = list(db.session.scalars(select(Assignment).where(Assignment.stage_id == final.id)))
    assert len(fresh) == 4 and {a.entry_id for a in fresh} == {entries[1].id, entries[3].id}
    # Final stage: entries 1 and 3 tie on 80; entry 3 has the higher first criterion.
    for entry, points in ((entries[1], (48, 16, 16)), (entries[3], (52, 14, 14))):
        for assignment in sheets_of(db, final, entry):
            score(db, assignment, points)
    essay_stages.close_stage(final, actor=None, now=NOW)
    db.session.commit()
    assert [(se.entry_id, se.prize) for se in essay_stages.winners(contest)] == [
        (entries[3].id, "Giải Nhất"),
        (entries[1].id, "Giải Nhì"),
    ]
    # Results reach the public and the authors only once published.
    assert "chưa được công bố" in client.get(f"/cuoc-thi-viet/{contest.slug}/ket-qua").get_data(
        as_text=True
    )
    essay_stages.publish_results(contest, actor=None, now=NOW)
    db.session.commit()
    html = client.get(f"/cuoc-thi-viet/{contest.slug}/ket-qua").get_data(as_text=True)
    winner = world["authors"][3]
    assert "Giải Nhất" in html and winner.full_name in html and "80" in html
    assert winner.phone not in html and winner.email not in html
    assert winner.id_number not in html and "15/01/2000" not in html and "2000" in html
    login(winner)
    mine = client.get("/bai-du-thi-cua-toi").get_data(as_text=True)
    assert "Giải Nhất" in mine and "Chung khảo: điểm" in mine


def test_scores_are_validated_and_a_submitted_sheet_is_locked(db, world):
    contest = world["contest"]
    stage = essay_contests.stages_of(contest)[0]
    close_window(db, contest)
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=1)
    assignment = sheets_of(db, stage, world["entries"][2])[0]
    criteria = essay_contests.criteria_of(contest)
    for bad in ("7,3", "61", "-1", "abc"):
        with pytest.raises(ValidationFailed) as caught:
            essay_judging.save_scores(assignment, {criteria[0].id: bad}, "", submit=False, now=NOW)
        assert f"score_{criteria[0].id}" in caught.value.fields
    with pytest.raises(ValidationFailed):  # a submitted sheet needs every criterion
        essay_judging.save_scores(assignment, {criteria[0].id: "50"}, "", submit=True, now=NOW)
    essay_judging.save_scores(assignment, {criteria[0].id: "59,75"}, "Nháp", submit=False, now=NOW)
    assert assignment.status is AssignmentStatus.draft
    essay_judging.save_scores(
        assignment, {c.id: "10.25" for c in criteria}, "", submit=True, now=NOW
    )
    assert assignment.total_x100 == 3075
    with pytest.raises(errors.SheetSubmitted):
        essay_judging.save_scores(
            assignment, {c.id: "1" for c in criteria}, "", submit=False, now=NOW
        )


def test_manual_reassignment_respects_conflicts(db, world):
    contest = world["contest"]
    stage = essay_contests.stages_of(contest)[0]
    close_window(db, contest)
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=2)
    entry = world["entries"][0]  # author in unit 0: judge 0 may never score it
    assignment = sheets_of(db, stage, entry)[0]
    with pytest.raises(ValidationFailed) as caught:
        essay_judging.reassign(assignment, world["judges"][0].id, actor=None, now=NOW)
    assert "cùng đơn vị" in caught.value.fields["judge_id"]
    other = sheets_of(db, stage, entry)[1]
    with pytest.raises(ValidationFailed) as caught:
        essay_judging.reassign(assignment, other.judge_id, actor=None, now=NOW)
    assert "đã được phân công" in caught.value.fields["judge_id"]
    free = next(
        j
        for j in world["judges"][1:]
        if j.id not in {a.judge_id for a in sheets_of(db, stage, entry)}
    )
    essay_judging.reassign(assignment, free.id, actor=None, now=NOW)
    assert assignment.judge_id == free.id


def test_organiser_pages_assign_reassign_progress_and_exports(client, db, login, make_user, world):
    contest = world["contest"]
    entry = world["entries"][0]
    entry.versions[-1].title = '=HYPERLINK("http://x","bấm")'
    db.session.commit()
    close_window(db, contest)
    organiser = make_user(Role.organiser)
    login(organiser)
    stage = essay_contests.stages_of(contest)[0]
    base = f"/ban-to-chuc/cuoc-thi-viet/{contest.id}"
    assert (
        client.post(f"{base}/vong/{stage.id}/phan-cong", headers=login.headers).status_code == 303
    )
    page = client.get(f"{base}/vong/{stage.id}").get_data(as_text=True)
    assert "Khối lượng chấm" in page and entry.code in page
    assignment = sheets_of(db, stage, entry)[0]
    target = next(
        j
        for j in world["judges"][1:]
        if j.id not in {a.judge_id for a in sheets_of(db, stage, entry)}
    )
    moved = client.post(
        f"{base}/phieu/{assignment.id}/chuyen", headers=login.headers, data={"judge_id": target.id}
    )
    assert moved.status_code == 303
    db.session.expire_all()
    assert db.session.get(Assignment, assignment.id).judge_id == target.id
    for name in ("danh-sach", "phieu-cham"):
        response = client.get(f"{base}/xuat/{name}.xlsx")
        assert response.status_code == 200
        assert response.headers["Cache-Control"] == "no-store"
        book = load_workbook(io.BytesIO(response.data))
        cells = [c for ws in book.worksheets for row in ws.iter_rows() for c in row]
        assert not [c for c in cells if c.data_type == "f"]
        if name == "danh-sach":
            values = [c.value for c in cells]
            assert '\'=HYPERLINK("http://x","bấm")' in values
            assert world["authors"][0].full_name in values
    actions = set(
        db.session.scalars(select(AuditEntry.action).where(AuditEntry.actor_id == organiser.id))
    )
    assert {
        "essay.export_entries",
        "essay.export_scores",
        "essay.assign",
        "essay.reassign",
    } <= actions


def test_judge_sees_only_the_code_and_stripped_content(client, db, login, make_user, world):
    contest = world["contest"]
    author = make_user(full_name=AUTHOR, unit_id=world["units"][2].id)
    entry = essay_entries.create_entry(contest, author, now=NOW)
    essay_entries.attach_file(
        entry, docx_bytes(), filename=f"Bai du thi cua {AUTHOR}.docx", now=NOW
    )
    essay_entries.save_draft(entry, title="Đảng và tuổi trẻ", text="", now=NOW)
    essay_entries.submit_entry(entry, declared=True, now=NOW)
    db.session.commit()
    close_window(db, contest)
    stage = essay_contests.stages_of(contest)[0]
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=4)
    db.session.commit()
    mine = sheets_of(db, stage, entry)
    judge = mine[0].judge
    other = mine[1]
    score(db, other, (33.75, 11, 11))  # the other judge's score must never show
    login(judge)
    secrets_ = [
        AUTHOR,
        author.phone,
        author.email,
        author.id_number,
        author.unit.name,
        "Bai du thi cua",
        COMPANY,
        WINDOWS_USER,
        other.judge.full_name,
    ]
    for path in ("/cham-bai/", f"/cham-bai/{mine[0].id}"):
        response = client.get(path)
        html = response.get_data(as_text=True)
        assert response.status_code == 200 and entry.code in html
        for secret in secrets_:
            assert secret not in html, (path, secret)
        for shown in ("55,75", "55.75", "33.75", "33,75"):
            assert shown not in html
    download = client.get(f"/cham-bai/{mine[0].id}/tep")
    assert download.status_code == 200
    assert download.headers["Content-Disposition"] == f"attachment; filename={entry.code}.docx"
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert download.headers["Cache-Control"] == "no-store"
    assert "Last-Modified" not in download.headers and "ETag" not in download.headers
    header_text = "\n".join(f"{k}: {v}" for k, v in download.headers.items())
    with zipfile.ZipFile(io.BytesIO(download.data)) as archive:
        parts = b"".join(archive.read(n) for n in archive.namelist()) + archive.comment
        names = " ".join(archive.namelist())
    for secret in (AUTHOR, COMPANY, WINDOWS_USER, "HTTG", author.phone):
        assert secret.encode() not in parts and secret not in header_text and secret not in names
    assert "Đảng Cộng sản".encode() in parts


def test_pdf_is_never_served_to_judges(client, db, login, make_user, world):
    from tests.contest.essay.support import pdf_bytes

    contest = world["contest"]
    author = make_user(full_name=AUTHOR, unit_id=world["units"][2].id)
    entry = essay_entries.create_entry(contest, author, now=NOW)
    essay_entries.attach_file(entry, pdf_bytes(), filename="bai.pdf", now=NOW)
    essay_entries.save_draft(entry, title="Bài PDF", text="Nội dung gõ lại của bài PDF.", now=NOW)
    essay_entries.submit_entry(entry, declared=True, now=NOW)
    close_window(db, contest)
    stage = essay_contests.stages_of(contest)[0]
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=4)
    db.session.commit()
    assignment = sheets_of(db, stage, entry)[0]
    login(assignment.judge)
    html = client.get(f"/cham-bai/{assignment.id}").get_data(as_text=True)
    assert "Nội dung gõ lại của bài PDF." in html and "/tep" not in html
    assert client.get(f"/cham-bai/{assignment.id}/tep").status_code == 404


# --- P1: someone else's ids on every route -------------------------------------------------


def test_participant_routes_refuse_another_participants_entry(client, db, login, make_user, world):
    victim = world["entries"][0]
    contest = world["contest"]
    intruder = make_user()
    own = essay_entries.create_entry(contest, intruder, now=NOW)
    db.session.commit()
    login(intruder)
    h = login.headers
    calls = [
        ("get", f"/bai-du-thi/{victim.id}", {}),
        ("post", f"/bai-du-thi/{victim.id}", {"data": {"title": "x", "text": "y"}}),
        ("post", f"/bai-du-thi/{victim.id}/tu-dong-luu", {"json": {"title": "x", "seq": 99}}),
        (
            "post",
            f"/bai-du-thi/{victim.id}/tai-tep",
            {
                "data": {"file": (io.BytesIO(docx_bytes()), "a.docx")},
                "content_type": "multipart/form-data",
            },
        ),
        ("post", f"/bai-du-thi/{victim.id}/go-tep", {}),
        ("post", f"/bai-du-thi/{victim.id}/nop-bai", {"data": {"declaration": "y"}}),
        ("get", f"/bai-du-thi/{victim.id}/tep/1", {}),
        ("get", f"/bai-du-thi/{own.id}/tep/{999999}", {}),
        ("get", "/cham-bai/", {}),
        ("get", f"/ban-to-chuc/cuoc-thi-viet/{contest.id}", {}),
    ]
    for method, path, kwargs in calls:
        response = getattr(client, method)(path, headers=h, **kwargs)
        assert response.status_code in (403, 404), (path, response.status_code)
    db.session.expire_all()
    assert victim.title == "Bài số 0" and victim.versions[-1].number == 1


def test_judge_routes_refuse_another_judges_sheet(client, db, login, world):
    contest = world["contest"]
    stage = essay_contests.stages_of(contest)[0]
    close_window(db, contest)
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=9)
    db.session.commit()
    judge = world["judges"][3]
    foreign = db.session.scalars(select(Assignment).where(Assignment.judge_id != judge.id)).first()
    login(judge)
    for method, path, kwargs in (
        ("get", f"/cham-bai/{foreign.id}", {}),
        ("post", f"/cham-bai/{foreign.id}", {"data": {"action": "submit"}}),
        ("get", f"/cham-bai/{foreign.id}/tep", {}),
        ("get", f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/xuat/danh-sach.xlsx", {}),
        ("get", f"/bai-du-thi/{world['entries'][0].id}", {}),
    ):
        response = getattr(client, method)(path, headers=login.headers, **kwargs)
        assert response.status_code in (403, 404), (path, response.status_code)
    assert db.session.get(Assignment, foreign.id).status is AssignmentStatus.assigned


def test_organiser_routes_need_the_organiser_and_matching_ids(client, db, login, make_user, world):
    contest = world["contest"]
    other = make_essay_contest(db, title="Cuộc thi viết khác")
    entry = world["entries"][0]
    stage = essay_contests.stages_of(contest)[0]
    close_window(db, contest)
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=1)
    db.session.commit()
    assignment = db.session.scalars(select(Assignment)).first()
    base = f"/ban-to-chuc/cuoc-thi-viet/{contest.id}"
    routes = [
        ("get", f"{base}"),
        ("get", f"{base}/sua"),
        ("get", f"{base}/bai/{entry.id}"),
        ("get", f"{base}/vong/{stage.id}"),
        ("get", f"{base}/ket-qua"),
        ("get", f"{base}/xuat/danh-sach.xlsx"),
        ("get", f"{base}/xuat/phieu-cham.xlsx"),
        ("post", f"{base}/vong/{stage.id}/phan-cong"),
        ("post", f"{base}/vong/{stage.id}/ket-thuc"),
        ("post", f"{base}/cong-bo-ket-qua"),
        ("post", f"{base}/cong-bo"),
        ("post", f"{base}/bai/{entry.id}/loai"),
        ("post", f"{base}/phieu/{assignment.id}/chuyen"),
    ]
    login(make_user())  # a participant
    for method, path in routes:
        assert getattr(client, method)(path, headers=login.headers).status_code == 403, path
    login(make_user(Role.organiser))
    wrong = f"/ban-to-chuc/cuoc-thi-viet/{other.id}"
    for path in (
        f"{wrong}/bai/{entry.id}",
        f"{wrong}/vong/{stage.id}",
        f"{wrong}/bai/{entry.id}/tep/1",
    ):
        assert client.get(path).status_code == 404, path
    assert (
        client.post(
            f"{wrong}/phieu/{assignment.id}/chuyen", headers=login.headers, data={"judge_id": 1}
        ).status_code
        == 404
    )
