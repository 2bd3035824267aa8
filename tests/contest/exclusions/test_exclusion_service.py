"""The exclusion list's service: finding people by phone or CCCD, adding with a reason,
refusals (unknown, already listed, staff, no reason), contest-wide rows, removal, the
audit trail, and the ranking it changes (excluded people never rank and win nothing, their
attempts are kept; a closed round is recomputed at once)."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import func, select

from contest.models import Attempt, AuditEntry, Exclusion, Role
from contest.models.results import ResultRow
from contest.services import (
    essay_contests,
    essay_judging,
    essay_stages,
    exclusions,
    result_closing,
    result_pages,
    result_publishing,
)
from contest.services.errors import AlreadyExcluded, Conflict, StaffNeverRanks, ValidationFailed
from tests.conftest import NOW
from tests.contest.essay.support import close_window, make_essay_contest, submitted_entry


def audits(db, action):
    return list(
        db.session.scalars(
            select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        )
    )


def ranked_ids(db, round_):
    result = result_pages.current_result(round_.id)
    return list(
        db.session.scalars(
            select(ResultRow.participant_id)
            .where(ResultRow.result_id == result.id)
            .order_by(ResultRow.rank)
        )
    )


def prizes_of(db, round_):
    result = result_pages.current_result(round_.id)
    return dict(
        db.session.execute(
            select(ResultRow.participant_id, ResultRow.prize).where(
                ResultRow.result_id == result.id
            )
        ).all()
    )


# --- finding the person -----------------------------------------------------------------------


def test_people_are_found_by_phone_or_cccd_however_typed(db, make_user):
    user = make_user(phone="0912345678")
    assert exclusions.find_by_phone("+84 912.345.678") == user
    assert exclusions.find_by_phone("912345678") == user  # Excel dropped the zero
    assert exclusions.find_by_cccd(user.id_number) == user
    assert exclusions.find_by_cccd(user.id_number[1:]) == user
    assert exclusions.find_by_number(" 0912 345 678 ") == user
    assert exclusions.find_by_number(user.id_number) == user


def test_fullwidth_and_other_scripts_digits_find_the_person(db, make_user):
    """Review: an exclusion typed with fullwidth digits (an IME) or Arabic-Indic digits
    matches the stored ASCII number (``vn.normalise_cccd``)."""
    user = make_user(phone="0912345678")
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in "0912345678")
    assert exclusions.find_by_phone(fullwidth) == user
    assert exclusions.find_by_phone("０９１２．３４５．６７８") == user
    assert exclusions.find_by_number(fullwidth) == user
    cccd = "".join(chr(ord(c) + 0xFEE0) for c in user.id_number)
    assert exclusions.find_by_cccd(cccd) == user
    arabic = "".join(chr(0x0660 + int(c)) for c in user.id_number)
    assert exclusions.find_by_cccd(arabic) == user
    assert exclusions.digits_of("９１２３４５６７８", 10) == "0912345678"  # Excel's lost zero


def test_unknown_numbers_say_nobody_registered_with_them(db, make_user):
    make_user()
    with pytest.raises(ValidationFailed) as info:
        exclusions.find_by_phone("0987000111")
    assert "Chưa có ai đăng ký với số điện thoại 0987000111" in info.value.fields["phone"]
    with pytest.raises(ValidationFailed) as info:
        exclusions.find_by_cccd("001203999999")
    assert "Chưa có ai đăng ký với số CCCD 001203999999" in info.value.fields["cccd"]
    with pytest.raises(ValidationFailed) as info:
        exclusions.find_by_number("12345")
    assert "10 chữ số" in info.value.fields["number"]
    with pytest.raises(ValidationFailed) as info:
        exclusions.find_by_cccd("999203012345")
    assert "mã tỉnh" in info.value.fields["cccd"]
    with pytest.raises(ValidationFailed) as info:
        exclusions.find_by_number("")
    assert "Vui lòng nhập" in info.value.fields["number"]


# --- adding and removing ----------------------------------------------------------------------


def test_add_needs_a_reason_and_is_audited_with_who_whom_and_why(db, make_user, make_round):
    organiser, board = make_user(role=Role.organiser), make_user()
    r = make_round()
    for blank in ("", "   ", None):
        with pytest.raises(ValidationFailed) as info:
            exclusions.add_exclusion(r.contest, board, blank, round_=r, actor=organiser, now=NOW)
        assert "lý do" in info.value.fields["reason"]
    with pytest.raises(ValidationFailed):
        exclusions.add_exclusion(r.contest, board, "x" * 501, round_=r, actor=organiser, now=NOW)
    assert db.session.scalar(select(func.count(Exclusion.id))) == 0

    change = exclusions.add_exclusion(
        r.contest, board, "  Thành viên   Ban Tổ chức ", round_=r, actor=organiser, now=NOW
    )
    db.session.commit()
    row = change.exclusion
    assert (row.round_id, row.user_id, row.reason, row.created_by_id) == (
        r.id,
        board.id,
        "Thành viên Ban Tổ chức",
        organiser.id,
    )
    (entry,) = audits(db, "exclusion.add")
    assert (entry.actor_id, entry.object_type, entry.object_id) == (
        organiser.id,
        "round",
        str(r.id),
    )
    assert entry.details["user_id"] == board.id
    assert entry.details["reason"] == "Thành viên Ban Tổ chức"
    assert exclusions.excluded_ids(r.contest, r) == {board.id}


def test_already_listed_is_said_and_nothing_is_duplicated(db, make_user, make_round):
    board = make_user()
    r = make_round()
    exclusions.add_exclusion(r.contest, board, "Ban Tổ chức", round_=r, actor=None, now=NOW)
    with pytest.raises(AlreadyExcluded) as info:
        exclusions.add_exclusion(r.contest, board, "Lần nữa", round_=r, actor=None, now=NOW)
    assert "đã có trong danh sách" in str(info.value)
    # Contest-wide covers the round too.
    other = make_user()
    exclusions.add_exclusion(r.contest, other, "Người ra đề", actor=None, now=NOW)
    with pytest.raises(AlreadyExcluded):
        exclusions.add_exclusion(r.contest, other, "Người ra đề", round_=r, actor=None, now=NOW)
    assert db.session.scalar(select(func.count(Exclusion.id))) == 2


def test_the_database_holds_one_row_per_person_and_scope(db, make_user, make_round):
    from sqlalchemy.exc import IntegrityError

    board = make_user()
    r = make_round()
    for round_id in (r.id, None):
        db.session.add(
            Exclusion(contest_id=r.contest_id, round_id=round_id, user_id=board.id, reason="a")
        )
        db.session.flush()
        with pytest.raises(IntegrityError), db.session.begin_nested():
            db.session.add(
                Exclusion(contest_id=r.contest_id, round_id=round_id, user_id=board.id, reason="b")
            )
            db.session.flush()


def test_staff_are_refused_because_they_never_rank_anyway(db, make_user, make_round):
    r = make_round()
    for role in (Role.organiser, Role.judge, Role.admin):
        with pytest.raises(StaffNeverRanks) as info:
            exclusions.add_exclusion(
                r.contest, make_user(role=role), "BTC", round_=r, actor=None, now=NOW
            )
        assert "tự động" in str(info.value)
    assert db.session.scalar(select(func.count(Exclusion.id))) == 0


def test_contest_wide_row_applies_to_every_round_and_replaces_round_rows(db, make_user, make_round):
    from contest.models import Round

    board = make_user()
    r = make_round()
    second = Round(
        contest_id=r.contest_id,
        name="Tuần 2",
        opens_at=r.opens_at + timedelta(days=7),
        closes_at=r.closes_at + timedelta(days=7),
        bank_ids=r.bank_ids,
        created_at=NOW,
        published_at=NOW,
    )
    db.session.add(second)
    db.session.flush()
    exclusions.add_exclusion(r.contest, board, "Ban Tổ chức", round_=r, actor=None, now=NOW)
    exclusions.add_exclusion(r.contest, board, "Ban Tổ chức", actor=None, now=NOW)
    rows = list(db.session.scalars(select(Exclusion)))
    assert [(x.round_id, x.user_id) for x in rows] == [(None, board.id)]
    assert exclusions.excluded_ids(r.contest, r) == exclusions.excluded_ids(r.contest, second)
    assert audits(db, "exclusion.add")[-1].details["replaced_rounds"] == [r.id]
    assert audits(db, "exclusion.add")[-1].object_type == "contest"


def test_remove_is_audited_with_the_reason_it_had(db, make_user, make_round):
    organiser, board = make_user(role=Role.organiser), make_user()
    r = make_round()
    row = exclusions.add_exclusion(
        r.contest, board, "Người ra đề", round_=r, actor=organiser, now=NOW
    ).exclusion
    fetched = exclusions.get_exclusion(r.contest, r, row.id)
    exclusions.remove_exclusion(fetched, actor=organiser, now=NOW)
    db.session.commit()
    assert exclusions.excluded_ids(r.contest, r) == frozenset()
    (entry,) = audits(db, "exclusion.remove")
    assert entry.actor_id == organiser.id
    assert entry.details == {"user_id": board.id, "reason": "Người ra đề", "source": "form"}


def test_another_scopes_row_is_not_found(db, make_user, make_round):
    from contest.services.errors import NotFound

    r, other = make_round(), make_round()
    row = exclusions.add_exclusion(
        r.contest, make_user(), "BTC", round_=r, actor=None, now=NOW
    ).exclusion
    with pytest.raises(NotFound):
        exclusions.get_exclusion(other.contest, other, row.id)
    with pytest.raises(NotFound):
        exclusions.get_exclusion(r.contest, None, row.id)  # a round's row, not contest-wide


# --- the ranking --------------------------------------------------------------------------------


def test_excluded_people_never_rank_and_win_nothing_but_keep_their_attempts(
    db, make_user, ranked_round
):
    board, first, second = make_user(), make_user(), make_user()
    r = ranked_round((board, 10), (first, 9), (second, 8))
    exclusions.add_exclusion(r.contest, board, "Ban Tổ chức", round_=r, actor=None, now=NOW)
    result_closing.close_round(r, actor=None, now=NOW)
    assert ranked_ids(db, r) == [first.id, second.id]
    assert prizes_of(db, r) == {first.id: "Giải Nhất", second.id: "Giải Nhì"}
    kept = db.session.scalar(
        select(func.count(Attempt.id)).where(Attempt.participant_id == board.id)
    )
    assert kept == 1


def test_adding_to_a_closed_round_recomputes_it_as_an_unpublished_version(
    db, make_user, ranked_round
):
    organiser = make_user(role=Role.organiser)
    board, first, second = make_user(), make_user(), make_user()
    r = ranked_round((board, 10), (first, 9), (second, 8))
    v1 = result_closing.close_round(r, actor=organiser, now=NOW).result
    result_publishing.publish_result(r, v1.id, actor=organiser, now=NOW, early=True)
    db.session.commit()
    assert prizes_of(db, r)[board.id] == "Giải Nhất"

    change = exclusions.add_exclusion(
        r.contest, board, "Ban Tổ chức", round_=r, actor=organiser, now=NOW
    )
    db.session.commit()
    (outcome,) = change.recomputed
    assert outcome.created and outcome.result.version == 2 and not outcome.result.is_published
    assert ranked_ids(db, r) == [first.id, second.id]
    assert result_pages.published_result(r.id).id == v1.id  # never changes silently

    exclusions.remove_exclusion(change.exclusion, actor=organiser, now=NOW)
    db.session.commit()
    assert ranked_ids(db, r) == [board.id, first.id, second.id]


def test_contest_wide_exclusion_recomputes_every_closed_round(db, make_user, ranked_round):
    board, other = make_user(), make_user()
    r = ranked_round((board, 10), (other, 5))
    result_closing.close_round(r, actor=None, now=NOW)
    change = exclusions.add_exclusion(r.contest, board, "Người ra đề", actor=None, now=NOW)
    assert [o.result.round_id for o in change.recomputed] == [r.id]
    assert ranked_ids(db, r) == [other.id]


def test_summary_counts_by_reason_who_took_part_and_staff(db, make_user, ranked_round):
    a, b, c, plain = make_user(), make_user(), make_user(), make_user()
    judge = make_user(role=Role.judge)
    r = ranked_round((a, 5), (judge, 9), (plain, 4))
    for user, why in ((a, "Ban Tổ chức"), (b, "Ban Tổ chức"), (c, "Người ra đề")):
        exclusions.add_exclusion(r.contest, user, why, round_=r, actor=None, now=NOW)
    summary = exclusions.summarise(r.contest, r)
    assert summary.total == 3
    assert summary.by_reason == [("Ban Tổ chức", 2), ("Người ra đề", 1)]
    assert summary.took_part == 1  # only a has an attempt
    assert summary.staff_took_part == 1
    result_closing.close_round(r, actor=None, now=NOW)
    assert ranked_ids(db, r) == [plain.id]  # the judge never ranks either


# --- essay contests ---------------------------------------------------------------------------


def test_an_excluded_author_is_never_judged_and_a_final_result_is_frozen(db, make_user):
    board, author = make_user(full_name="Tác Giả BTC"), make_user(full_name="Tác Giả Thường")
    judges = [make_user(role=Role.judge, unit_id=None) for _ in range(2)]
    contest = make_essay_contest(
        db,
        judge_ids=[j.id for j in judges],
        judges_per_entry=1,
        stages=[{"name": "Chung khảo", "rule": None, "value": None}],
    )
    mine = submitted_entry(db, contest, board)
    theirs = submitted_entry(db, contest, author)
    exclusions.add_exclusion(contest, board, "Tổ thư ký", actor=None, now=NOW)
    close_window(db, contest)
    (stage,) = essay_contests.stages_of(contest)
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=1)
    entered = {se.entry_id for se in essay_judging.stage_entries(stage)}
    assert entered == {theirs.id} and mine.id not in entered
    assert [row.entry.id for row in essay_judging.stage_progress(stage)] == [theirs.id]
    for row in essay_judging.stage_progress(stage):
        criteria = essay_contests.criteria_of(contest)
        for sheet in row.assignments:
            essay_judging.save_scores(
                sheet, {c.id: "10" for c in criteria}, "", submit=True, now=NOW
            )
    essay_stages.close_stage(stage, actor=None, now=NOW)
    db.session.commit()
    with pytest.raises(Conflict) as info:
        exclusions.add_exclusion(contest, author, "Muộn", actor=None, now=NOW)
    assert "Vòng chấm cuối đã kết thúc" in str(info.value)
