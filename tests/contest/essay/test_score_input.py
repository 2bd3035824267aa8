"""Judges' decimal scores (issue 10, item 9): "7,25" and "7.25" both mean 7.25 (725
hundredths) in every score box; a malformed or out-of-range score gets a message naming the
criterion and nothing of the sheet is saved. Also the organiser's point fields."""

from __future__ import annotations

import pytest

from contest.models import Role
from contest.models.essay import Assignment, AssignmentStatus
from contest.services import essay_contests, essay_judging
from contest.services.errors import ValidationFailed
from tests.conftest import NOW, csrf_from
from tests.contest.essay.support import close_window, make_essay_contest, submitted_entry


@pytest.fixture
def sheet(db, make_user):
    """One judge's draft sheet on one entry; the rubric is Nội dung 60, Hình thức 20,
    Sáng tạo 20."""
    judge = make_user(Role.judge, unit_id=None, full_name="Giám Khảo Một")
    contest = make_essay_contest(db, judge_ids=[judge.id], judges_per_entry=1)
    submitted_entry(db, contest, make_user())
    close_window(db, contest)
    stage = essay_contests.stages_of(contest)[0]
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=1)
    db.session.commit()
    assignment = db.session.query(Assignment).filter_by(stage_id=stage.id).one()
    return assignment, essay_contests.criteria_of(contest), judge


def stored(assignment):
    return {s.criterion_id: s.points_x100 for s in assignment.scores}


def test_comma_and_point_are_both_decimal(db, sheet):
    assignment, (content, form, creative), _judge = sheet
    raw = {content.id: "7,25", form.id: "5,5", creative.id: "10.75"}
    essay_judging.save_scores(assignment, raw, "", submit=False, now=NOW)
    db.session.commit()
    assert stored(assignment) == {content.id: 725, form.id: 550, creative.id: 1075}
    essay_judging.save_scores(assignment, {**raw, form.id: "5.5"}, "", submit=True, now=NOW)
    assert assignment.total_x100 == 725 + 550 + 1075


@pytest.mark.parametrize(
    ("typed", "says"),
    [
        ("7,2,5", "Điểm «Hình thức» chưa đúng dạng số. Nhập số như 7 hoặc 7,25"),
        ("abc", "Điểm «Hình thức» chưa đúng dạng số."),
        ("1e3", "Điểm «Hình thức» chưa đúng dạng số."),
        ("NaN", "Điểm «Hình thức» chưa đúng dạng số."),
        ("٧", "Điểm «Hình thức» chưa đúng dạng số."),
        ("-1", "Điểm «Hình thức» phải từ 0 đến 20; chưa lưu điểm nào của phiếu."),
        ("20,25", "Điểm «Hình thức» phải từ 0 đến 20; chưa lưu điểm nào của phiếu."),
        ("7,3", "Điểm «Hình thức» chấm theo bước 0,25"),
    ],
)
def test_a_bad_box_saves_nothing_of_the_sheet(db, sheet, typed, says):
    assignment, (content, form, creative), _judge = sheet
    essay_judging.save_scores(assignment, {content.id: "30"}, "Nháp đầu", submit=False, now=NOW)
    db.session.commit()
    raw = {content.id: "45,5", form.id: typed, creative.id: "12"}
    for submit in (False, True):
        with pytest.raises(ValidationFailed) as caught:
            essay_judging.save_scores(assignment, raw, "Nháp mới", submit=submit, now=NOW)
        assert list(caught.value.fields) == [f"score_{form.id}"]
        assert str(caught.value.fields[f"score_{form.id}"]).startswith(says)
        db.session.rollback()
        db.session.refresh(assignment)
        assert stored(assignment) == {content.id: 3000}
        assert assignment.comment == "Nháp đầu"
        assert assignment.status is AssignmentStatus.draft


def post_sheet(client, assignment, values, action="draft"):
    data = {f"score_{cid}": value for cid, value in values.items()}
    data.update(
        csrf_token=csrf_from(client, f"/cham-bai/{assignment.id}"),
        comment="Bài tốt.",
        action=action,
    )
    return client.post(f"/cham-bai/{assignment.id}", data=data)


def test_the_sheet_page_reads_commas_and_points(client, db, login, sheet):
    assignment, (content, form, creative), judge = sheet
    login(judge)
    html = client.get(f"/cham-bai/{assignment.id}").get_data(as_text=True)
    assert 'type="text" inputmode="decimal"' in html and 'type="number"' not in html
    response = post_sheet(client, assignment, {content.id: "7,25", form.id: "5,5"})
    assert response.status_code == 303
    db.session.expire_all()
    assert stored(db.session.get(Assignment, assignment.id)) == {content.id: 725, form.id: 550}
    html = client.get(f"/cham-bai/{assignment.id}").get_data(as_text=True)
    assert 'value="7,25"' in html and 'value="5,5"' in html  # shown the Vietnamese way

    response = post_sheet(
        client, assignment, {content.id: "50", form.id: "1e3", creative.id: "٧"}, "submit"
    )
    assert response.status_code == 422
    html = response.get_data(as_text=True)
    assert "Điểm «Hình thức» chưa đúng dạng số." in html
    assert "Điểm «Sáng tạo» chưa đúng dạng số." in html
    assert 'value="1e3"' in html  # what was typed comes back to be corrected
    db.session.expire_all()
    again = db.session.get(Assignment, assignment.id)
    assert stored(again) == {content.id: 725, form.id: 550}
    assert again.status is AssignmentStatus.draft


@pytest.mark.parametrize(("typed", "hundredths"), [("12,5", 1250), ("12.5", 1250), ("20", 2000)])
def test_the_organisers_discrepancy_reads_commas_and_points(db, typed, hundredths):
    contest = make_essay_contest(db, discrepancy=typed)
    assert contest.essay_settings.discrepancy_x100 == hundredths


@pytest.mark.parametrize("typed", ["1e3", "٧", "NaN", "7,2,5", "-5"])
def test_the_organisers_discrepancy_refuses_malformed(db, typed):
    with pytest.raises(ValidationFailed) as caught:
        make_essay_contest(db, discrepancy=typed)
    assert "discrepancy" in caught.value.fields
