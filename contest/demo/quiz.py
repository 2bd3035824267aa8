"""Demo quiz contest: one round open now (closing in 14 days) and one upcoming round."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from contest.demo.bank import DEMO_BANK_NAME
from contest.extensions import db
from contest.models import Contest
from contest.services import round_lifecycle, rounds
from contest.services.banks import get_bank_by_name

DEMO_CONTEST_TITLE = (
    "Cuộc thi trắc nghiệm tìm hiểu lịch sử Đảng bộ tỉnh Lai Châu và văn kiện Đại hội Đảng"
)

DEMO_RULES = "\n\n".join(
    [
        "Cuộc thi dành cho cán bộ, đảng viên, đoàn viên, thanh niên, học sinh, sinh viên và nhân "
        "dân đang sinh sống, học tập, làm việc trên địa bàn tỉnh (trừ thành viên Ban Tổ chức, Tổ "
        "thư ký và người ra đề).",
        "Mỗi tuần là một đợt thi. Mỗi lượt thi gồm 20 câu hỏi trắc nghiệm rút ngẫu nhiên từ ngân "
        "hàng câu hỏi và một câu hỏi dự đoán. Thời gian làm bài là 15 phút, tính từ lúc đề hiện "
        "ra. Mỗi người được thi tối đa 3 lượt trong một đợt; kết quả cao nhất được dùng để xếp "
        "giải.",
        "Người dự thi phải khai đúng họ tên, ngày sinh, số CCCD, số điện thoại và đơn vị. Ban Tổ "
        "chức sẽ liên hệ người đoạt giải qua số điện thoại đã đăng ký.",
        "Kết quả và danh sách đoạt giải được công bố trên trang này sau khi mỗi đợt thi kết thúc.",
    ]
)


def load_demo_quiz(*, now: datetime) -> Contest | None:
    """Create the demo contest once; later calls change nothing. Returns it."""
    existing = db.session.scalar(select(Contest).where(Contest.title == DEMO_CONTEST_TITLE))
    if existing is not None:
        return existing
    bank = get_bank_by_name(DEMO_BANK_NAME)
    if bank is None:
        return None
    contest = rounds.save_contest(
        rounds.ContestInput(
            title=DEMO_CONTEST_TITLE,
            rules_text=DEMO_RULES,
            summary="Thi trắc nghiệm trực tuyến hằng tuần, có giải thưởng cho cá nhân và tập thể.",
        ),
        actor=None,
        now=now,
    )
    start = now.replace(second=0, microsecond=0) - timedelta(hours=1)
    first = rounds.save_round(
        contest,
        rounds.RoundInput(
            name="Tuần 1",
            opens_at=start,
            closes_at=start + timedelta(days=14),
            question_count=20,
            time_limit_minutes=15,
            max_attempts=3,
            bank_ids=[bank.id],
            allow_practice=True,
        ),
        actor=None,
        now=now,
    )
    second = rounds.save_round(
        contest,
        rounds.RoundInput(
            name="Tuần 2",
            opens_at=start + timedelta(days=14),
            closes_at=start + timedelta(days=21),
            question_count=20,
            time_limit_minutes=15,
            max_attempts=3,
            bank_ids=[bank.id],
        ),
        actor=None,
        now=now,
    )
    for round_ in (first, second):
        round_lifecycle.publish_round(round_, actor=None, now=now)
    rounds.set_published(contest, True, actor=None, now=now)
    return contest
