"""Closing a round, storing, re-closing, disqualifying and publishing results; the
organiser results pages and the public winners page (masked personal data, L3)."""

from __future__ import annotations

import itertools
import re
from datetime import date, timedelta
from html import unescape

import pytest
from sqlalchemy import func, select

from contest.models import (
    Attempt,
    AttemptStatus,
    AuditEntry,
    Category,
    Gender,
    PredictionTarget,
    Role,
    Round,
    User,
)
from contest.models.results import ResultRow, RoundResult
from contest.services import (
    attempt_saves,
    attempts,
    errors,
    exclusions,
    result_closing,
    result_pages,
    result_publishing,
)
from contest.services.passwords import hash_password
from question_bank.text import fold
from tests.conftest import NOW, PASSWORD, csrf_from, unique_phone, valid_cccd
from tests.contest.jobs.helpers import post_export

_HASH: list[str] = []
_number = itertools.count(1)


def password_hash() -> str:
    """One Argon2 hash for every helper-made account (hashing is slow by design)."""
    if not _HASH:
        _HASH.append(hash_password(PASSWORD))
    return _HASH[0]


@pytest.fixture
def people(db, unit, category):
    """``people(n, **fields)``: n participants (one shared password hash), committed."""

    def make(n, *, role=Role.participant, unit_id=None, category_id=None, birth=None):
        made = []
        for _ in range(n):
            k = next(_number)
            born = birth or date(1990 + k % 20, 1 + k % 12, 1 + k % 27)
            gender = Gender.female if k % 2 else Gender.male
            name = f"Người Thi {k}"
            made.append(
                User(
                    role=role,
                    full_name=name,
                    name_key=fold(name),
                    birth_date=born,
                    gender=gender,
                    id_number=valid_cccd(born, gender.value),
                    phone=unique_phone(),
                    email=f"nguoithi{k}@example.vn",
                    unit_id=unit_id or unit.id,
                    category_id=category_id or category.id,
                    password_hash=password_hash(),
                    created_at=NOW,
                )
            )
        db.session.add_all(made)
        db.session.commit()
        return made

    return make


def finished(
    db,
    round_,
    user,
    *,
    score,
    total=10,
    prediction=None,
    duration_ms=300_000,
    submitted_at=None,
    practice=False,
    status=AttemptStatus.submitted,
    number=None,
):
    """A finished attempt written directly (the attempt machine has its own tests)."""
    submitted_at = submitted_at or round_.opens_at + timedelta(hours=1)
    if number is None:
        number = (
            db.session.scalar(
                select(func.max(Attempt.number)).where(
                    Attempt.round_id == round_.id,
                    Attempt.participant_id == user.id,
                    Attempt.is_practice.is_(practice),
                )
            )
            or 0
        ) + 1
    attempt = Attempt(
        round_id=round_.id,
        participant_id=user.id,
        number=number,
        is_practice=practice,
        seed=1,
        status=status,
        started_at=submitted_at - timedelta(milliseconds=duration_ms),
        deadline=submitted_at + timedelta(minutes=5),
        submitted_at=submitted_at,
        score=score,
        total=total,
        duration_ms=duration_ms,
        prediction=prediction,
    )
    db.session.add(attempt)
    db.session.commit()
    return attempt


@pytest.fixture
def closed_round(make_round):
    """A round that closed an hour ago (published contest)."""

    def make(**settings):
        settings.setdefault(
            "prize_tiers",
            [
                {"name": "Giải Nhất", "count": 1},
                {"name": "Giải Nhì", "count": 1},
                {"name": "Giải Ba", "count": 1},
            ],
        )
        return make_round(
            opens_at=NOW - timedelta(days=7), closes_at=NOW - timedelta(hours=1), **settings
        )

    return make


def audits(db, action):
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


# --- closing -------------------------------------------------------------------------------


