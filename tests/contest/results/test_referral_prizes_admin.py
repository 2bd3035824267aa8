""" "Giải lan tỏa" on the organisers' side (issue 15 item 5, docs/sharing.md): the round's
results page lists the referral prize winners and the next referrers with full names (the
phone masked as in the ranking table), and the organisers' winners and results lists carry a
"Giải lan tỏa" sheet with full personal data, where the public list's is masked; a referral
prize winner keeps their personal data through the privacy purge like the other winners."""

from __future__ import annotations

import io
from datetime import date, timedelta

import pytest
from openpyxl import load_workbook

from contest.models import Role
from contest.models.referral import CREDITED, Referral
from contest.services import privacy, result_closing, result_publishing
from contest.services.vn import mask_phone
from tests.conftest import NOW
from tests.contest.jobs.helpers import export_via_job
from tests.contest.results.test_results import finished

PAGE = "/ban-to-chuc/ket-qua/dot-thi/{}"


def bring(db, referrer, people, r, minutes):
    """``referrer`` brought each of ``people``, who finished an attempt ``minutes`` after
    the round opened."""
    for person, m in zip(people, minutes, strict=True):
        db.session.add(
            Referral(
                referrer_id=referrer.id, referred_id=person.id, status=CREDITED, created_at=NOW
            )
        )
        db.session.commit()
        finished(db, r, person, score=3, submitted_at=r.opens_at + timedelta(minutes=m))


@pytest.fixture
def spread(db, make_round, make_user):
    """A closed, published round with 2 referral prizes: b (2, reached earlier) and a (2)
    win, c (1) is the next referrer."""
    r = make_round(
        opens_at=NOW - timedelta(days=3),
        closes_at=NOW - timedelta(hours=1),
        prize_options={"referral_prizes": 2},
        prize_tiers=[{"name": "Giải Nhất", "count": 1}],
    )
    a, b, c = (
        make_user(full_name=f"Người Giới Thiệu {k}", birth_date=date(1990, 4, i + 1))
        for i, k in enumerate("ABC")
    )
    newcomers = [make_user() for _ in range(5)]
    for p in (a, b, c):
        finished(db, r, p, score=5)
    bring(db, a, newcomers[0:2], r, [10, 300])
    bring(db, b, newcomers[2:4], r, [20, 200])
    bring(db, c, newcomers[4:5], r, [5])
    outcome = result_closing.close_round(r, actor=None, now=NOW)
    staff = make_user(Role.organiser)
    result_publishing.publish_result(r, outcome.result.id, actor=staff, now=NOW, early=True)
    db.session.commit()
    return r, a, b, c, staff


def test_the_round_results_page_lists_the_referral_prizes(client, login, spread):
    r, a, b, c, staff = spread
    login(staff)
    html = client.get(PAGE.format(r.id)).get_data(as_text=True)
    section = html[html.index('id="referral-prizes"') :].split("</section>")[0]
    assert "Giải lan tỏa" in section and "2 giải" in section
    winners = section.split('class="referral-runner-up"')[0]
    assert winners.index(b.full_name) < winners.index(a.full_name)
    assert c.full_name not in winners and c.full_name in section  # the next one, no prize
    assert winners.count("referral-winner") == 2
    # Full names; phones masked as in the ranking table (the Excel lists have them).
    assert b.phone not in section and mask_phone(b.phone) in section
    assert b.id_number not in html


def test_no_section_without_referral_prizes(client, db, login, make_round, make_user):
    r = make_round(opens_at=NOW - timedelta(days=3), closes_at=NOW - timedelta(hours=1))
    finished(db, r, make_user(), score=5)
    result_closing.close_round(r, actor=None, now=NOW)
    db.session.commit()
    login(make_user(Role.organiser))
    html = client.get(PAGE.format(r.id)).get_data(as_text=True)
    assert 'id="result-summary"' in html and 'id="referral-prizes"' not in html


