"""The result page and the attempt lists (issue 10, item 8): the review shows each
question's explanation when the round's policy allows it; practice attempts are marked as
practice wherever they are listed; a closed round never says how many attempts are left."""

from __future__ import annotations

from datetime import timedelta

import pytest

from contest.models import Question, ReviewPolicy
from contest.services import attempt_saves, attempts
from tests.conftest import NOW


def finished_attempt(db, round_, user, *, practice=False, now=NOW):
    attempt, _ = attempts.start_attempt(round_, user, now=now, practice=practice)
    attempt_saves.submit_attempt(attempt, arrived_at=now + timedelta(minutes=1))
    db.session.commit()
    return attempt


def explain(db, attempt):
    for q in attempt.questions:
        db.session.get(
            Question, q.question_id
        ).explanation = f"Vì sao câu {q.position + 1}: Đại hội lần thứ I họp tại Ma Cao."
    db.session.commit()


@pytest.mark.parametrize(
    ("policy", "shown"),
    [
        (ReviewPolicy.after_submit, True),
        (ReviewPolicy.after_close, False),
        (ReviewPolicy.never, False),
    ],
)
def test_review_shows_explanations_only_when_the_policy_allows(
    client, db, login, make_round, make_user, policy, shown
):
    r = make_round(question_count=3, review_policy=policy)
    user = make_user()
    attempt = finished_attempt(db, r, user)
    explain(db, attempt)
    login(user)
    page = client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert ("Vì sao câu 1: Đại hội lần thứ I họp tại Ma Cao." in page) is shown
    assert ('class="review-explanation' in page) is shown
    api = client.get(f"/api/attempts/{attempt.id}").get_json()
    assert all(("explanation" in q) is shown for q in api["questions"])
    if shown:
        assert api["questions"][0]["explanation"].startswith("Vì sao câu")


def test_after_close_review_shows_explanations_once_the_round_is_closed(
    client, db, login, make_round, make_user
):
    r = make_round(question_count=2, review_policy=ReviewPolicy.after_close)
    user = make_user()
    attempt = finished_attempt(db, r, user)
    explain(db, attempt)
    r.closed_at = NOW
    db.session.commit()
    login(user)
    page = client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert "Vì sao câu 2: Đại hội lần thứ I họp tại Ma Cao." in page


def test_no_explanation_during_the_attempt(client, db, login, make_round, make_user):
    r = make_round(question_count=2, review_policy=ReviewPolicy.after_submit)
    user = make_user()
    attempt, _ = attempts.start_attempt(r, user, now=NOW)
    db.session.commit()
    explain(db, attempt)
    login(user)
    for path in (f"/api/attempts/{attempt.id}", f"/luot-thi/{attempt.id}"):
        assert "Vì sao câu" not in client.get(path).get_data(as_text=True), path


def test_practice_is_marked_on_the_result_the_quiz_and_my_attempts(
    client, db, login, make_round, make_user
):
    r = make_round(question_count=2, allow_practice=True)
    user = make_user()
    practice, _ = attempts.start_attempt(r, user, now=NOW, practice=True)
    db.session.commit()
    login(user)
    quiz = client.get(f"/luot-thi/{practice.id}").get_data(as_text=True)
    assert 'class="badge practice-badge">Thi thử<' in quiz
    attempt_saves.submit_attempt(practice, arrived_at=NOW + timedelta(minutes=1))
    ranked = finished_attempt(db, r, user, now=NOW + timedelta(minutes=2))
    result = client.get(f"/luot-thi/{practice.id}/ket-qua").get_data(as_text=True)
    assert 'class="badge practice-badge">Thi thử<' in result
    assert "Đây là lượt thi thử: không tính điểm, không xếp hạng" in result
    assert "Bạn còn" not in result  # a practice attempt says nothing about ranked ones
    ranked_page = client.get(f"/luot-thi/{ranked.id}/ket-qua").get_data(as_text=True)
    assert "practice-badge" not in ranked_page and "Bạn còn 2 lượt thi" in ranked_page
    mine = client.get("/luot-thi-cua-toi").get_data(as_text=True)
    assert mine.count('class="badge practice-badge">Thi thử<') == 1


@pytest.mark.parametrize("how", ["closed_early", "past_close"])
def test_a_closed_round_never_says_attempts_are_left(client, db, login, make_round, make_user, how):
    r = make_round(question_count=2, max_attempts=3)
    user = make_user()
    attempt = finished_attempt(db, r, user, now=NOW - timedelta(hours=2))
    if how == "closed_early":
        r.closed_at = NOW - timedelta(hours=1)
    else:
        r.closes_at = NOW - timedelta(hours=1)
    db.session.commit()
    login(user)
    pages = [
        client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True),
        client.get(f"/cuoc-thi/{r.contest.slug}").get_data(as_text=True),
        client.get(f"/dot-thi/{r.id}/bat-dau").get_data(as_text=True),
    ]
    for page in pages:
        assert "Bạn còn" not in page and "lượt thi trong đợt này" not in page
        assert "Đợt thi đã kết thúc." in page
    assert "Thi lượt tiếp theo" not in pages[0]
