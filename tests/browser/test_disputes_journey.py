"""Issue 14 items 3–4 in the browser: a participant disputes a wrong answer key from their
review on a 360 × 740 phone; the organiser (1280 × 800) reads the disputes beside the item
statistics, changes the key with a public reply, follows the regrade job (the app's thread
without Redis) to the rank diff, and publishes early on purpose; the participant then
reads the reply and their new score. axe checks each new page at 360 and 1280 px."""

from __future__ import annotations

import re
from datetime import date, timedelta

import pytest
from playwright.sync_api import expect

from tests.browser import a11y
from tests.browser.conftest import Account

pytestmark = pytest.mark.browser

PASSWORD = "khieunai-matkhau-2026"
PHONE = "0977140314"
REPLY = "Ban Tổ chức công nhận đáp án C theo Văn kiện Đại hội; bài thi đã được chấm lại."
TIERS = [{"name": "Giải Nhất", "count": 1}, {"name": "Giải Nhì", "count": 1}]


def _person(db, name: str, phone: str, password_hash: str, now):
    from contest.models import Gender, Role, User
    from question_bank.text import fold

    user = User(
        role=Role.participant,
        full_name=name,
        name_key=fold(name),
        birth_date=date(1990, 5, 1),
        gender=Gender.female,
        id_number=f"0011900{phone[-5:]}",
        phone=phone,
        password_hash=password_hash,
        created_at=now,
        consent_at=now,
    )
    db.session.add(user)
    db.session.flush()
    return user


def _bank(db, now):
    from contest.models import Difficulty, Option, Question, QuestionBank
    from question_bank.text import fold

    bank = QuestionBank(name="Ngân hàng khiếu nại thử", created_at=now)
    db.session.add(bank)
    db.session.flush()
    questions = []
    for i, text in enumerate(
        [
            "Đại hội lần thứ mấy thông qua Văn kiện thử nghiệm?",
            "Thủ đô của Việt Nam là thành phố nào?",
            "Sông nào chảy qua Hà Nội?",
        ]
    ):
        q = Question(
            bank_id=bank.id,
            topic="Lịch sử",
            difficulty=Difficulty.medium,
            text=text,
            search_key=fold(text),
            key=f"khieu-nai-{i}",
            created_at=now,
            updated_at=now,
        )
        db.session.add(q)
        db.session.flush()
        for pos, letter in enumerate("ABCD"):
            # The bank's key is B everywhere; for the first question it should be C.
            db.session.add(
                Option(
                    question_id=q.id, position=pos, text=f"Phương án {letter}", is_correct=pos == 1
                )
            )
        questions.append(q)
    db.session.flush()
    return bank, questions


@pytest.fixture(scope="module")
def disputed_round(live_app):
    """A round closed an hour ago (challenge window of 3 days open) and ranked as version
    1: the six strong answer C, B, B (C is right but the key says B), six weak answer B, A,
    A, and one lucky participant answers B, B, B and wins Giải Nhất on the wrong key. The
    browser's participant is the first strong one (Giải Nhì); another strong participant
    has already disputed question 1."""
    from contest.db import utcnow
    from contest.extensions import db
    from contest.models import Contest, Role, Round
    from contest.services import accounts, disputes, result_closing
    from contest.services.passwords import hash_password
    from tests.contest.disputes.helpers import sit

    now = utcnow()
    with live_app.app_context():
        contest = Contest(
            title="Cuộc thi thử khiếu nại đáp án",
            slug="cuoc-thi-thu-khieu-nai",
            is_published=True,
            created_at=now,
        )
        db.session.add(contest)
        db.session.flush()
        bank, qs = _bank(db, now)
        round_ = Round(
            contest_id=contest.id,
            name="Tuần khiếu nại",
            opens_at=now - timedelta(days=2),
            closes_at=now - timedelta(hours=1),
            bank_ids=[bank.id],
            question_count=3,
            created_at=now,
            published_at=now,
            prize_tiers=TIERS,
        )
        db.session.add(round_)
        db.session.flush()
        base = round_.opens_at + timedelta(hours=1)
        hashed = hash_password(PASSWORD)
        me = _person(db, "Hà Thị Khiếu Nại", PHONE, hashed, now)
        strong = [me] + [
            _person(db, f"Người giỏi {i}", f"09771403{20 + i}", "x", now) for i in range(1, 6)
        ]
        weak = [_person(db, f"Người yếu {i}", f"09771403{40 + i}", "x", now) for i in range(6)]
        lucky = _person(db, "Lê Văn May Mắn", "0977140399", "x", now)
        attempts = {}
        for i, u in enumerate(strong):
            attempts[u.id] = sit(db, round_, u, qs, ["C", "B", "B"], at=base + timedelta(minutes=i))
        for i, u in enumerate(weak):
            sit(db, round_, u, qs, ["B", "A", "A"], at=base + timedelta(minutes=10 + i))
        sit(db, round_, lucky, qs, ["B", "B", "B"], at=base + timedelta(minutes=30))
        organiser = accounts.create_account(
            role=Role.organiser,
            email="khieunai-btc@live.example.vn",
            password=PASSWORD,
            full_name="Ban Tổ chức khiếu nại",
            now=now,
        )
        result_closing.close_round(round_, actor=organiser, now=now)
        disputes.file_dispute(
            attempts[strong[1].id],
            qs[0].id,
            "Theo Văn kiện, đáp án đúng là C chứ không phải B.",
            actor=strong[1],
            now=now,
        )
        db.session.commit()
        return {
            "round_id": round_.id,
            "question_id": qs[0].id,
            "attempt_id": attempts[me.id].id,
            "participant": Account(PHONE, PASSWORD),
            "organiser": Account("khieunai-btc@live.example.vn", PASSWORD),
            "me": me.full_name,
            "lucky": lucky.full_name,
        }


