"""Issue 14 item 7: similarity flags for an essay stage. Three real .docx files made by
python-docx (an essay, a near-copy with small edits, an unrelated one) are uploaded and
submitted; the organisers' page finds the one pair (Jaccard on 5-word shingles ≥ 50 %),
shows both texts side by side with the shared passages marked, and computes again by
itself when entries change. Judges never reach these pages, and their own pages name no
author."""

from __future__ import annotations

import io
import random
import unicodedata
from datetime import timedelta

import docx
import pytest
from sqlalchemy import select

from contest.models import Role
from contest.models.job import Job, JobStatus
from contest.models.similarity import SimilarityRun
from contest.services import essay_contests, essay_entries, essay_judging, similarity
from tests.conftest import NOW, csrf_from
from tests.contest.essay.support import close_window, make_essay_contest

WORDS = (
    "đảng cộng sản việt nam lãnh đạo nhân dân xây dựng bảo vệ tổ quốc đổi mới phát triển "
    "kinh tế xã hội văn hóa giáo dục quê hương đất nước truyền thống cách mạng thanh niên "
    "học tập làm theo tư tưởng đạo đức phong cách hồ chí minh đại hội lần thứ nghị quyết "
    "chính sách pháp luật đoàn kết dân tộc biển đảo chủ quyền lịch sử địa phương tỉnh huyện "
    "xã phường thôn bản nông thôn mới công nghiệp hóa hiện đại hóa hội nhập quốc tế bền vững"
).split()


def essay(seed: int, n: int = 320) -> list[str]:
    """``n`` words of Vietnamese, in sentences of 8–15 words."""
    rnd = random.Random(seed)
    sentences, left = [], n
    while left > 0:
        size = min(left, rnd.randint(8, 15))
        words = [rnd.choice(WORDS) for _ in range(size)]
        sentences.append(" ".join(words).capitalize() + ".")
        left -= size
    return sentences


def docx_of(sentences: list[str]) -> bytes:
    """A real .docx written by python-docx, a paragraph every four sentences."""
    document = docx.Document()
    document.add_heading("Bài dự thi", level=1)
    for start in range(0, len(sentences), 4):
        document.add_paragraph(" ".join(sentences[start : start + 4]))
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def near_copy(sentences: list[str]) -> list[str]:
    """The same essay with small edits: a sentence changed, one added, one dropped."""
    edited = list(sentences)
    edited[3] = "Tôi xin trình bày suy nghĩ của riêng mình về vấn đề này."
    edited.insert(10, "Đây là câu được thêm vào giữa bài.")
    del edited[20]
    return edited


def uploaded_entry(db, contest, author, data: bytes, title: str):
    at = NOW - timedelta(hours=2)
    entry = essay_entries.create_entry(contest, author, now=at)
    essay_entries.save_draft(entry, title=title, text="", now=at)
    essay_entries.attach_file(entry, data, filename=f"{title}.docx", now=at)
    essay_entries.submit_entry(entry, declared=True, now=at)
    db.session.commit()
    return entry


@pytest.fixture
def world(db, make_unit, make_user):
    units = [make_unit(f"Đơn vị so sánh {n}") for n in range(3)]
    judges = [
        make_user(Role.judge, unit_id=units[2].id, full_name=f"Giám Khảo {n}") for n in (1, 2)
    ]
    contest = make_essay_contest(db, judge_ids=[j.id for j in judges], title="Viết về quê hương")
    original = essay(1)
    authors = [
        make_user(unit_id=units[0].id, full_name="Nguyễn Văn Gốc"),
        make_user(unit_id=units[1].id, full_name="Trần Thị Chép"),
        make_user(unit_id=units[1].id, full_name="Lê Văn Khác"),
    ]
    entries = [
        uploaded_entry(db, contest, authors[0], docx_of(original), "Bài gốc"),
        uploaded_entry(db, contest, authors[1], docx_of(near_copy(original)), "Bài chép"),
        uploaded_entry(db, contest, authors[2], docx_of(essay(2)), "Bài khác"),
    ]
    stage = essay_contests.stages_of(contest)[0]
    return {"contest": contest, "stage": stage, "entries": entries, "judges": judges}


