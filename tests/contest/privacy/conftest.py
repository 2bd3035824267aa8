"""The results tests' helpers for participants and closed rounds, shared here."""

from tests.contest.results.test_results import closed_round, people  # noqa: F401
