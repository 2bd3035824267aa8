"""Issue 14 items 3 and 4: item statistics flag a wrong key; a participant disputes it in
the challenge window; the organiser changes the key; every finished attempt is regraded,
the result is recomputed as a new version with the rank diff, and published on purpose."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select

from contest.models import Attempt, AuditEntry, Role
from contest.models.disputes import Dispute, KeyRevision
from contest.models.results import ResultRow
from contest.services import (
    answer_keys,
    disputes,
    grading,
    item_report,
    item_stats,
    rank_diff,
    regrade,
    result_closing,
    result_pages,
    result_publishing,
)
from contest.services.errors import ChallengeWindowOpen, Conflict, ValidationFailed
from tests.conftest import NOW, csrf_from
from tests.contest.disputes.helpers import CLOSED_AT, option_id, questions_of, sit

TIERS = [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]


@pytest.fixture
def scene(db, make_bank, make_round, make_user):
    """Question 1's key says B; the six strong participants answer C (and the rest right),
    six weak ones answer B and the rest wrong, and one lucky participant answers B, B, B."""
    bank = make_bank(n=3)
    r = make_round(
        bank,
        opens_at=NOW - timedelta(days=2),
        closes_at=CLOSED_AT,
        question_count=3,
        prize_tiers=TIERS,
    )
    qs = questions_of(db, bank, 3)
    strong = [make_user() for _ in range(6)]
    weak = [make_user() for _ in range(6)]
    lucky = make_user()
    base = r.opens_at + timedelta(hours=1)
    for i, u in enumerate(strong):
        sit(db, r, u, qs, ["C", "B", "B"], at=base + timedelta(minutes=i))
    for i, u in enumerate(weak):
        sit(db, r, u, qs, ["B", "A", "A"], at=base + timedelta(minutes=10 + i))
    sit(db, r, lucky, qs, ["B", "B", "B"], at=base + timedelta(minutes=30))
    return r, qs, strong, weak, lucky


def test_grading_accepts_further_sets_and_voids():
    item = grading.PaperItem(1, frozenset({2}), 1, (frozenset({3}),))
    assert grading.grade([item], {1: [3]}).score == 1
    assert grading.grade([item], {1: [4]}).score == 0
    void = grading.PaperItem(1, frozenset({2}), 2, (), True)
    assert grading.grade([void], {}).score == 2


def test_item_statistics_flag_the_wrong_key(db, scene):
    r, qs, *_ = scene
    report = item_report.round_report(r.id)
    first = next(row for row in report.rows if row.question.id == qs[0].id)
    s = first.stats
    assert s.served == 13 and s.flags[0] == item_stats.STRONG_CHOOSE_OTHER
    assert item_stats.NEGATIVE in s.flags and s.discrimination < 0
    assert first.letters[s.suspect_option] == "C"
    others = [row for row in report.rows if row.question.id != qs[0].id]
    assert not any(row.stats.suspect for row in others)
    assert all(row.stats.discrimination > 0.9 for row in others)


def test_item_statistics_pure_figures():
    items = {1: item_stats.Item(1, (10, 11), grading.PaperItem(1, frozenset({10})))}
    responses = [(i, {1: frozenset({10 if i % 2 else 11})}) for i in range(20)]
    (s,) = item_stats.item_statistics(items, responses)
    assert s.facility == 0.5 and s.blank == 0
    assert [o.share for o in s.options] == [0.5, 0.5]
    assert s.point_biserial is None  # the rest score does not vary


def test_dispute_window_limits_and_one_per_question(db, scene):
    r, qs, strong, _weak, _lucky = scene
    attempt = db.session.scalar(select(Attempt).where(Attempt.participant_id == strong[0].id))
    with pytest.raises(ValidationFailed):
        disputes.file_dispute(attempt, qs[0].id, "ngắn", actor=strong[0], now=NOW)
    with pytest.raises(ValidationFailed):
        disputes.file_dispute(attempt, qs[0].id, "x" * 1001, actor=strong[0], now=NOW)
    disputes.file_dispute(
        attempt, qs[0].id, "Đáp án đúng phải là C theo văn kiện.", actor=strong[0], now=NOW
    )
    with pytest.raises(Conflict, match="đã khiếu nại"):
        disputes.file_dispute(attempt, qs[0].id, "Khiếu nại lần thứ hai.", actor=strong[0], now=NOW)
    late = NOW + timedelta(days=3)
    with pytest.raises(Conflict, match="đã kết thúc"):
        disputes.file_dispute(
            attempt, qs[1].id, "Câu này cũng sai đáp án.", actor=strong[0], now=late
        )
    with pytest.raises(Conflict, match="sau khi đợt thi kết thúc"):
        disputes.file_dispute(
            attempt,
            qs[1].id,
            "Câu này cũng sai đáp án.",
            actor=strong[0],
            now=CLOSED_AT - timedelta(hours=1),
        )


def test_change_key_regrades_recomputes_and_shows_the_rank_diff(db, scene, make_user):
    r, qs, strong, weak, lucky = scene
    organiser = make_user(Role.organiser)
    first = result_closing.close_round(r, actor=organiser, now=NOW).result
    top = result_pages.winners(first)
    assert top[0][1].id == lucky.id
    with pytest.raises(ChallengeWindowOpen):
        result_publishing.publish_result(r, first.id, actor=organiser, now=NOW)
    revision = answer_keys.revise_key(
        qs[0],
        "change",
        [option_id(db, qs[0], "C")],
        "Sai đáp án",
        round_=r,
        actor=organiser,
        now=NOW,
    )
    assert revision.revision == 1 and revision.previous["accepted"] == [[option_id(db, qs[0], "B")]]
    outcome = regrade.regrade_round(r, actor=organiser, now=NOW)
    db.session.commit()
    assert outcome.regraded == 13 and outcome.changed == 13
    scores = dict(db.session.execute(select(Attempt.participant_id, Attempt.score)).all())
    assert scores[strong[0].id] == 3 and scores[weak[0].id] == 0 and scores[lucky.id] == 2
    second = outcome.close.result
    assert second.version == 2 and second.inputs_hash != first.inputs_hash
    assert second.settings["keys"] == {str(qs[0].id): 1}
    diff = rank_diff.compare(rank_diff.baseline(r.id), second)
    lost = next(m for m in diff.prize_changes if m.participant_id == lucky.id)
    assert lost.prize_before == "Giải Nhất" and lost.prize_after is None
    assert diff.moved >= 1
    # The served paper keeps what was shown.
    paper = db.session.scalar(select(Attempt).where(Attempt.participant_id == lucky.id)).questions
    assert paper[0].correct_option_ids == [option_id(db, qs[0], "B")]
    # A second regrade changes nothing; a void gives everyone the point.
    assert regrade.regrade_round(r, actor=organiser, now=NOW).changed == 0
    answer_keys.revise_key(qs[0], "void", [], "Câu hỏi mơ hồ", round_=r, actor=organiser, now=NOW)
    regrade.regrade_round(r, actor=organiser, now=NOW)
    scores = dict(db.session.execute(select(Attempt.participant_id, Attempt.score)).all())
    assert scores[weak[0].id] == 1 and scores[strong[0].id] == 3
    audit = db.session.scalars(select(AuditEntry).where(AuditEntry.action == "key.revise")).all()
    assert [a.details["old"] for a in audit] == ["B", "C"]
    assert [a.details["new"] for a in audit] == ["C", "huỷ câu"]
    published = result_publishing.publish_result(
        r, result_pages.current_result(r.id).id, actor=organiser, now=NOW, early=True
    )
    assert published.is_published


def test_the_journey_over_http(client, db, scene, make_user, login):
    r, qs, strong, _weak, lucky = scene
    organiser = make_user(Role.organiser)
    result_closing.close_round(r, actor=organiser, now=NOW)
    db.session.commit()
    attempt = db.session.scalar(select(Attempt).where(Attempt.participant_id == strong[0].id))
    login(strong[0])
    page = client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert "Khiếu nại đáp án câu này" in page
    token = csrf_from(client, f"/luot-thi/{attempt.id}/ket-qua")
    url = f"/luot-thi/{attempt.id}/khieu-nai/{qs[0].id}"
    short = client.post(url, data={"csrf_token": token, "reason": "sai"})
    # Beside the question, with what was typed kept (not a flash at the top of the page).
    assert short.status_code == 422
    body = short.get_data(as_text=True)
    assert 'class="invalid-feedback d-block mb-2 dispute-error"' in body
    assert "ít nhất 10 ký tự" in body and ">sai</textarea>" in body
    ok = client.post(
        url, data={"csrf_token": token, "reason": "Đáp án đúng là C."}, follow_redirects=True
    )
    assert "Đã gửi khiếu nại" in ok.get_data(as_text=True)
    assert db.session.scalar(select(Dispute.reason)) == "Đáp án đúng là C."
    client.post("/dang-xuat", data={"csrf_token": token})
    login(organiser)
    items = client.get(f"/ban-to-chuc/dap-an/dot-thi/{r.id}").get_data(as_text=True)
    assert "Nghi sai đáp án" in items and "Độ phân biệt" in items
    decide = f"/ban-to-chuc/dap-an/dot-thi/{r.id}/cau/{qs[0].id}"
    token = csrf_from(client, decide)
    missing = client.post(decide, data={"csrf_token": token, "decision": "change", "reply": ""})
    assert missing.status_code == 422
    done = client.post(
        decide,
        data={
            "csrf_token": token,
            "decision": "change",
            "option_ids": [str(option_id(db, qs[0], "C"))],
            "reply": "Ban Tổ chức công nhận đáp án C.",
        },
    )
    assert done.status_code == 302 and "/cong-viec/" in done.headers["Location"]
    assert db.session.scalar(select(KeyRevision.revision)) == 1
    changes = client.get(f"/ban-to-chuc/dap-an/dot-thi/{r.id}/thay-doi").get_data(as_text=True)
    assert "mất giải" in changes and lucky.full_name in changes
    current = result_pages.current_result(r.id)
    assert current.version == 2
    refused = client.post(
        f"/ban-to-chuc/ket-qua/dot-thi/{r.id}/cong-bo",
        data={"csrf_token": token, "result_id": str(current.id)},
        follow_redirects=True,
    )
    assert "còn mở đến" in refused.get_data(as_text=True) and not current.is_published
    client.post(
        f"/ban-to-chuc/ket-qua/dot-thi/{r.id}/cong-bo",
        data={"csrf_token": token, "result_id": str(current.id), "early": "y"},
    )
    db.session.expire_all()
    assert result_pages.published_result(r.id).version == 2
    rows = db.session.scalars(select(ResultRow).where(ResultRow.result_id == current.id)).all()
    assert rows
    client.post("/dang-xuat", data={"csrf_token": token})
    login(strong[0])
    page = client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    assert "Ban Tổ chức công nhận đáp án C." in page and "đã được Ban Tổ chức sửa" in page
