"""Demo essay contest: open for submissions now (for 30 days), published, rubric Nội dung 60 /
Hình thức 20 / Sáng tạo 20, two stages, the three demo judges as its panel (each given a
unit, so the no-judge-from-the-author's-unit rule shows)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from contest.extensions import db
from contest.models import Contest, Role, Unit, User
from contest.services import essay_contests, rounds

DEMO_ESSAY_TITLE = (
    "Cuộc thi viết tìm hiểu lịch sử Đảng bộ tỉnh Lai Châu và văn kiện Đại hội Đảng bộ tỉnh"
)

DEMO_ESSAY_RULES = "\n\n".join(
    [
        "Cuộc thi dành cho cán bộ, đảng viên, đoàn viên, thanh niên, học sinh, sinh viên và nhân "
        "dân đang sinh sống, học tập, làm việc trên địa bàn tỉnh (trừ thành viên Ban Tổ chức, Ban "
        "Giám khảo và Tổ thư ký).",
        "Bài dự thi viết bằng tiếng Việt, dài từ 300 đến 5.000 chữ, trả lời các câu hỏi của Ban "
        "Tổ chức hoặc trình bày cảm nhận, kiến nghị về việc học tập, làm theo văn kiện Đại hội. "
        "Bài viết phải là của chính người dự thi, chưa từng công bố hoặc gửi dự thi ở nơi khác.",
        "Người dự thi có thể viết trực tiếp trên trang, hoặc tải lên tệp Word (.docx) hay PDF "
        "(khi tải tệp PDF, vui lòng dán kèm nội dung bài viết để chấm). Không ghi họ tên, đơn vị, "
        "số điện thoại vào nội dung bài: Ban Tổ chức rọc phách trước khi chuyển bài cho Ban Giám "
        "khảo.",
        "Kết quả và danh sách đoạt giải được công bố trên trang này sau vòng chung khảo.",
    ]
)

DEMO_JUDGE_UNITS = {
    "giamkhao1@hoithi.example.vn": "Ban Tuyên giáo và Dân vận Tỉnh ủy",
    "giamkhao2@hoithi.example.vn": "Sở Văn hóa, Thể thao và Du lịch",
    "giamkhao3@hoithi.example.vn": "Sở Giáo dục và Đào tạo",
}


def load_demo_essay(*, now: datetime) -> Contest | None:
    """Create the demo essay contest once; later calls change nothing. Returns it."""
    judges = []
    for email, unit_name in DEMO_JUDGE_UNITS.items():
        judge = db.session.scalar(select(User).where(User.email == email, User.role == Role.judge))
        if judge is None:
            continue
        if judge.unit_id is None:
            unit = db.session.scalar(select(Unit).where(Unit.name == unit_name))
            if unit is not None:
                judge.unit_id = unit.id
        judges.append(judge.id)
    existing = db.session.scalar(select(Contest).where(Contest.title == DEMO_ESSAY_TITLE))
    if existing is not None:
        return existing
    start = now.replace(second=0, microsecond=0) - timedelta(hours=1)
    contest = essay_contests.save_essay_contest(
        essay_contests.EssayContestInput(
            title=DEMO_ESSAY_TITLE,
            rules_text=DEMO_ESSAY_RULES,
            summary="Viết trực tiếp hoặc tải lên tệp Word, PDF; chấm rọc phách hai vòng.",
            opens_at=start,
            closes_at=start + timedelta(days=30),
            min_words=300,
            max_words=5000,
            criteria=[("Nội dung", 60), ("Hình thức", 20), ("Sáng tạo", 20)],
            stages=[
                {"name": "Sơ khảo", "rule": "top_k", "value": 10},
                {"name": "Chung khảo", "rule": None, "value": None},
            ],
            judge_ids=judges,
        ),
        actor=None,
        now=now,
    )
    rounds.set_published(contest, True, actor=None, now=now)
    db.session.flush()
    return contest
