"""Checks that every test of a directory ends with: an autouse fixture ``yield from after_each(request, check)``
runs ``check()`` after each test that uses the database, before the database is rolled back."""


def after_each(request, check):
    uses_db = request.node.get_closest_marker("django_db") is not None or {"db", "transactional_db"} & set(
        request.fixturenames
    )
    if not uses_db:
        yield
        return
    # Requested here, the database fixture is torn down after this one: the check still sees the test's rows.
    request.getfixturevalue("transactional_db" if "transactional_db" in request.fixturenames else "db")
    yield
    check()
