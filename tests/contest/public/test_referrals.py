"""Referrals (issue 15 items 4 and 5): the share box's links, a sign-up through a link is
credited once (the code kept by a cookie through /dang-ky, first touch wins),
self-referral and duplicate accounts are not, and "giải lan tỏa" on the winners page."""

from __future__ import annotations

import re
from datetime import date, timedelta
from html import unescape
from urllib.parse import parse_qs, unquote, urlsplit

from sqlalchemy import func, select

from contest.models import User
from contest.models.referral import CREDITED, DUPLICATE, SELF, Referral
from contest.services import referrals, result_closing, result_publishing
from contest.web.referral_link import COOKIE
from tests.conftest import NOW, csrf_from, valid_cccd
from tests.contest.results.test_results import finished


def sign_up(client, unit, category, *, name="Lò Thị Mai", email=None, birth=date(2001, 3, 9)):
    n = sign_up.count = getattr(sign_up, "count", 0) + 1
    token = csrf_from(client, "/dang-ky")
    data = {
        "full_name": name,
        "birth_date": birth.isoformat(),
        "gender": "female",
        "id_number": valid_cccd(birth, "female"),
        "phone": f"0987{n:06d}",
        "email": email or f"moi{n}@example.vn",
        "unit_id": unit.id,
        "category_id": category.id,
        "password": "bai-thi-2026",
        "consent": "y",
        "csrf_token": token,
    }
    response = client.post("/dang-ky", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    client.post("/dang-xuat", data={"csrf_token": csrf_from(client, "/")})
    return data


def referral_of(db, email) -> Referral | None:
    user = db.session.scalar(select(User).where(User.email == email))
    return db.session.scalar(select(Referral).where(Referral.referred_id == user.id))


def test_share_box_carries_the_personal_referral_link(
    app, client, db, login, make_round, make_user
):
    r = make_round()
    referrer = make_user()
    attempt = finished(db, r, referrer, score=8, submitted_at=NOW - timedelta(minutes=5))
    login(referrer)
    html = client.get(f"/luot-thi/{attempt.id}/ket-qua").get_data(as_text=True)
    code = referrals.code_for(referrer, now=NOW)
    assert len(code) == 12 and str(referrer.id) != code and referrer.phone not in code
    link = f"http://localhost/cuoc-thi/{r.contest.slug}?ref={code}"
    assert f'value="{link}"' in html
    facebook = unescape(re.search(r'id="share-facebook" href="([^"]+)"', html).group(1))
    assert facebook.startswith("https://www.facebook.com/sharer/sharer.php?u=")
    assert unquote(parse_qs(urlsplit(facebook).query)["u"][0]) == link
    zalo = re.search(r'id="share-zalo" href="([^"]+)" data-share-url="([^"]+)"', html)
    assert unescape(zalo.group(1)) == link == unescape(zalo.group(2))
    assert "Chia sẻ lên Zalo" in html and "Chia sẻ lên Facebook" in html
    # The code is made once.
    assert referrals.code_for(referrer, now=NOW) == code


def test_a_sign_up_through_the_link_is_credited_once(
    app, client, db, make_round, make_user, unit, category
):
    r = make_round()
    referrer = make_user()
    code = referrals.code_for(referrer, now=NOW)
    db.session.commit()
    page = client.get(f"/cuoc-thi/{r.contest.slug}?ref={code}")
    assert COOKIE in page.headers.get("Set-Cookie", "")
    # A second link (first touch wins) does not replace the first.
    other = make_user()
    other_code = referrals.code_for(other, now=NOW)
    db.session.commit()
    again = client.get(f"/cuoc-thi/{r.contest.slug}?ref={other_code}")
    assert COOKIE not in again.headers.get("Set-Cookie", "")
    data = sign_up(client, unit, category)
    referral = referral_of(db, data["email"])
    assert referral.referrer_id == referrer.id and referral.status == CREDITED
    assert referral.contest_id == r.contest_id
    assert referrals.credited_count(referrer.id) == 1
    # The cookie is gone: the next sign-up in this browser is nobody's.
    data2 = sign_up(client, unit, category, name="Hà Văn Nam")
    assert referral_of(db, data2["email"]) is None
    # Recording the same newcomer again changes nothing (once per new participant).
    newcomer = db.session.scalar(select(User).where(User.email == data["email"]))
    referrals.record_signup(
        newcomer, other_code, contest_id=None, opened_as_referrer=False, now=NOW
    )
    db.session.commit()
    assert db.session.scalar(select(func.count()).select_from(Referral)) == 1
    assert referrals.credited_count(other.id) == 0


def test_a_bogus_code_is_not_kept(client, db, make_round):
    r = make_round()
    response = client.get(f"/cuoc-thi/{r.contest.slug}?ref=AAAAAAAAAAAA")
    assert COOKIE not in response.headers.get("Set-Cookie", "")


def test_the_referrers_own_new_account_is_not_credited(
    app, client, db, login, make_round, make_user, unit, category
):
    r = make_round()
    referrer = make_user()
    code = referrals.code_for(referrer, now=NOW)
    db.session.commit()
    # The link opened in a browser signed in as the referrer, who then signs out.
    login(referrer)
    client.get(f"/cuoc-thi/{r.contest.slug}?ref={code}")
    client.post("/api/auth/logout", headers=login.headers)
    data = sign_up(client, unit, category)
    assert referral_of(db, data["email"]).status == SELF
    assert referrals.credited_count(referrer.id) == 0


def test_the_same_person_by_email_or_name_and_birth_date_is_self(
    client, db, make_round, make_user, unit, category
):
    r = make_round()
    referrer = make_user(
        full_name="Lò Thị Mai", birth_date=date(2001, 3, 9), email="lo.mai@gmail.com"
    )
    code = referrals.code_for(referrer, now=NOW)
    db.session.commit()
    client.get(f"/cuoc-thi/{r.contest.slug}?ref={code}")
    data = sign_up(client, unit, category, name="Lò Thị Mai", birth=date(2001, 3, 9))
    assert referral_of(db, data["email"]).status == SELF
    client.get(f"/cuoc-thi/{r.contest.slug}?ref={code}")
    data = sign_up(client, unit, category, name="Hà Thị Hoa", email="lomai+hai@gmail.com")
    assert referral_of(db, data["email"]).status == SELF


def test_a_duplicate_account_is_not_credited(client, db, make_round, make_user, unit, category):
    r = make_round()
    referrer = make_user()
    make_user(full_name="Vàng A Páo", birth_date=date(1999, 5, 5))  # already has an account
    code = referrals.code_for(referrer, now=NOW)
    db.session.commit()
    client.get(f"/cuoc-thi/{r.contest.slug}?ref={code}")
    data = sign_up(client, unit, category, name="Vàng A Páo", birth=date(1999, 5, 5))
    assert referral_of(db, data["email"]).status == DUPLICATE
    assert referrals.credited_count(referrer.id) == 0


def _bring(db, referrer, people, r, minutes):
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


def test_referral_prizes_rank_and_show_masked_on_the_winners_page(
    client, db, make_round, make_user
):
    r = make_round(
        opens_at=NOW - timedelta(days=3),
        closes_at=NOW - timedelta(hours=1),
        prize_options={"referral_prizes": 2},
        prize_tiers=[{"name": "Giải Nhất", "count": 1}],
    )
    a, b, c, d = (make_user(full_name=f"Người Giới Thiệu {k}") for k in "ABCD")
    newcomers = [make_user() for _ in range(6)]
    for p in (a, b, c, d):
        finished(db, r, p, score=5)
    _bring(db, a, newcomers[0:2], r, [10, 300])  # 2, reached at 300
    _bring(db, b, newcomers[2:4], r, [20, 200])  # 2, reached at 200: above a
    _bring(db, c, newcomers[4:5], r, [5])  # 1
    # d brought someone who never finished an attempt: no credit.
    db.session.add(
        Referral(referrer_id=d.id, referred_id=newcomers[5].id, status=CREDITED, created_at=NOW)
    )
    db.session.commit()
    outcome = result_closing.close_round(r, actor=None, now=NOW)
    staff = make_user()
    result_publishing.publish_result(r, outcome.result.id, actor=staff, now=NOW, early=True)
    db.session.commit()
    standings = referrals.round_standings(outcome.result)
    assert [(s.referrer_id, s.count, s.winner) for s in standings] == [
        (b.id, 2, True),
        (a.id, 2, True),
        (c.id, 1, False),
    ]
    html = client.get(f"/dot-thi/{r.id}/ket-qua").get_data(as_text=True)
    section = html[html.index('id="referral-prizes"') :]
    assert section.index(b.full_name) < section.index(a.full_name)
    assert c.full_name not in section.split("</ol>")[0]
    assert "Giải lan tỏa" in section
    # Masked like the other winners: birth year, a masked phone, never the full phone.
    assert b.phone not in html and b.phone[-2:] in section and b.id_number not in html
    # The public Excel list has a "Giải lan tỏa" sheet, masked the same way.
    import io

    from openpyxl import load_workbook

    book = load_workbook(io.BytesIO(client.get(f"/dot-thi/{r.id}/ket-qua.xlsx").data))
    sheet = book["Giải lan tỏa"]
    values = [[c for c in row if c is not None] for row in sheet.iter_rows(values_only=True)]
    text = repr(values)
    assert b.full_name in text and a.full_name in text and c.full_name not in text
    assert b.phone not in text and "Số người mới đã làm bài" in text
    assert book.sheetnames[0] == "Đoạt giải"
