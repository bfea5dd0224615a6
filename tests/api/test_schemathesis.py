"""Property-based run of the whole API against its own OpenAPI schema, on a live server.

Every operation is called with schema-generated requests (bounded: MAX_EXAMPLES each) as an
authenticated user who owns an album, a photo and jobs; half of the generated ids are swapped
for that user's real ids so both the found and the not-found paths run. Checks: no 5xx, every
status, content type, header and body as the schema documents them.
"""

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis.errors import Unsatisfiable
from knox.models import get_token_model
from schemathesis import GenerationMode, checks

from tests import factories

MAX_EXAMPLES = 10

pytestmark = [pytest.mark.django_db(transaction=True), pytest.mark.slow]


@pytest.fixture
def world(live_server, settings, _isolated_media):
    """The authenticated caller and things it owns; another user's photo for cross-checks."""
    owner = factories.make_user("schema-owner@example.com")
    album = factories.make_album(owner, "Schema album")
    photo = factories.make_photo(owner, album, title="schema")
    from tests.api.conftest import finished_job_for

    done = finished_job_for(owner, photo)
    # The schema's model-id enum comes from the engine registry (which imports torch): load it
    # here, not within schemathesis' 10-second wait for the schema.
    import enhance.engine.registry  # noqa: F401

    return {"owner": owner, "ids": {"albums": album.pk, "photos": photo.pk, "jobs": done.pk}}


def _token(user) -> str:
    _instance, token = get_token_model().objects.create(user=user, expiry=None)
    return token


def test_api_conforms_to_its_schema(world, live_server):
    # schemathesis' own pytest integration (from_fixture) does not work with this pytest
    # version, so every operation gets its own hypothesis run here.
    api_schema = schemathesis.openapi.from_url(f"{live_server.url}/api/schema/")
    failures = {}
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 20

    runs = [(op, mode) for op in operations for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE)]
    for operation, mode in runs:
        @given(case=operation.as_strategy(generation_mode=mode))
        @settings(max_examples=MAX_EXAMPLES, deadline=None, database=None, derandomize=True,
                  suppress_health_check=list(HealthCheck))
        def run(case):
            _call(case, world, live_server)

        try:
            run()
        except Unsatisfiable:
            assert mode == GenerationMode.NEGATIVE  # nothing to negate: the operation takes no input
        except Exception as exc:  # keep going: one report with every failing operation
            failures[f"{operation.label} ({mode.value})"] = f"{type(exc).__name__}: {exc}"[:1500]
    assert not failures, "\n\n".join(f"{label}\n{text}" for label, text in failures.items())


def _call(case, world, live_server):
    resource = case.path.split("/")[3] if case.path.count("/") > 3 else ""
    path_id = (case.path_parameters or {}).get("id")
    if isinstance(path_id, int) and path_id % 2 == 0 and resource in world["ids"]:
        case.path_parameters["id"] = world["ids"][resource]
    # A fresh token per call: DELETE auth/token/ revokes the one it is called with.
    case.call_and_validate(
        base_url=live_server.url,
        headers={"Authorization": f"Token {_token(world['owner'])}"},
        excluded_checks=_excluded_checks(case),
    )


def _excluded_checks(case) -> list:
    # Schema-valid bodies the API rightly refuses with 400 (a weak password, an unknown model
    # id, a blank name) are business rules a JSON schema cannot express.
    excluded = [checks.positive_data_acceptance]
    if case.media_type in ("multipart/form-data", "application/x-www-form-urlencoded"):
        # On these wires every value is text: a "boolean" title `true` is a fine string.
        excluded.append(checks.negative_data_rejection)
    return excluded
