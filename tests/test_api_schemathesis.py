"""schemathesis over the whole OpenAPI schema, with each role's token and with none.

Every operation the API publishes is called with generated requests, valid and invalid, as every
role and anonymously, in-process through the Django WSGI app. The answer must never be a 5xx,
must match the schema (status code documented, body valid, content type documented), and invalid
data must be refused with a 4xx. Deterministic (derandomized) and bounded, so it runs in make test.
"""

from __future__ import annotations

import os
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest
import schemathesis
from django.core.handlers.wsgi import WSGIHandler
from django.core.signals import request_finished, request_started
from django.db import close_old_connections
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.generation.feedback import FeedbackSources
from schemathesis.generation.hypothesis.builder import (
    HypothesisTestConfig,
    HypothesisTestMode,
    create_test,
)
from schemathesis.generation.overrides import Override
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    negative_data_rejection,
    response_schema_conformance,
    status_code_conformance,
)

from hotline.accounts.models import ApiToken
from hotline.domain.lifecycle import Role, State
from hotline.supervision.services import case_open
from tests.common.world import World

pytestmark = pytest.mark.django_db

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    response_schema_conformance,
    content_type_conformance,
    negative_data_rejection,
]
# Every identity goes over the whole schema. Three roles that between them reach every view's
# logic (supervision, call center, dispatch, a unit's work) also get schemathesis' coverage cases:
# boundary values, missing and wrongly typed parameters, each parameter made invalid in turn;
# their order and case paths name a real order or case they may see, so the lifecycle actions
# and case steps run. The others, and no token at all, get fuzzed examples only, on random
# paths: validation does not depend on the role (ninja checks the request before the view
# runs), so their cases test the refusals and the 404s.
# HOTLINE_SCHEMATHESIS_EXAMPLES raises the fuzzed examples per operation for a deeper local run.
FUZZED = int(os.environ.get("HOTLINE_SCHEMATHESIS_EXAMPLES", "5"))
DEEP = ("supervisor", "dispatcher", "handler")
IDENTITIES = ["anonymous", *(role.value for role in Role)]


@pytest.fixture
def in_transaction() -> Iterator[None]:
    """Requests run inside the test's transaction: Django closes "old" connections as each request
    starts and ends, which would end the transaction, so those hooks are lifted meanwhile (as the
    test client does)."""
    request_started.disconnect(close_old_connections)
    request_finished.disconnect(close_old_connections)
    yield
    request_started.connect(close_old_connections)
    request_finished.connect(close_old_connections)


def _schema(*, examples: int) -> Any:
    schema = schemathesis.openapi.from_wsgi("/api/openapi.json", WSGIHandler())
    schema.config.generation.update(
        modes=[GenerationMode.POSITIVE, GenerationMode.NEGATIVE],
        max_examples=examples,
        deterministic=True,
        database="none",
        with_security_parameters=False,
    )
    return schema


class Run:
    """One identity's pass over the schema: cases per operation, answers per status class, and
    the distinct failures with schemathesis' report (the request to reproduce each)."""

    def __init__(self, *, headers: dict[str, str]) -> None:
        self.headers = headers
        self.cases: Counter[str] = Counter()
        self.statuses: Counter[str] = Counter()
        self.failures: dict[str, str] = {}

    def check(self, case: schemathesis.Case) -> None:
        label = case.operation.label
        self.cases[label] += 1
        response = case.call(headers=self.headers)
        self.statuses[f"{response.status_code // 100}xx"] += 1
        try:
            case.validate_response(response, checks=CHECKS, headers=self.headers)
        except FailureGroup as group:
            for failure in group.exceptions:
                self.failures.setdefault(f"{label}: {failure.title}", str(group))


def _run(schema: Any, *, headers: dict[str, str], known: dict[str, str] | None) -> Run:
    """``known``: the order and case numbers to put in paths, for a deep run; None: fuzz only."""
    run = Run(headers=headers)
    modes = [HypothesisTestMode.FUZZING, *([HypothesisTestMode.COVERAGE] if known else [])]
    project = schema.config
    for result in schema.get_all_operations():
        operation = result.ok()
        settings = project.get_hypothesis_settings(operation=operation, phase="fuzzing")
        path: dict[str, str] = {}
        if known and "{number}" in operation.path:
            kind = "case" if "/supervision/" in operation.path else "order"
            path["number"] = known[kind]
        config = HypothesisTestConfig(
            project=project,
            modes=modes,
            settings=settings,
            feedback=FeedbackSources(),
            override=Override(path_parameters=path),
        )
        create_test(operation=operation, test_func=run.check, config=config)()
    return run


@pytest.mark.parametrize("identity", IDENTITIES)
def test_the_api_never_fails_and_answers_as_documented(
    world: World, in_transaction: None, identity: str
) -> None:
    headers = {}
    if identity != "anonymous":
        _, token = ApiToken.issue(user=world.by_role(Role(identity)))
        headers["Authorization"] = f"Bearer {token}"
    order = world.create()
    known = None
    if identity in DEEP:
        if identity == "handler":  # an order with the handler's unit, being handled
            order = world.walk(order, State.HANDLING)
        case = case_open(actor=world.supervisor, title="夜间噪音投诉反复退单")
        known = {"order": order.number, "case": case.number}
    schema = _schema(examples=FUZZED)
    run = _run(schema, headers=headers, known=known)
    print(
        f"schemathesis {identity}: {len(run.cases)} of {len(schema)} operations, "
        f"{sum(run.cases.values())} cases, {dict(sorted(run.statuses.items()))}"
    )
    assert not run.failures, "\n".join(list(run.failures.values())[:10])
    assert run.statuses["5xx"] == 0
    assert len(run.cases) == len(schema)