def test_close_round_end_to_end(db, make_round, make_user, people):
    """Real attempts through the attempt service: submitted, left open (finalised at
    close), practice (never ranks); staff never rank; the actual value is frozen."""
    r = make_round(
        question_count=4,
        allow_practice=True,
        prize_tiers=[{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 5}],
    )
    a, b, c = make_user(), make_user(), make_user()
    start = NOW - timedelta(minutes=30)

    def sit(user, right, prediction, practice=False, submit=True):
        attempt, _ = attempts.start_attempt(r, user, now=start, practice=practice)
        for item in attempt.questions[:right]:
            attempt_saves.save_answer(
                attempt,
                item.question_id,
                list(item.correct_option_ids),
                arrived_at=start + timedelta(minutes=1),
            )
        attempt_saves.save_prediction(attempt, prediction, arrived_at=start + timedelta(minutes=1))
        if submit:
            attempt_saves.submit_attempt(attempt, arrived_at=start + timedelta(minutes=2))
        db.session.commit()
        return attempt

    sit(a, 4, 2)  # perfect
    sit(b, 4, 7)  # perfect, worse prediction
    sit(c, 4, 2, practice=True)  # a perfect practice attempt never counts
    left_open = sit(c, 3, 1, submit=False)  # finalised at close from its saved answers
    staff = make_user(role=Role.organiser)

    r.closes_at = NOW - timedelta(minutes=1)
    db.session.commit()
    outcome = result_closing.close_round(r, actor=staff, now=NOW)
    db.session.commit()

    assert outcome.created and outcome.finalised == 1
    assert db.session.get(Attempt, left_open.id).status is AttemptStatus.expired
    result = outcome.result
    assert result.actual_value == 2 == r.actual_value  # a and b were perfect; practice not
    assert r.closed_at == NOW
    rows = db.session.scalars(
        select(ResultRow).where(ResultRow.result_id == result.id).order_by(ResultRow.rank)
    ).all()
    assert [(x.participant_id, x.score, x.prize) for x in rows] == [
        (a.id, 4, "Giải Nhất"),
        (b.id, 4, "Giải Nhì"),
        (c.id, 3, "Giải Nhì"),
    ]
    assert rows[0].decided_by == "prediction" and rows[1].decided_by == "score"
    assert len(result.inputs_hash) == 64
    (entry,) = audits(db, "round.close")
    assert entry.actor_id == staff.id and entry.details["winners"] == 3
    assert "id_number" not in str(entry.details)


def test_round_still_open_cannot_close(db, make_round):
    r = make_round()
    with pytest.raises(errors.RoundStillOpen):
        result_closing.close_round(r, actor=None, now=NOW)


def test_manual_target_needs_the_value_and_computed_targets_refuse_one(db, closed_round, people):
    manual = closed_round(prediction_target=PredictionTarget.manual)
    (p,) = people(1)
    finished(db, manual, p, score=5, prediction=40)
    with pytest.raises(errors.ActualValueNeeded):
        result_closing.close_round(manual, actor=None, now=NOW)
    db.session.rollback()
    outcome = result_closing.close_round(manual, actor=None, now=NOW, actual=42)
    assert outcome.result.actual_value == 42
    row = result_pages.row_of(outcome.result, p.id)
    assert row.distance == 2
    # Re-closing keeps the frozen manual value.
    assert result_closing.close_round(manual, actor=None, now=NOW).created is False

    computed = closed_round()
    with pytest.raises(errors.ValidationFailed):
        result_closing.close_round(computed, actor=None, now=NOW, actual=3)


def test_targets_participants_and_attempts(db, closed_round, people):
    p1, p2 = people(2)
    for target, expected in ((PredictionTarget.participants, 2), (PredictionTarget.attempts, 3)):
        r = closed_round(prediction_target=target)
        finished(db, r, p1, score=3)
        finished(db, r, p1, score=4)
        finished(db, r, p2, score=4)
        finished(db, r, p2, score=10, practice=True)
        assert result_closing.close_round(r, actor=None, now=NOW).result.actual_value == expected


def test_excluded_disqualified_and_staff_never_rank_and_do_not_count(db, closed_round, people):
    p1, p2, board, cheat = people(4)
    (judge,) = people(1, role=Role.judge)
    r = closed_round()
    for user in (p1, p2, board, cheat, judge):
        finished(db, r, user, score=10, total=10, prediction=1)
    exclusions.add_exclusion(r.contest, board, "Ban Tổ chức", round_=r, actor=None, now=NOW)
    result_publishing.disqualify(r, cheat.id, "Dùng nhiều tài khoản", actor=None, now=NOW)
    outcome = result_closing.close_round(r, actor=None, now=NOW)
    ranked = set(
        db.session.scalars(
            select(ResultRow.participant_id).where(ResultRow.result_id == outcome.result.id)
        )
    )
    assert ranked == {p1.id, p2.id}
    assert outcome.result.actual_value == 2  # perfect ELIGIBLE participants only


