"""A question's picture in the quiz API and at its URL: who may see it (organisers, the
participant whose paper holds it, never before the round opens), the cache headers, the
served paper keeping its picture after a change, and the edit page's upload."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from PIL import Image

from contest.models import Role
from contest.services import papers, question_images, questions
from tests.conftest import NOW
from tests.contest.banks.picture_helpers import jpeg_with_gps, png


@pytest.fixture
def pictured_round(db, make_bank, make_round):
    """A round of 3 questions drawn from a bank of 3, the first with a picture."""
    bank = make_bank(n=3)
    first = bank.questions[0]
    image = question_images.store(png(text="Biển báo"))
    first.image_id, first.image_alt = image.id, "Biển tròn viền đỏ"
    db.session.commit()
    papers.invalidate_pool()
    return make_round(bank, question_count=3), first, image


def _start(client, login, round_id):
    return client.post(f"/api/rounds/{round_id}/attempts", json={}, headers=login.headers)


def test_the_paper_carries_the_picture_and_only_its_participant_can_load_it(
    client, login, make_user, pictured_round
):
    round_, first, image = pictured_round
    participant, other = make_user(), make_user()
    url = f"/question-images/{image.sha256}.png"
    login(participant)
    assert client.get(url).status_code == 404  # no paper yet: nothing leaks
    body = _start(client, login, round_.id).get_json()
    by_id = {q["id"]: q for q in body["questions"]}
    assert by_id[first.id]["image"] == {
        "url": url,
        "alt": "Biển tròn viền đỏ",
        "width": 400,
        "height": 300,
    }
    assert [q["image"] for q in body["questions"] if q["id"] != first.id] == [None, None]
    # Read back (the quiz page reloaded): the same picture.
    again = client.get(f"/api/attempts/{body['id']}").get_json()
    assert {q["id"]: q["image"] for q in again["questions"]}[first.id]["url"] == url

    response = client.get(url)
    assert response.status_code == 200 and response.mimetype == "image/png"
    assert response.headers["Cache-Control"] == "private, max-age=31536000, immutable"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert Image.open(io.BytesIO(response.data)).size == (400, 300)
    etag = response.headers["ETag"]
    assert client.get(url, headers={"If-None-Match": etag}).status_code == 304
    assert client.get(f"/question-images/{image.sha256}.jpg").status_code == 404

    client.post("/dang-xuat", data={"csrf_token": login.csrf_token})
    login(other)  # signed in, but their paper (none) does not hold it
    assert client.get(url).status_code == 404


def test_organisers_see_every_picture_and_strangers_none(client, login, make_user, pictured_round):
    _round, _first, image = pictured_round
    url = f"/question-images/{image.file_name}"
    assert client.get(url).status_code == 404  # signed out
    login(make_user(Role.organiser))
    assert client.get(url).status_code == 200


def test_a_round_not_yet_open_serves_no_picture(
    client, login, make_user, db, make_bank, make_round
):
    bank = make_bank(n=3)
    image = question_images.store(png(text="Đề tuần sau"))
    bank.questions[0].image_id = image.id
    db.session.commit()
    later = NOW + timedelta(days=365)
    round_ = make_round(bank, question_count=3, opens_at=later, closes_at=later + timedelta(days=7))
    login(make_user())
    assert _start(client, login, round_.id).status_code == 409
    assert client.get(f"/question-images/{image.file_name}").status_code == 404


def test_a_served_paper_keeps_its_picture_after_the_picture_changes(db, make_user, pictured_round):
    from contest.services import attempts

    round_, first, image = pictured_round
    attempt, _created = attempts.start_attempt(round_, make_user(), now=NOW)
    data = questions.QuestionInput(
        topic=first.topic,
        text=first.text,
        options=first.option_texts,
        correct=first.correct,
        difficulty=first.difficulty.value,
        image=question_images.store(jpeg_with_gps()),
    )
    new = questions.update_question(first, data, actor=None, now=NOW)
    db.session.commit()
    assert new.id != first.id and new.image_id != image.id
    view = attempts.attempt_view(attempt, NOW)
    served = {q["id"]: q["image"] for q in view["questions"]}
    assert served[first.id]["url"].endswith(f"{image.sha256}.png")


def test_the_edit_page_uploads_a_picture_strips_it_and_makes_a_version(
    client, login, make_user, db, make_bank
):
    bank = make_bank(n=1)
    q = bank.questions[0]
    login(make_user(Role.organiser))
    form = {
        "csrf_token": login.csrf_token,
        "topic": q.topic,
        "difficulty": q.difficulty.value,
        "text": q.text,
        "explanation": "",
        "image_alt": "Ảnh chụp biển báo",
        **{f"options-{i}-text": o.text for i, o in enumerate(q.options)},
        "options-1-is_correct": "y",
        "image": (io.BytesIO(jpeg_with_gps((2400, 1800))), "anh.jpg"),
    }
    page = f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi/{q.id}/sua"
    response = client.post(page, data=form, content_type="multipart/form-data")
    assert response.status_code == 302, response.data.decode()[:2000]
    db.session.expire_all()
    new = bank.questions[-1]
    assert new.version == 2 and new.image.width == 1280 and new.image_alt == "Ảnh chụp biển báo"
    assert not Image.open(io.BytesIO(new.image.data)).getexif()
    shown = client.get(f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi/{new.id}/sua").data.decode()
    assert f'src="/question-images/{new.image.file_name}"' in shown
    assert 'width="1280" height="960"' in shown

    bad = dict(form, image=(io.BytesIO(b"%PDF-1.4 not a picture"), "de.pdf"))
    bad["csrf_token"] = login.csrf_token
    refused = client.post(
        f"/ban-to-chuc/ngan-hang/{bank.id}/cau-hoi/{new.id}/sua",
        data=bad,
        content_type="multipart/form-data",
    )
    assert refused.status_code == 422
    assert "Tệp này không phải là hình ảnh" in refused.data.decode()