def _sign_in(page, account: Account) -> None:
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại hoặc email").fill(account.login)
    page.get_by_label("Mật khẩu").fill(account.password)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_url(lambda url: "/dang-nhap" not in url)


def _axe_both(page, source: str, where: str) -> None:
    """No serious or critical WCAG 2.1 A/AA violation at 360 and at 1280 px, as is."""
    size = page.viewport_size
    problems = []
    for width in (a11y.PHONE, a11y.DESKTOP):
        page.set_viewport_size(width)
        problems += [
            f"{width['width']}px {v}" for v in a11y.describe(a11y.axe_violations(page, source))
        ]
    page.set_viewport_size(size)
    assert not problems, f"{where}:\n" + "\n".join(problems)


def test_dispute_decision_regrade_rank_diff_and_publish(browser, live_server, disputed_round):
    source = a11y.axe_source()
    d = disputed_round
    qid, result_url = d["question_id"], f"/luot-thi/{d['attempt_id']}/ket-qua"

    phone = browser.new_context(viewport=a11y.PHONE, locale="vi-VN", base_url=live_server)
    phone.set_default_timeout(20_000)
    page = phone.new_page()
    desk = browser.new_context(viewport=a11y.DESKTOP, locale="vi-VN", base_url=live_server)
    desk.set_default_timeout(30_000)
    org = desk.new_page()
    try:
        # 1. The participant disputes question 1 from their review, on a phone.
        _sign_in(page, d["participant"])
        page.goto(result_url)
        expect(page.locator("#result-score")).to_have_text("2/3")
        block = page.locator(f"#cau-{qid}")
        block.get_by_text("Khiếu nại đáp án câu này").click()
        reason = block.get_by_label(re.compile("Lý do"))
        reason.fill("sai rồi")
        block.get_by_role("button", name="Gửi khiếu nại").click()
        # Refused beside the question, in Vietnamese, with what was typed kept.
        block = page.locator(f"#cau-{qid}")
        error = block.locator(".dispute-error")
        expect(error).to_have_text("Vui lòng ghi rõ lý do khiếu nại (ít nhất 10 ký tự).")
        expect(error).to_be_in_viewport()
        reason = block.get_by_label(re.compile("Lý do"))
        expect(reason).to_have_value("sai rồi")
        expect(reason).to_have_attribute("aria-invalid", "true")
        expect(reason).to_be_focused()
        _axe_both(page, source, "the review with a refused dispute")
        reason.fill("Đáp án đúng phải là C: Văn kiện Đại hội ghi rõ như vậy.")
        block.get_by_role("button", name="Gửi khiếu nại").click()
        expect(
            page.get_by_text("Đã gửi khiếu nại. Ban Tổ chức sẽ trả lời trên trang này.")
        ).to_be_visible()
        block = page.locator(f"#cau-{qid}")
        expect(block).to_contain_text("Khiếu nại của bạn")
        expect(block).to_contain_text("Ban Tổ chức đang xem xét.")
        _axe_both(page, source, "the review with a pending dispute")
        # A question is disputed once: its form is gone.
        expect(block.get_by_text("Khiếu nại đáp án câu này")).to_have_count(0)

        # 2. The organiser, on a desktop: the disputes grouped by question, the statistics.
        _sign_in(org, d["organiser"])
        org.goto(f"/ban-to-chuc/ket-qua/dot-thi/{d['round_id']}")
        org.get_by_role("link", name=re.compile("Thống kê câu hỏi và khiếu nại")).click()
        expect(org.locator("#window-line")).to_contain_text("Đang nhận khiếu nại đáp án đến")
        group = org.locator("#dispute-groups tbody tr")
        expect(group).to_have_count(1)
        expect(group).to_contain_text("Đại hội lần thứ mấy")
        expect(group.locator("td").nth(1)).to_have_text("2")
        expect(group).to_contain_text("Chưa trả lời")
        # Beside the disputes, the question's figures: the upper group disagrees with B.
        expect(group.locator(".suspect-flag")).to_have_text("Nghi sai đáp án")
        expect(group).to_contain_text("nhóm giỏi chọn C")
        expect(group.locator("td").nth(3)).to_have_text("-1,00")
        stats = org.locator(f"#item-stats tr[data-question='{qid}']")
        expect(stats.locator(".suspect-flag")).to_have_text("Nghi sai đáp án")
        expect(stats).to_contain_text("nhóm giỏi chọn C")
        _axe_both(org, source, "the item statistics and disputes page")
        group.get_by_role("link", name="Xem và quyết định").click()
        expect(org.locator("#disputes li")).to_have_count(2)
        expect(org.locator("#disputes")).to_contain_text("Văn kiện Đại hội ghi rõ")
        expect(org.get_by_text(re.compile("Độ phân biệt: -"))).to_be_visible()
        expect(org.locator("#key-in-force")).to_have_text("B")
        _axe_both(org, source, "the decision page")

        # 3. Change the key with a public reply: the regrade job runs to its end.
        org.get_by_label("Sửa đáp án đúng").check()
        org.locator("#decision-form").get_by_label("C", exact=True).check()
        org.get_by_label("Trả lời người khiếu nại (công khai)").fill(REPLY)
        org.get_by_role("button", name="Lưu quyết định").click()
        expect(org).to_have_url(re.compile(r"/ban-to-chuc/cong-viec/\d+$"))
        expect(
            org.get_by_text(re.compile(r"chấm lại 13 lượt thi, 13 lượt đổi điểm"))
        ).to_be_visible()
        expect(
            org.get_by_text(re.compile(r"Kết quả mới: phiên bản 2 \(chưa công bố\)"))
        ).to_be_visible()

        # 4. The rank diff: who moved, who gained or lost a prize.
        org.locator("#job-back").click()
        expect(org).to_have_url(re.compile(rf"/dot-thi/{d['round_id']}/thay-doi$"))
        expect(org.locator("#diff-summary")).to_contain_text("Phiên bản 1 → phiên bản 2")
        prizes = org.locator("#prize-changes tbody tr")
        lucky = prizes.filter(has_text=d["lucky"])
        expect(lucky).to_contain_text("Giải Nhất → không")
        expect(lucky).to_contain_text("mất giải")
        mine = prizes.filter(has_text=d["me"])
        expect(mine).to_contain_text("Giải Nhì → Giải Nhất")
        expect(org.locator("#rank-moves tbody tr").filter(has_text=d["me"])).to_contain_text(
            "lên 1 bậc"
        )
        _axe_both(org, source, "the rank diff page")

        # 5. Publishing in the window is refused until the box is ticked.
        publish = org.get_by_role("button", name="Công bố kết quả phiên bản 2")
        publish.click()
        refused = org.get_by_role("alert").filter(has_text="Thời hạn khiếu nại đáp án còn mở")
        expect(refused).to_be_visible()
        org.goto(f"/ban-to-chuc/dap-an/dot-thi/{d['round_id']}/thay-doi")
        org.get_by_label("Công bố trước khi hết hạn khiếu nại đáp án").check()
        org.get_by_role("button", name="Công bố kết quả phiên bản 2").click()
        expect(org.get_by_text("Đã công bố kết quả (phiên bản 2).")).to_be_visible()
        org.wait_for_load_state("networkidle")

        # 6. The participant reads the public reply, the revised key and the new score.
        page.goto(result_url)
        expect(page.locator("#result-score")).to_have_text("3/3")
        block = page.locator(f"#cau-{qid}")
        expect(block.locator(".dispute-reply")).to_contain_text(REPLY)
        expect(block.locator(".dispute-reply")).to_contain_text("Sửa đáp án đúng")
        expect(block).to_contain_text("đã được Ban Tổ chức sửa")
        expect(page.locator("#published-rank")).to_contain_text("Hạng 1/13")
        expect(page.locator("#published-rank")).to_contain_text("Giải Nhất")
        _axe_both(page, source, "the review with the reply")
        page.wait_for_load_state("networkidle")
    finally:
        phone.close()
        desk.close()