def test_reclosing_unchanged_stores_nothing(db, closed_round, people):
    r = closed_round()
    (p,) = people(1)
    finished(db, r, p, score=7)
    first = result_closing.close_round(r, actor=None, now=NOW)
    again = result_closing.close_round(r, actor=None, now=NOW + timedelta(minutes=5))
    assert again.created is False and again.result.id == first.result.id
    assert (
        db.session.scalar(select(func.count(RoundResult.id)).where(RoundResult.round_id == r.id))
        == 1
    )
    assert audits(db, "round.reclose")[-1].details["changed"] is False


def test_disqualification_after_publication_recomputes_and_never_changes_silently(
    db, closed_round, people, make_user
):
    r = closed_round()
    organiser = make_user(role=Role.organiser)
    gold, silver, bronze, fourth = people(4)
    for user, score in ((gold, 10), (silver, 9), (bronze, 8), (fourth, 7)):
        finished(db, r, user, score=score, prediction=0)
    first = result_closing.close_round(r, actor=organiser, now=NOW).result
    result_publishing.publish_result(r, first.id, actor=organiser, now=NOW, early=True)
    db.session.commit()

    outcome = result_publishing.disqualify(r, gold.id, "Gian lận", actor=organiser, now=NOW)
    db.session.commit()
    assert outcome.created and outcome.result.version == 2
    changes = outcome.changes
    assert changes["previous_published"] is True and changes["removed_total"] == 1
    by_id = {c["participant_id"]: (c["before"], c["after"]) for c in changes["prize_changes"]}
    assert by_id == {
        gold.id: ("Giải Nhất", None),
        silver.id: ("Giải Nhì", "Giải Nhất"),
        bronze.id: ("Giải Ba", "Giải Nhì"),
        fourth.id: (None, "Giải Ba"),
    }
    # The public still sees version 1 until an organiser publishes version 2.
    assert result_pages.published_result(r.id).id == first.id
    assert result_pages.published_row_of(r.id, gold.id).prize == "Giải Nhất"
    with pytest.raises(errors.ResultOutdated):
        result_publishing.publish_result(r, first.id, actor=organiser, now=NOW, early=True)
    result_publishing.publish_result(r, outcome.result.id, actor=organiser, now=NOW, early=True)
    assert result_pages.published_row_of(r.id, gold.id) is None
    (dq,) = audits(db, "result.disqualify")
    assert dq.details == {"participant_id": gold.id, "reason": "Gian lận"}
    reclose = audits(db, "round.reclose")[-1]
    assert reclose.details["changed"] is True and reclose.details["prize_changes"] == 4
    assert [e.details["version"] for e in audits(db, "result.publish")] == [1, 2]

    # Reinstating brings the first order back as a new version.
    back = result_publishing.reinstate(r, gold.id, actor=organiser, now=NOW)
    assert back.result.version == 3
    assert result_pages.row_of(back.result, gold.id).prize == "Giải Nhất"
    assert back.result.inputs_hash == first.inputs_hash


def test_once_per_contest_skips_earlier_winners(db, make_round, people):
    tiers = [{"name": "Giải Nhất", "count": 1}]
    first = make_round(
        opens_at=NOW - timedelta(days=14), closes_at=NOW - timedelta(days=7), prize_tiers=tiers
    )
    second = Round(
        contest_id=first.contest_id,
        name="Tuần 2",
        opens_at=NOW - timedelta(days=7),
        closes_at=NOW - timedelta(hours=1),
        bank_ids=first.bank_ids,
        created_at=NOW,
        published_at=NOW,
        prize_tiers=tiers,
        prize_options={"once_per_contest": True},
    )
    db.session.add(second)
    db.session.commit()
    star, other = people(2)
    finished(db, first, star, score=10)
    finished(db, second, star, score=10)
    finished(db, second, other, score=8)
    result_closing.close_round(first, actor=None, now=NOW)
    outcome = result_closing.close_round(second, actor=None, now=NOW)
    star_row = result_pages.row_of(outcome.result, star.id)
    assert star_row.rank == 1 and star_row.prize is None and star_row.note == "earlier_winner"
    assert result_pages.row_of(outcome.result, other.id).prize == "Giải Nhất"


