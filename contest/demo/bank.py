"""The demo question bank: 60 questions about Party history, loaded by ``flask demo load``."""

from __future__ import annotations

from datetime import datetime

from contest.models import QuestionBank
from contest.services import bank_files, banks
from question_bank import demo_bank_path

DEMO_BANK_NAME = "Ngân hàng câu hỏi mẫu"
DEMO_BANK_DESCRIPTION = (
    "Câu hỏi mẫu tìm hiểu lịch sử Đảng và văn kiện Đại hội, dùng để thử các đợt thi."
)


def load_demo_bank(*, now: datetime) -> QuestionBank:
    """Create the demo bank and import the packaged demo file into it, unless a bank with
    that name exists already (idempotent). Returns the bank; flushes, never commits.
    """
    bank = banks.get_bank_by_name(DEMO_BANK_NAME)
    if bank is not None:
        return bank
    bank = banks.create_bank(DEMO_BANK_NAME, DEMO_BANK_DESCRIPTION, actor=None, now=now)
    bank_files.import_questions(bank, demo_bank_path().read_bytes(), actor=None, now=now)
    return bank