def page(contest, stage, suffix=""):
    return f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/vong/{stage.id}/giong-nhau{suffix}"


# --- the pure comparison -------------------------------------------------------------------


def test_words_are_compared_in_one_spelling_nfc_case_and_optionally_without_diacritics():
    nfc = "Đại hội Đảng lần thứ XIV thành công rực rỡ"
    nfd = unicodedata.normalize("NFD", nfc.upper())
    bare = "dai hoi dang lan thu xiv thanh cong ruc ro"
    assert similarity.shingle_set(nfc) == similarity.shingle_set(nfd)
    assert similarity.shingle_set(nfc) != similarity.shingle_set(bare)
    assert similarity.shingle_set(nfc, fold=True) == similarity.shingle_set(bare, fold=True)
    left, right, score = similarity.shared_passages(
        "Mở đầu riêng. " + nfc + ". Kết riêng của tôi.", "Khác hẳn: " + nfc.lower() + "!"
    )
    assert score > 0
    assert [p.text for p in left if p.shared] == [nfc]
    assert [p.text for p in right if p.shared] == [nfc.lower()]
    assert "".join(p.text for p in left) == "Mở đầu riêng. " + nfc + ". Kết riêng của tôi."


def test_only_pairs_at_or_above_the_threshold_are_reported():
    original = " ".join(essay(1))
    copy = " ".join(near_copy(essay(1)))
    other = " ".join(essay(2))
    pairs = similarity.similar_pairs([(1, original), (2, copy), (3, other)], threshold=0.5)
    assert [(p.a, p.b) for p in pairs] == [(1, 2)]
    assert 0.5 <= pairs[0].jaccard < 1
    assert similarity.similar_pairs([(1, original), (3, other)], threshold=0.2) == []


# --- the organisers' pages -------------------------------------------------------------------


def test_the_organiser_sees_the_near_copies_side_by_side(client, db, login, make_user, world):
    contest, stage, (first, copy, other) = world["contest"], world["stage"], world["entries"]
    assert "Tôi xin trình bày" in copy.latest_version.text  # the text came from the .docx
    login(make_user(Role.organiser))
    assert f'href="{page(contest, stage)}"' in client.get(
        f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/vong/{stage.id}"
    ).get_data(as_text=True)
    response = client.get(page(contest, stage))
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    run = db.session.scalar(select(SimilarityRun).where(SimilarityRun.stage_id == stage.id))
    assert run.entries == 3 and run.threshold_pct == 50 and run.shingle_words == 5
    (pair,) = run.pairs
    pair_id = pair.id
    assert (pair.entry_a_id, pair.entry_b_id) == (first.id, copy.id)
    assert "Nguyễn Văn Gốc" in html and "Trần Thị Chép" in html and "Lê Văn Khác" not in html
    assert first.code in html and copy.code in html and other.code not in html

    side = client.get(page(contest, stage, f"/{pair.id}"))
    body = side.get_data(as_text=True)
    assert side.status_code == 200
    assert body.count("<mark>") >= 4  # both sides, passages around the edits
    assert "Tôi xin trình bày suy nghĩ" in body
    marked = body.split("<mark>")[1].split("</mark>")[0]
    assert len(marked.split()) >= 5

    # Entries change (the copy is taken out): the page compares again by itself.
    essay_entries.disqualify(copy, "Sao chép bài của người khác", actor=None, now=NOW)
    db.session.commit()
    again = client.get(page(contest, stage)).get_data(as_text=True)
    run = db.session.scalar(select(SimilarityRun).where(SimilarityRun.stage_id == stage.id))
    assert run.entries == 2 and run.pairs == []
    assert "Không có cặp bài nào giống nhau" in again
    jobs = db.session.scalars(select(Job).where(Job.kind == "essay_similarity")).all()
    assert len(jobs) == 2 and all(j.status is JobStatus.done for j in jobs)
    # An old pair's page says it was computed again.
    assert client.get(page(contest, stage, f"/{pair_id}")).status_code == 404