def test_prize_options_min_score_cap_and_quotas(db, closed_round, people):
    pupils = db.session.scalar(select(Category).where(Category.name == "Học sinh, sinh viên"))
    cadres = Category(name="Cán bộ thử", position=9)
    db.session.add(cadres)
    db.session.commit()
    r = closed_round(
        prize_tiers=[{"name": "Giải Khuyến khích", "count": 10}],
        prize_options={"min_score": 5, "max_share": 0.5, "category_quotas": {str(pupils.id): 1}},
    )
    kids = people(3, category_id=pupils.id)
    adults = people(3, category_id=cadres.id)
    for i, user in enumerate(kids + adults):
        finished(db, r, user, score=10 - i)  # kids 10, 9, 8; adults 7, 6, 5
    result = result_closing.close_round(r, actor=None, now=NOW).result
    winners = [row.participant_id for row, _u in result_pages.winners(result)]
    # cap: 50 % of 6 = 3 prizes; one pupil at most; min score 5 allows everyone here.
    assert winners == [kids[0].id, adults[0].id, adults[1].id]
    assert result_pages.row_of(result, kids[1].id).note == "category_quota"


def test_collective_points_formula(db, closed_round, people, make_unit):
    big, small = make_unit("Xã Lớn", headcount=100), make_unit("Xã Nhỏ", headcount=4)
    r = closed_round(
        prize_tiers=[{"name": "Giải tập thể", "count": 1, "collective": True}],
        prize_options={"collective_method": "participation_rate"},
    )
    for user in people(3, unit_id=big.id):
        finished(db, r, user, score=5)
    for user in people(2, unit_id=small.id):
        finished(db, r, user, score=9)
    result = result_closing.close_round(r, actor=None, now=NOW).result
    by_unit = {u["unit_id"]: u for u in result.collective}
    assert by_unit[small.id]["rank"] == 1 and by_unit[small.id]["prize"] == "Giải tập thể"
    assert by_unit[small.id]["rate"] == 0.5 and by_unit[big.id]["rate"] == 0.03
    # Individual tiers: none; collective tiers never go to a person.
    assert result.winners == 0


def test_collective_methods_come_from_one_registry(
    app, client, db, organiser, closed_round, people
):
    """The prize options form offers the registry's methods in its words, and the units
    page states the method of the result in the registry's words."""
    from contest.results.forms import PrizeOptionsForm
    from contest.services.unit_ranking import POINT_CRITERIA, UNIT_METHODS

    with app.test_request_context("/"):
        form = PrizeOptionsForm(meta={"csrf": False})
        assert [c.value for c in form.collective_method.choices] == list(UNIT_METHODS)
        assert [c.label for c in form.collective_method.choices] == [
            str(m.choice) for m in UNIT_METHODS.values()
        ]
    r = closed_round(prize_options={"collective_method": "points"})
    (p,) = people(1)
    finished(db, r, p, score=3)
    result_closing.close_round(r, actor=None, now=NOW)
    db.session.commit()
    page = unescape(
        client.get(f"/ban-to-chuc/ket-qua/dot-thi/{r.id}/don-vi").get_data(as_text=True)
    )
    assert f"Xếp hạng {UNIT_METHODS['points'].text}." in page
    assert " / ".join(str(w) for w in POINT_CRITERIA.values()) in page


# --- pages ---------------------------------------------------------------------------------


@pytest.fixture
def organiser(make_user, login):
    user = make_user(role=Role.organiser)
    login(user)
    return user


def test_organiser_closes_filters_disqualifies_and_publishes(
    client, db, organiser, closed_round, people, make_unit
):
    r = closed_round()
    other_unit = make_unit("Trường THPT Thử")
    a, b = people(2)
    (c,) = people(1, unit_id=other_unit.id)
    for user, score in ((a, 9), (b, 8), (c, 7)):
        finished(db, r, user, score=score, prediction=3)
    page = f"/ban-to-chuc/ket-qua/dot-thi/{r.id}"
    html = client.get(page).get_data(as_text=True)
    assert "Đóng đợt thi và xếp hạng" in html
    response = client.post(f"{page}/dong", data={"csrf_token": csrf_from(client, page)})
    assert response.status_code == 302  # to the job's page, which says what closing did
    assert "Đã xếp hạng 3 người" in client.get(response.headers["Location"]).get_data(as_text=True)
    html = client.get(page).get_data(as_text=True)
    for key in ("Điểm", "Dự đoán", "Sai số", "Thời gian", "Nộp bài lúc", "Số lượt", "Mã lượt"):
        assert key in html
    filtered = client.get(f"{page}?unit_id={other_unit.id}").get_data(as_text=True)
    assert c.full_name in filtered and a.full_name not in filtered

    form = f"{page}/truat-quyen/{a.id}"
    assert (
        client.post(form, data={"csrf_token": csrf_from(client, form), "reason": ""}).status_code
        == 422
    )
    client.post(form, data={"csrf_token": csrf_from(client, form), "reason": "Thi hộ"})
    html = client.get(page).get_data(as_text=True)
    assert "Thi hộ" in html and "Thay đổi so với phiên bản 1" in html
    current = result_pages.current_result(r.id)
    assert current.version == 2 and result_pages.row_of(current, a.id) is None

    client.post(
        f"{page}/cong-bo",
        data={"csrf_token": csrf_from(client, page), "result_id": str(current.id), "early": "y"},
    )
    assert result_pages.published_result(r.id).id == current.id
    public = client.get(f"/dot-thi/{r.id}/ket-qua").get_data(as_text=True)
    assert b.full_name in public and a.full_name not in public


