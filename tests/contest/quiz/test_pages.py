"""Participant and organiser pages of quiz contests, and the quiz CLI."""

from __future__ import annotations

import html
import re
from datetime import timedelta

from sqlalchemy import select

from contest.models import Attempt, AttemptStatus, Contest, Role, Round
from contest.services import attempt_saves, attempts
from tests.conftest import NOW, csrf_from


def test_home_lists_published_contests_only(client, db, make_round):
    shown = make_round()
    hidden = make_round(published=False)
    html = client.get("/").get_data(as_text=True)
    assert shown.contest.title in html and hidden.contest.title not in html
    assert client.get(f"/cuoc-thi/{hidden.contest.slug}").status_code == 404


def test_contest_page_states_rules_and_tie_break(client, db, make_round):
    r = make_round(question_count=10, time_limit_minutes=15, max_attempts=3)
    upcoming = Round(
        contest_id=r.contest_id,
        name="Tuần 2",
        opens_at=NOW + timedelta(days=7),
        closes_at=NOW + timedelta(days=14),
        bank_ids=r.bank_ids,
        created_at=NOW,
        published_at=NOW,
    )
    db.session.add(upcoming)
    db.session.commit()
    html = client.get(f"/cuoc-thi/{r.contest.slug}").get_data(as_text=True)
    assert "10 câu hỏi, làm trong 15 phút" in html
    assert "Đang mở" in html and "Sắp mở" in html
    assert "dự đoán gần với đáp án câu hỏi dự đoán hơn" in html
    assert 'class="countdown' in html


def test_start_page_confirms_then_starts(client, db, login, make_round, make_user):
    r = make_round(max_attempts=3, time_limit_minutes=15)
    user = make_user()
    login(user)
    page = client.get(f"/dot-thi/{r.id}/bat-dau").get_data(as_text=True)
    assert "15 phút" in page and "Bạn còn 3 lượt thi trong đợt này" in page
    response = client.post(
        f"/dot-thi/{r.id}/bat-dau",
        data={"csrf_token": csrf_from(client, f"/dot-thi/{r.id}/bat-dau")},
    )
    assert response.status_code == 302 and "/luot-thi/" in response.location
    attempt = db.session.scalar(select(Attempt).where(Attempt.participant_id == user.id))
    quiz = client.get(f"/luot-thi/{attempt.id}")
    assert quiz.status_code == 200 and "quiz.js" in quiz.get_data(as_text=True)
    # quiz.js needs its modules first: storage and requests, the clock, the drawing.
    scripts = re.findall(r'<script src="/static/js/(quiz\w*\.js)', quiz.get_data(as_text=True))
    assert scripts == ["quiz_store.js", "quiz_clock.js", "quiz_view.js", "quiz.js"]
    assert "Tiếp tục làm bài" in client.get(f"/dot-thi/{r.id}/bat-dau").get_data(as_text=True)


def test_ineligible_participant_sees_the_reason(
    client, db, login, make_round, make_user, make_unit
):
    r = make_round(eligible_unit_ids=[make_unit("Trường Khác").id])
    login(make_user())
    assert "đơn vị của bạn không thuộc danh sách" in client.get(
        f"/dot-thi/{r.id}/bat-dau"
    ).get_data(as_text=True)


def test_result_page_and_history(client, db, login, make_round, make_user):
    r = make_round(question_count=4)
    user = make_user()
    attempt, _ = attempts.start_attempt(r, user, now=NOW - timedelta(minutes=1))
    for q in attempt.questions[:3]:
        attempt_saves.save_answer(attempt, q.question_id, q.correct_option_ids, arrived_at=NOW)
    attempt_saves.save_prediction(attempt, 77, arrived_at=NOW)
    attempt_saves.submit_attempt(attempt, arrived_at=NOW + timedelta(minutes=6, seconds=41))
    db.session.commit()
    login(user)
    assert client.get(f"/luot-thi/{attempt.id}").status_code == 302  # finished → result
    html = client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert "Kết quả của bạn: đúng 3/4 câu, thời gian 07:41" in html
    assert "Bạn còn 2 lượt thi trong đợt này" in html and ">77<" in html
    assert "Đáp án sẽ được công bố sau khi đợt thi kết thúc." in html
    assert "3/4" in client.get("/luot-thi-cua-toi").get_data(as_text=True)


def test_someone_elses_attempt_pages_are_forbidden(client, db, login, make_round, make_user):
    r = make_round()
    attempt, _ = attempts.start_attempt(r, make_user(), now=NOW)
    db.session.commit()
    login(make_user())
    for path in (
        f"/luot-thi/{attempt.id}",
        f"/luot-thi/{attempt.id}/ket-qua",
        f"/api/attempts/{attempt.id}",
    ):
        assert client.get(path).status_code == 403, path


def organiser(make_user, login):
    user = make_user(role=Role.organiser)
    login(user)
    return user


