"""All models, imported so Alembic and the app see every table."""

from contest.models.audit import AuditEntry
from contest.models.question import Difficulty, Option, Question, QuestionBank
from contest.models.unit import Category, Unit, UnitKind
from contest.models.user import Gender, Role, User

__all__ = ["AuditEntry", "Category", "Difficulty", "Gender", "Option", "Question", "QuestionBank",
           "Role", "Unit", "UnitKind", "User"]