def test_the_organiser_chooses_the_threshold_and_diacritics_folding(
    client, db, login, make_user, world
):
    contest, stage = world["contest"], world["stage"]
    login(make_user(Role.organiser))
    token = csrf_from(client, page(contest, stage))
    bad = client.post(
        page(contest, stage), data={"csrf_token": token, "threshold_pct": "5", "shingle_words": "5"}
    )
    assert bad.status_code == 422
    assert "Ngưỡng giống nhau phải là số nguyên từ 20 đến 100" in bad.get_data(as_text=True)
    asked = client.post(
        page(contest, stage),
        data={
            "csrf_token": token,
            "threshold_pct": "95",
            "shingle_words": "5",
            "fold_diacritics": "y",
        },
    )
    assert asked.status_code == 302 and "/ban-to-chuc/cong-viec/" in asked.headers["Location"]
    run = db.session.scalar(select(SimilarityRun).where(SimilarityRun.stage_id == stage.id))
    assert (run.threshold_pct, run.fold_diacritics, run.pairs) == (95, True, [])
    job_page = client.get(asked.headers["Location"]).get_data(as_text=True)
    assert "Đã so sánh 3 bài: 0 cặp giống nhau từ 95 % trở lên." in job_page


def test_judges_never_reach_the_similarity_pages_and_their_pages_name_nobody(
    client, db, login, make_user, world
):
    contest, stage = world["contest"], world["stage"]
    organiser = make_user(Role.organiser)
    login(organiser)
    assert client.get(page(contest, stage)).status_code == 200
    pair = db.session.scalar(select(SimilarityRun).where(SimilarityRun.stage_id == stage.id)).pairs[
        0
    ]
    close_window(db, contest)
    essay_judging.assign_stage(stage, actor=None, now=NOW, seed=1)
    db.session.commit()

    judge = world["judges"][0]
    login(judge)
    for path in (page(contest, stage), page(contest, stage, f"/{pair.id}")):
        assert client.get(path).status_code in (403, 404), path
    token = csrf_from(client, "/cham-bai/")
    assert client.post(page(contest, stage), data={"csrf_token": token}).status_code in (403, 404)
    queue = client.get("/cham-bai/").get_data(as_text=True)
    sheets = essay_judging.judge_queue(judge)[0]
    assert sheets
    for assignment in sheets:
        sheet = client.get(f"/cham-bai/{assignment.id}").get_data(as_text=True)
        assert assignment.entry.code in sheet
        for name in ("Nguyễn Văn Gốc", "Trần Thị Chép", "Lê Văn Khác", "giống nhau"):
            assert name not in sheet and name not in queue


def test_disqualifying_or_restoring_an_entry_compares_the_stage_again(
    client, db, login, make_user, world
):
    contest, stage, (first, copy, _other) = world["contest"], world["stage"], world["entries"]
    login(make_user(Role.organiser))
    assert client.get(page(contest, stage)).status_code == 200
    entry_page = f"/ban-to-chuc/cuoc-thi-viet/{contest.id}/bai/{copy.id}"
    token = csrf_from(client, entry_page)
    out = client.post(entry_page + "/loai", data={"csrf_token": token, "reason": "Sao chép"})
    assert out.status_code == 303

    def stored():
        db.session.expire_all()
        run = db.session.scalar(select(SimilarityRun).where(SimilarityRun.stage_id == stage.id))
        return run.entries, [(p.entry_a_id, p.entry_b_id) for p in run.pairs]

    assert stored() == (2, [])  # without opening the similarity page
    assert client.post(entry_page + "/khoi-phuc", data={"csrf_token": token}).status_code == 303
    assert stored() == (3, [(first.id, copy.id)])
