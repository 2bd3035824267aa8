"""All models, imported so Alembic and the app see every table."""

from contest.models import (  # noqa: F401  (their tables register themselves)
    cache,
    certificate,
    disputes,
    essay,
    funnel,
    job,
    notification,
    participation,
    referral,
    results,
    similarity,
)
from contest.models.audit import AuditEntry
from contest.models.exclusion import Exclusion
from contest.models.question import Difficulty, Option, Question, QuestionBank
from contest.models.quiz import (
    Answer,
    Attempt,
    AttemptQuestion,
    AttemptStatus,
    Contest,
    ContestKind,
    PredictionTarget,
    ReviewPolicy,
    Round,
    TieBreak,
)
from contest.models.unit import Category, Unit, UnitKind
from contest.models.user import Gender, Role, User

__all__ = [
    "Answer",
    "Attempt",
    "AttemptQuestion",
    "AttemptStatus",
    "AuditEntry",
    "Category",
    "Contest",
    "ContestKind",
    "Difficulty",
    "Exclusion",
    "Gender",
    "Option",
    "PredictionTarget",
    "Question",
    "QuestionBank",
    "ReviewPolicy",
    "Role",
    "Round",
    "TieBreak",
    "Unit",
    "UnitKind",
    "User",
]
