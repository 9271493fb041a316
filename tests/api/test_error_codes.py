"""Every error body carries a stable `code` beside its English `detail`: the PWA says it in the
user's language from the code (pwa/src/errors.ts), never by showing the server's sentence."""

import uuid

import pytest
from sqlalchemy.exc import DBAPIError

from api.errors import database_error
from tests.api.test_bad_input import worker  # noqa: F401  (fixture)
from tests.api.test_patrols import patrol_body
from tests.builders import login, make_district


async def test_no_token_is_not_authenticated(client):
    response = await client.get("/api/v1/me")
    assert response.status_code == 401
    assert response.json()["code"] == "not_authenticated"


async def test_a_malformed_field_is_bad_input_naming_the_field(client, worker):  # noqa: F811
    facility, _, headers = worker
    response = await client.put(
        f"/api/v1/patrols/{uuid.uuid4()}", json=patrol_body(facility, facility_id="42"), headers=headers
    )
    assert response.status_code == 400
    assert response.json()["code"] == "bad_input" and response.json()["field"] == "facility_id"


async def test_a_record_out_of_scope_is_not_found(client, worker):  # noqa: F811
    _, _, headers = worker
    response = await client.get(f"/api/v1/patrols/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "not_found"


async def test_a_file_that_is_not_an_image_is_not_an_image(client, db):
    await make_district(db)
    headers = await login(client, "worker1")
    response = await client.put(
        f"/api/v1/photos/{uuid.uuid4()}",
        content=b"hello, not a picture",
        params={"record_id": str(uuid.uuid4())},
        headers={**headers, "Content-Type": "image/jpeg"},
    )
    assert response.status_code == 415, response.text
    assert response.json()["code"] == "not_an_image"


class _PgError(Exception):
    """What asyncpg's errors look like through SQLAlchemy's adapter: a bare DBAPIError with a code."""

    def __init__(self, sqlstate: str) -> None:
        super().__init__("the database system is shutting down")
        self.sqlstate = sqlstate


@pytest.mark.parametrize("sqlstate", ["57P01", "57P03", "08006", "53300"])
def test_a_database_that_is_restarting_or_full_is_503_with_retry_after_never_500(sqlstate):
    """Found under load: a pool opening a connection while PostgreSQL restarts got a 500."""
    response = database_error(None, DBAPIError("connect", None, _PgError(sqlstate)))  # type: ignore[arg-type]
    assert response.status_code == 503
    assert response.headers["Retry-After"].isdigit()


async def test_the_openapi_document_says_every_error_body_is_an_error_out_with_its_code(client):
    from storage.vocabulary import ERROR_CODES

    document = (await client.get("/schema/openapi.json")).json()
    error_out = document["components"]["schemas"]["ErrorOut"]
    assert error_out["properties"]["code"]["enum"] == list(ERROR_CODES) and "code" in error_out["required"]
    schemas = [
        (path, status, media["schema"])
        for path, item in document["paths"].items()
        for operation in item.values()
        if isinstance(operation, dict)
        for status, response in operation.get("responses", {}).items()
        if status[0] in "45"
        for media in response.get("content", {}).values()
    ]

    def is_error_out(schema: dict) -> bool:  # ErrorOut, or a body that is one with more said (a batch's refusals)
        if schema == {"$ref": "#/components/schemas/ErrorOut"}:
            return True
        named = document["components"]["schemas"][schema["$ref"].rsplit("/", 1)[1]]
        return {"status_code", "detail", "code"} <= set(named["required"]) and named["properties"]["code"].get(
            "enum"
        ) == list(ERROR_CODES)

    assert schemas and all(is_error_out(schema) for path, status, schema in schemas if path != "/api/v1/health")


async def test_a_task_not_in_scope_says_so_in_its_own_code(client, db):
    await make_district(db)
    headers = await login(client, "super1")
    response = await client.get(f"/api/v1/tasks/{uuid.uuid4()}", headers=headers)
    assert response.status_code == 404
    assert response.json()["code"] == "task_not_found"


def test_a_shed_request_carries_a_code_too():
    from api.admission import shed_response

    body = shed_response("queue", "the server is busy").content
    assert body["code"] == "busy" and body["status_code"] == 503
