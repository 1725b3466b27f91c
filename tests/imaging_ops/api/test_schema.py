"""The API schema and its documentation page are for people who have signed in."""

import pytest

pytestmark = pytest.mark.django_db


@pytest.mark.req("11.300")
def test_the_api_schema_and_docs_need_a_sign_in(client, tech):
    assert client.get("/api/schema/").status_code in (401, 403)
    client.force_login(tech)
    assert client.get("/api/schema/").status_code == 200
    assert client.get("/api/docs/").status_code == 200