def test_participants_cannot_reach_organiser_results(client, db, login, make_user, closed_round):
    r = closed_round()
    login(make_user())
    for path in (
        f"/ban-to-chuc/ket-qua/dot-thi/{r.id}",
        "/ban-to-chuc/ket-qua/thong-ke",
    ):
        assert client.get(path).status_code == 403
    assert post_export(client, r.id, "results").status_code == 403


def test_winners_page_masks_personal_data_and_explains(client, db, closed_round, people, login):
    r = closed_round()
    a, b = people(2)
    finished(db, r, a, score=9, prediction=5, duration_ms=400_000)
    finished(db, r, b, score=9, prediction=5, duration_ms=300_000)
    assert "chưa được công bố" in client.get(f"/dot-thi/{r.id}/ket-qua").get_data(as_text=True)
    result = result_closing.close_round(r, actor=None, now=NOW).result
    result_publishing.publish_result(r, result.id, actor=None, now=NOW, early=True)
    db.session.commit()
    html = client.get(f"/dot-thi/{r.id}/ket-qua").get_data(as_text=True)
    for person in (a, b):
        assert person.full_name in html
        assert person.phone not in html and person.id_number not in html
        assert person.phone[:2] + "******" + person.phone[-2:] in html
        assert person.birth_date.isoformat() not in html
        assert person.birth_date.strftime("%d/%m/%Y") not in html
        assert str(person.birth_date.year) in html
    assert re.search(r'id="actual-value">0<', html)  # nobody was perfect
    assert "thời gian làm bài ngắn hơn" in html  # the chain, and b's reason
    assert "Xếp trên người hạng 2 vì thời gian làm bài ngắn hơn" in html
    assert html.index(b.full_name) < html.index(a.full_name)

    login(a)
    html = client.get(f"/dot-thi/{r.id}/ket-qua").get_data(as_text=True)
    assert "Thứ hạng của bạn" in html and "Hạng 2/2" in html


def test_contest_and_result_pages_link_to_the_published_winners(
    client, db, closed_round, people, login
):
    r = closed_round()
    (p,) = people(1)
    attempt = finished(db, r, p, score=4)
    result = result_closing.close_round(r, actor=None, now=NOW).result
    link = f"/dot-thi/{r.id}/ket-qua"
    assert link not in client.get(f"/cuoc-thi/{r.contest.slug}").get_data(as_text=True)
    result_publishing.publish_result(r, result.id, actor=None, now=NOW, early=True)
    db.session.commit()
    assert link in client.get(f"/cuoc-thi/{r.contest.slug}").get_data(as_text=True)
    login(p)
    html = client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert link in html and "Hạng 1/1" in html


def test_demo_round_is_closed_published_and_loaded_once(client, db, login):
    from contest.demo import load_demo
    from contest.demo.results import DEMO_ROUND_NAME, PARTICIPANTS

    load_demo(now=NOW)
    db.session.commit()
    round_ = db.session.scalar(select(Round).where(Round.name == DEMO_ROUND_NAME))
    result = result_pages.published_result(round_.id)
    assert round_.closed_at is not None and result is not None
    assert result.participants == PARTICIPANTS and result.winners == 16
    assert any(u["prize"] for u in result.collective)
    load_demo(now=NOW + timedelta(minutes=1))
    assert db.session.scalar(select(func.count(Round.id)).where(Round.name == DEMO_ROUND_NAME)) == 1
    html = client.get(f"/dot-thi/{round_.id}/ket-qua").get_data(as_text=True)
    assert html.count('class="list-group-item winner"') == 16
    from contest.demo import DEMO_PASSWORD

    login("bantochuc@hoithi.example.vn", DEMO_PASSWORD)
    assert client.get(f"/ban-to-chuc/ket-qua/thong-ke?round_id={round_.id}").status_code == 200
    assert client.get(f"/ban-to-chuc/ket-qua/dot-thi/{round_.id}/don-vi").status_code == 200
