"""Small readers of API answers, shared by the API tests."""

API = "/api/v1"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> set[int]:
    return {row["id"] for row in rows(response)}


def errors(response, status=400) -> dict:
    """The field errors of a 400 (or another ``status``), held to the API's one shape for bad input: each field of
    the request (or ``non_field_errors``) with a list of messages, strings all."""
    assert response.status_code == status, (response.status_code, response.content)
    body = response.json()
    if status == 400:
        assert_field_errors(body)
    return body


def assert_field_errors(body) -> None:
    """``body`` is in the one shape of a 400 for bad input (``core.api.field_errors``)."""
    assert isinstance(body, dict) and body, body
    for field, messages in body.items():
        assert isinstance(field, str) and field != "detail", body
        assert isinstance(messages, list) and messages, body
        assert all(isinstance(message, str) and message for message in messages), body
