"""The demo data that ``make run`` loads (``flask demo load``), each part in its module:
units, categories and accounts; the 60-question bank; a quiz contest with an open and an
upcoming round; a closed, published round with simulated participants, which sends the
best of each unit to a province final (the funnel); an essay contest.
"""

from __future__ import annotations

from datetime import datetime

from contest.demo import accounts, bank, essay, quiz
from contest.demo import funnel as demo_funnel
from contest.demo import results as demo_results
from contest.demo.accounts import DEMO_PASSWORD

__all__ = ["DEMO_PASSWORD", "load_demo"]


def load_demo(*, now: datetime) -> list[tuple[str, str, str]]:
    """Create what is missing of the demo data (idempotent); flushes, never commits.

    Returns the demo accounts as (role, login, password) for printing.
    """
    printed = accounts.load_accounts(now=now)
    bank.load_demo_bank(now=now)
    quiz.load_demo_quiz(now=now)
    demo_results.load_demo_results(now=now)
    demo_funnel.load_demo_funnel(now=now)
    essay.load_demo_essay(now=now)
    return printed