def test_organiser_creates_contest_and_round_and_previews(client, db, login, make_user, make_bank):
    organiser(make_user, login)
    # 20 questions: the quotas are exact, so the 7 others must be neither easy Đại hội nor hard.
    bank = make_bank(20)
    token = csrf_from(client, "/ban-to-chuc/cuoc-thi/moi")
    response = client.post(
        "/ban-to-chuc/cuoc-thi/moi",
        data={
            "title": "Cuộc thi thử <b>nghiệm</b>",
            "summary": "",
            "rules_text": "Dòng 1\n\nDòng 2",
            "csrf_token": token,
        },
    )
    assert response.status_code == 302
    contest = db.session.scalar(select(Contest).where(Contest.title.like("Cuộc thi thử%")))
    form = {
        "name": "Tuần 1",
        "opens_at": "2026-12-01T08:00",
        "closes_at": "2026-12-07T20:00",
        "question_count": "10",
        "time_limit_minutes": "15",
        "max_attempts": "3",
        "shuffle_questions": "y",
        "shuffle_options": "y",
        "review_policy": "after_close",
        "bank_ids": str(bank.id),
        "quotas": "Đại hội | Dễ | 2\n | Khó | 1",
        "prediction_text": "Bao nhiêu người đúng hết?",
        "prediction_target": "perfect_participants",
        "tie_break": "default",
        "prize_tiers": "Giải Nhất | 1\nGiải Nhì | 2",
        "csrf_token": csrf_from(client, f"/ban-to-chuc/cuoc-thi/{contest.id}/dot-thi/moi"),
    }
    response = client.post(f"/ban-to-chuc/cuoc-thi/{contest.id}/dot-thi/moi", data=form)
    assert response.status_code == 302, response.get_data(as_text=True)
    r = db.session.scalar(select(Round).where(Round.contest_id == contest.id))
    assert r.opens_at.hour == 1  # 08:00 in Vietnam is 01:00 UTC
    assert r.quotas == [
        {"topic": "Đại hội", "difficulty": "easy", "count": 2},
        {"topic": None, "difficulty": "hard", "count": 1},
    ]
    assert r.prize_tiers == [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}]
    preview = client.get(f"/ban-to-chuc/cuoc-thi/dot-thi/{r.id}/xem-truoc?seed=7")
    assert preview.status_code == 200 and preview.get_data(as_text=True).count("card-body") == 10
    listing = client.get("/ban-to-chuc/cuoc-thi/").get_data(as_text=True)
    assert "Cuộc thi thử &lt;b&gt;nghiệm&lt;/b&gt;" in listing  # escaped, never HTML


def test_round_with_too_small_a_pool_is_refused_with_a_message(
    client, db, login, make_user, make_round, make_bank
):
    organiser(make_user, login)
    r = make_round()
    small = make_bank(5)
    form = {
        "name": "Tuần 9",
        "opens_at": "2026-12-01T08:00",
        "closes_at": "2026-12-07T20:00",
        "question_count": "10",
        "time_limit_minutes": "15",
        "max_attempts": "3",
        "review_policy": "after_close",
        "bank_ids": str(small.id),
        "prediction_target": "perfect_participants",
        "tie_break": "default",
        "csrf_token": csrf_from(client, f"/ban-to-chuc/cuoc-thi/{r.contest_id}/dot-thi/moi"),
    }
    response = client.post(f"/ban-to-chuc/cuoc-thi/{r.contest_id}/dot-thi/moi", data=form)
    assert response.status_code == 422
    page = html.unescape(response.get_data(as_text=True))
    assert "Đề cần 10 câu nhưng ngân hàng chỉ có 5 câu đang dùng" in page
    assert db.session.scalar(select(Round).where(Round.name == "Tuần 9")) is None


def test_participants_cannot_reach_organiser_quiz_pages(client, db, login, make_user):
    login(make_user())
    assert client.get("/ban-to-chuc/cuoc-thi/").status_code == 403


def test_cli_create_round_and_finalise_overdue(runner, db, make_bank, make_round, make_user):
    bank = make_bank(12, name="Ngân hàng CLI")
    result = runner.invoke(
        args=[
            "quiz",
            "create-round",
            "--contest",
            "Cuộc thi CLI",
            "--round",
            "Tuần 1",
            "--bank",
            "Ngân hàng CLI",
            "--questions",
            "10",
            "--minutes",
            "15",
            "--max-attempts",
            "3",
            "--opens",
            "2026-12-01T08:00",
            "--closes",
            "2026-12-08T08:00+07:00",
            "--prediction-target",
            "participants",
            "--publish",
        ]
    )
    assert result.exit_code == 0, result.output
    round_id = int(result.output.strip())
    r = db.session.get(Round, round_id)
    assert r.bank_ids == [bank.id] and r.prediction_target.value == "participants"
    assert r.opens_at.hour == 1 and r.contest.is_published
    bad = runner.invoke(
        args=[
            "quiz",
            "create-round",
            "--contest",
            "X",
            "--round",
            "R",
            "--bank",
            "Không có",
            "--questions",
            "5",
            "--minutes",
            "5",
            "--max-attempts",
            "1",
            "--opens",
            "2026-12-01T08:00",
            "--closes",
            "2026-12-02T08:00",
        ]
    )
    assert bad.exit_code == 1

    live = make_round(time_limit_minutes=1)
    attempt, _ = attempts.start_attempt(live, make_user(), now=NOW - timedelta(minutes=5))
    db.session.commit()
    result = runner.invoke(args=["quiz", "finalise-overdue"])
    assert result.exit_code == 0 and result.output.strip() == "finalised 1"
    db.session.refresh(attempt)
    assert attempt.status is AttemptStatus.expired


def test_judges_land_on_their_queue_and_essay_contests_leave_quiz_pages(
    client, db, make_user, make_round
):
    from tests.conftest import PASSWORD

    judge = make_user(role=Role.judge)
    response = client.post(
        "/dang-nhap",
        data={"login": judge.phone, "password": PASSWORD, "csrf_token": csrf_from(client)},
    )
    assert response.status_code == 302 and response.location.endswith("/cham-bai/")
    essay = make_round().contest
    essay.kind = __import__("contest.models", fromlist=["ContestKind"]).ContestKind.essay
    db.session.commit()
    moved = client.get(f"/cuoc-thi/{essay.slug}")
    assert moved.status_code == 301 and f"/cuoc-thi-viet/{essay.slug}" in moved.location
