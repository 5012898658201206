"""Small readers of API answers, shared by the API tests."""

API = "/api/v1"


def rows(response) -> list[dict]:
    assert response.status_code == 200, response.content
    return response.json()["results"]


def ids(response) -> set[int]:
    return {row["id"] for row in rows(response)}


def errors(response, status=400) -> dict:
    assert response.status_code == status, (response.status_code, response.content)
    return response.json()
