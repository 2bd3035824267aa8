"""A question's picture on the quiz page of a 360 × 740 phone: it loads (the participant's
own paper holds it), fits the screen without horizontal scrolling, keeps its aspect, has
its alt text, loads lazily, and its width/height attributes reserve its space."""

from __future__ import annotations

import io
import re
from datetime import date, timedelta

import pytest
from PIL import Image, ImageDraw
from sqlalchemy import select

pytestmark = pytest.mark.browser

PASSWORD = "hinh-anh-2026"
ALT = "Biển báo hình tròn, viền đỏ, nền trắng"


def _photo() -> bytes:
    image = Image.new("RGB", (2400, 1800), (240, 240, 240))
    ImageDraw.Draw(image).ellipse((600, 300, 1800, 1500), outline=(200, 0, 0), width=120)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=90)
    return out.getvalue()


@pytest.fixture(scope="module")
def pictured(live_app):
    """A contest of its own: 3 questions, each with a picture (the first with alt text),
    a round open now, and a participant: (contest slug, round id, phone)."""
    from contest.db import utcnow
    from contest.demo import load_demo
    from contest.extensions import db
    from contest.models import Category, Contest, Gender, Role, Round, Unit, UnitKind, User
    from contest.services import banks, question_images, questions
    from contest.services.passwords import hash_password
    from question_bank.text import fold

    now = utcnow()
    with live_app.app_context():
        load_demo(now=now)  # units and categories (idempotent)
        bank = banks.create_bank("Biển báo (hình)", actor=None, now=now)
        image = question_images.store(_photo())
        for n in range(3):
            data = questions.QuestionInput(
                topic="Biển báo",
                text=f"Câu {n + 1}: biển báo trong hình thuộc nhóm nào?",
                options=["Biển cấm", "Biển nguy hiểm", "Biển chỉ dẫn", f"Biển phụ {n}"],
                correct=[0],
                image=image,
                image_alt=ALT if n == 0 else "",
            )
            questions.create_question(bank, data, actor=None, now=now)
        contest = Contest(
            title="Hiểu biết biển báo",
            slug="hieu-biet-bien-bao",
            is_published=True,
            rules_text="Thể lệ.",
            created_at=now,
        )
        db.session.add(contest)
        db.session.flush()
        round_ = Round(
            contest_id=contest.id,
            name="Tuần 1",
            opens_at=now - timedelta(days=1),
            closes_at=now + timedelta(days=6),
            question_count=3,
            time_limit_minutes=15,
            max_attempts=3,
            shuffle_questions=False,
            bank_ids=[bank.id],
            created_at=now,
            published_at=now,
            prediction_text="Có bao nhiêu người trả lời đúng tất cả?",
        )
        db.session.add(round_)
        unit = db.session.scalars(select(Unit).where(Unit.kind == UnitKind.commune)).first()
        user = User(
            role=Role.participant,
            full_name="Lê Văn Hình",
            name_key=fold("Lê Văn Hình"),
            birth_date=date(1990, 3, 4),
            gender=Gender.male,
            id_number="012090777123",
            phone="0966777123",
            unit_id=unit.id,
            category_id=db.session.scalars(select(Category.id)).first(),
            password_hash=hash_password(PASSWORD),
            created_at=now,
        )
        db.session.add(user)
        db.session.commit()
        return contest.slug, round_.id, user.phone


def test_the_picture_fits_a_360_px_phone_with_its_alt_text(page, pictured):
    slug, round_id, phone = pictured
    page.goto("/dang-nhap")
    page.get_by_label("Số điện thoại hoặc email").fill(phone)
    page.get_by_label("Mật khẩu").fill(PASSWORD)
    page.get_by_role("button", name="Đăng nhập").last.click()
    page.wait_for_url(lambda url: "/dang-nhap" not in url)
    page.goto(f"/cuoc-thi/{slug}")
    page.locator(f"main a[href$='/dot-thi/{round_id}/bat-dau']").first.click()
    page.wait_for_url(re.compile(r"/bat-dau$"))
    page.locator("main form:not(.mt-2) button[type=submit]").first.click()
    page.wait_for_url(re.compile(r"/luot-thi/\d+$"))

    picture = page.locator("#question-image")
    picture.wait_for()
    page.wait_for_function(
        "() => { const i = document.getElementById('question-image');"
        " return i && i.complete && i.naturalWidth > 0; }"
    )
    facts = page.evaluate(
        """() => { const i = document.getElementById('question-image');
        const box = i.getBoundingClientRect();
        return {alt: i.alt, loading: i.getAttribute('loading'),
                width: i.getAttribute('width'), height: i.getAttribute('height'),
                natural: [i.naturalWidth, i.naturalHeight], box: [box.width, box.height],
                left: box.left, right: box.right,
                scroll: document.documentElement.scrollWidth,
                viewport: window.innerWidth,
                after: i.previousElementSibling && i.previousElementSibling.id}; }"""
    )
    assert facts["alt"] == ALT
    assert facts["loading"] == "lazy"
    assert (facts["width"], facts["height"]) == ("1280", "960")
    assert facts["natural"] == [1280, 960]  # served to its participant, resized
    assert facts["after"] == "question-text"  # under the question's text
    assert facts["left"] >= 0 and facts["right"] <= facts["viewport"]
    assert facts["scroll"] <= facts["viewport"]  # no horizontal scrolling at 360 px
    assert facts["box"][0] <= 360 and abs(facts["box"][0] * 0.75 - facts["box"][1]) < 2

    # The next question: its picture has the alt text made from the question.
    page.locator("#next").click()
    expect_alt = "Hình minh họa cho câu hỏi: Câu 2: biển báo trong hình thuộc nhóm nào?"
    page.wait_for_function(
        "(alt) => document.getElementById('question-image').alt === alt", arg=expect_alt
    )