def test_an_empty_board_says_so(client, db, login, make_round, make_user):
    r = make_round(
        opens_at=NOW - timedelta(days=3),
        closes_at=NOW - timedelta(hours=1),
        prize_options={"referral_prizes": 3},
    )
    finished(db, r, make_user(), score=5)
    result_closing.close_round(r, actor=None, now=NOW)
    db.session.commit()
    login(make_user(Role.organiser))
    html = client.get(PAGE.format(r.id)).get_data(as_text=True)
    section = html[html.index('id="referral-prizes"') :].split("</section>")[0]
    assert "Chưa có ai giới thiệu được người mới đã làm bài đợt thi này." in section


def rows_of(response, sheet="Giải lan tỏa"):
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    return book.sheetnames, [
        row for row in book[sheet].iter_rows(values_only=True) if isinstance(row[0], int)
    ]


def test_the_organisers_lists_carry_the_sheet_in_full(client, login, spread):
    r, a, b, c, staff = spread
    login(staff)
    names, rows = rows_of(export_via_job(client, r.id, "winners"))
    assert names[0] == "Đoạt giải"
    assert [(row[0], row[1], row[6], row[8]) for row in rows] == [
        (1, b.full_name, 2, "Giải lan tỏa"),
        (2, a.full_name, 2, "Giải lan tỏa"),
    ]
    first = rows[0]
    assert first[2].date() == b.birth_date and first[3] == b.id_number and first[4] == b.phone
    # The full results list also names the referrers after the winners.
    names, rows = rows_of(export_via_job(client, r.id, "results"))
    assert names[0] == "Kết quả"
    assert [(row[1], row[8]) for row in rows] == [
        (b.full_name, "Giải lan tỏa"),
        (a.full_name, "Giải lan tỏa"),
        (c.full_name, None),
    ]
    # The public list stays masked: birth year, a masked phone, no CCCD.
    _names, rows = rows_of(export_via_job(client, r.id, "public"))
    text = repr(rows)
    assert b.full_name in text and c.full_name not in text
    assert b.phone not in text and b.id_number not in text and rows[0][2] == 1990


def test_no_sheet_without_referral_winners(client, db, login, make_round, make_user):
    r = make_round(
        opens_at=NOW - timedelta(days=3),
        closes_at=NOW - timedelta(hours=1),
        prize_tiers=[{"name": "Giải Nhất", "count": 1}],
    )
    finished(db, r, make_user(), score=5)
    result_closing.close_round(r, actor=None, now=NOW)
    db.session.commit()
    login(make_user(Role.organiser))
    book = load_workbook(io.BytesIO(export_via_job(client, r.id, "winners").data))
    assert book.sheetnames == ["Đoạt giải"]


def test_a_referral_winner_keeps_their_personal_data_after_the_complaint_period(
    client, db, login, make_round, make_user
):
    r = make_round(
        opens_at=NOW - timedelta(days=3),
        closes_at=NOW - timedelta(hours=1),
        prize_options={"referral_prizes": 1},
        prize_tiers=[],
    )
    referrer, other, newcomer = make_user(), make_user(), make_user()
    finished(db, r, referrer, score=2)
    finished(db, r, other, score=2)
    bring(db, referrer, [newcomer], r, [30])
    outcome = result_closing.close_round(r, actor=None, now=NOW)
    result_publishing.publish_result(r, outcome.result.id, actor=None, now=NOW, early=True)
    db.session.commit()
    assert outcome.result.winners == 0  # no score prize: only the "giải lan tỏa"
    later = NOW + timedelta(days=31)
    assert referrer.id not in privacy.purgeable_user_ids(later)
    done = privacy.purge_personal_data(now=later, actor=None)
    db.session.commit()
    assert done.users == 2  # the other participant and the newcomer
    for user in (referrer, other, newcomer):
        db.session.refresh(user)
    assert referrer.phone and referrer.id_number and referrer.birth_date
    assert other.phone is None and newcomer.phone is None
    # The SQL re-check in the UPDATE keeps them too, even when asked by id.
    assert privacy.erase([referrer.id], now=later) == 0
