"""An organiser closes a round and publishes its result; the public winners page shows
the winners with masked personal data (Playwright driving Debian's Chromium, 360×740)."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

pytestmark = pytest.mark.browser

PEOPLE = [
    ("Quàng Văn Thắng", 20, 41),
    ("Lò Thị Mai", 20, 44),
    ("Tòng Văn Sơn", 19, 40),
    ("Đèo Thị Hoa", 18, 12),
]


@pytest.fixture(scope="module")
def finished_round(live_app):
    """A published contest whose round ended an hour ago, with finished attempts."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Attempt, AttemptStatus, Contest, Gender, Role, Round, User
    from question_bank.text import fold

    now = utcnow()
    with live_app.app_context():
        contest = Contest(
            title="Cuộc thi thử kết quả",
            slug="cuoc-thi-thu-ket-qua",
            is_published=True,
            created_at=now,
        )
        db.session.add(contest)
        db.session.flush()
        round_ = Round(
            contest_id=contest.id,
            name="Tuần thử",
            opens_at=now - timedelta(days=7),
            closes_at=now - timedelta(hours=1),
            bank_ids=[],
            created_at=now,
            published_at=now,
            prediction_text="Có bao nhiêu người trả lời đúng tất cả?",
            prize_tiers=[{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 2}],
        )
        db.session.add(round_)
        db.session.flush()
        people = []
        for i, (name, score, prediction) in enumerate(PEOPLE):
            born = date(1998, 2, 3 + i)
            user = User(
                role=Role.participant,
                full_name=name,
                name_key=fold(name),
                birth_date=born,
                gender=Gender.male,
                id_number=f"001098{700000 + i}",
                phone=f"035512340{i}",
                password_hash="x",
                created_at=now,
            )
            db.session.add(user)
            db.session.flush()
            submitted = round_.opens_at + timedelta(hours=2, minutes=i)
            db.session.add(
                Attempt(
                    round_id=round_.id,
                    participant_id=user.id,
                    number=1,
                    seed=i,
                    status=AttemptStatus.submitted,
                    started_at=submitted - timedelta(minutes=8),
                    deadline=submitted + timedelta(minutes=7),
                    submitted_at=submitted,
                    score=score,
                    total=20,
                    duration_ms=480_000,
                    prediction=prediction,
                )
            )
            people.append({"name": name, "phone": user.phone, "id_number": user.id_number})
        db.session.commit()
        return {"round_id": round_.id, "people": people}


def test_organiser_closes_and_publishes_then_the_public_sees_masked_winners(
    page, sign_in, live_organiser, finished_round, browser, live_server
):
    round_id = finished_round["round_id"]
    sign_in(live_organiser)
    page.goto(f"/ban-to-chuc/ket-qua/dot-thi/{round_id}")
    page.get_by_role("button", name="Đóng đợt thi và xếp hạng").click()
    # Closing runs as a job: its page follows the progress, then says what closing did.
    expect(page).to_have_url(re.compile(r"/ban-to-chuc/cong-viec/\d+$"))
    expect(page.get_by_text(re.compile(r"Đã xếp hạng 4 người, 3 người đoạt giải"))).to_be_visible()
    page.get_by_role("link", name="Quay lại trang kết quả đợt thi").click()
    expect(page.locator("#actual-value")).to_have_text("2")
    # The answer-key challenge window is still open: publishing now is confirmed on purpose.
    if page.locator("#publish-early").count():
        page.locator("#publish-early").check()
    page.get_by_role("button", name="Công bố kết quả").click()
    expect(page.get_by_text("Đã công bố kết quả (phiên bản 1).")).to_be_visible()
    page.wait_for_load_state("networkidle")  # never drop a response half-sent

    public = browser.new_context(
        viewport={"width": 360, "height": 740}, locale="vi-VN", base_url=live_server
    ).new_page()
    try:
        public.goto(f"/dot-thi/{round_id}/ket-qua")
        heading = public.get_by_role("heading", name=re.compile("Danh sách đoạt giải"))
        expect(heading).to_be_visible()
        winners = public.locator(".winner")
        expect(winners).to_have_count(3)
        # Both perfect; the actual value is 2 and 41 is closer to it than 44.
        expect(winners.nth(0)).to_contain_text("Quàng Văn Thắng")
        expect(winners.nth(0)).to_contain_text("Giải Nhất")
        expect(winners.nth(0)).to_contain_text("dự đoán gần với đáp án hơn")
        expect(winners.nth(0)).to_contain_text("03******00")
        expect(public.locator("#actual-value")).to_have_text("2")
        html = public.content()
        for person in finished_round["people"]:
            assert person["phone"] not in html and person["id_number"] not in html
        assert "Đèo Thị Hoa" not in html  # fourth: no prize
        public.wait_for_load_state("networkidle")
    finally:
        public.context.close()
