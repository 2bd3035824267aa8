"""schemathesis against the app in process: every operation of /api/openapi.json, with
generated valid and invalid input, must answer without a 500 and as the spec says
(status code, content type, headers and body schema). A signed-in participant with an
attempt in progress is set up first, and half the cases use its real ids and CSRF token,
so the checks reach the real code and not only the 401, 400 and 404 at the door.

Bounded and deterministic: a fixed number of examples per operation and mode,
``derandomize=True`` and no example database."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from contest.api.openapi import build_spec

EXAMPLES = 40
CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_headers_conformance,
    response_schema_conformance,
]
SCHEMA = schemathesis.openapi.from_dict(build_spec())
OPERATIONS = sorted(
    (op.path, op.method.lower()) for op in (result.ok() for result in SCHEMA.get_all_operations())
)


def _takes_input(path: str, method: str) -> bool:
    """Whether an operation has anything to send wrong (else no negative case exists)."""
    op = SCHEMA[path][method]
    return any(True for _ in op.iter_parameters()) or "requestBody" in op.definition.raw


CASES = [
    pytest.param(path, method, mode, id=f"{method.upper()} {path} {mode.value}")
    for path, method in OPERATIONS
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)
    if mode is GenerationMode.POSITIVE or _takes_input(path, method)
]


def test_the_spec_lists_every_operation_under_test():
    assert len(OPERATIONS) >= 12


@pytest.fixture
def signed_in(app, client, db, login, make_round, make_user):
    """A participant signed in, with a submitted attempt (for the unsent report, which
    only a finished attempt takes) and a second one in progress on an open round."""
    round_ = make_round(question_count=5)
    login(make_user())

    def start():
        started = client.post(f"/api/rounds/{round_.id}/attempts", headers=login.headers)
        assert started.status_code == 201, started.get_json()
        return started.get_json()

    finished = start()
    submitted = client.post(f"/api/attempts/{finished['id']}/submit", headers=login.headers)
    assert submitted.status_code == 200, submitted.get_json()
    body = start()
    return {
        "round_id": round_.id,
        "attempt_id": body["id"],
        "finished_attempt_id": finished["id"],
        "question_id": body["questions"][0]["id"],
        "csrf": login.csrf_token,
    }


def _real_values(path: str, method: str, state: dict) -> tuple[dict, dict]:
    """The real ids in the path and the real token in the headers, for ``path``."""
    ids = {
        name: state[name]
        for name in ("round_id", "attempt_id", "question_id")
        if "{" + name + "}" in path
    }
    if path.endswith("/unsent"):
        ids["attempt_id"] = state["finished_attempt_id"]
    op = SCHEMA[path][method]
    wants_csrf = any(p.name == "X-CSRFToken" for p in op.iter_parameters())
    return ids, ({"X-CSRFToken": state["csrf"]} if wants_csrf else {})


def _strategy(path: str, method: str, mode: GenerationMode, state: dict):
    op = SCHEMA[path][method]
    ids, headers = _real_values(path, method, state)
    return st.one_of(
        op.as_strategy(generation_mode=mode),
        op.as_strategy(generation_mode=mode, path_parameters=ids, headers=headers),
    )


@pytest.mark.parametrize(("path", "method", "mode"), CASES)
def test_operation_answers_as_documented(app, client, signed_in, path, method, mode):
    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        derandomize=True,
        database=None,
        suppress_health_check=list(HealthCheck),
    )
    @given(case=_strategy(path, method, mode, signed_in))
    def run(case):
        response = case.call(app=app, session=client)
        case.validate_response(response, checks=CHECKS)

    run()


def test_signed_in_cases_reach_the_real_attempt(app, client, signed_in):
    """The set-up really signs in: the real attempt answers 200, not 401 or 404."""
    got = client.get(f"/api/attempts/{signed_in['attempt_id']}")
    assert got.status_code == 200
    assert got.get_json()["status"] == "in_progress"
    finished = client.get(f"/api/attempts/{signed_in['finished_attempt_id']}")
    assert finished.get_json()["status"] == "submitted"
