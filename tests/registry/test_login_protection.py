"""Admin logins: after too many wrong passwords the account is locked for a while, the right
password too, and every failure is logged with the client's address."""

import logging

import pytest

LOGIN = "/admin/login/?next=/admin/"


@pytest.fixture
def few_attempts(settings, db):
    settings.AXES_FAILURE_LIMIT = 3


def login(client, username, password, **extra):
    return client.post(LOGIN, {"username": username, "password": password}, **extra)


def test_wrong_passwords_lock_the_login_and_are_logged(
    few_attempts, client, norrbotten_staff, caplog
):
    with caplog.at_level(logging.WARNING, logger="axes"):
        for _ in range(3):
            response = login(client, "norrbotten", "fel-lösenord")
        assert response.status_code == 429
        # The right password no longer helps, for the cool-off time.
        refused = login(client, "norrbotten", "lösenord-för-test")
    assert refused.status_code == 429
    assert "spärrad" in refused.content.decode()
    assert int(refused["Retry-After"]) > 0
    assert "_auth_user_id" not in client.session
    assert client.get("/admin/").status_code == 302  # still not signed in
    logged = [record.getMessage() for record in caplog.records]
    assert sum("login failure" in line and "127.0.0.1" in line for line in logged) >= 3, logged
    assert any("Locking out" in line for line in logged), logged


def test_one_address_cannot_try_many_user_names(few_attempts, client, norrbotten_staff):
    for name in ("anna", "bertil", "cecilia"):
        login(client, name, "gissning")
    assert login(client, "norrbotten", "lösenord-för-test").status_code == 429


def test_a_right_password_before_the_limit_signs_in(few_attempts, client, norrbotten_staff):
    login(client, "norrbotten", "fel-lösenord")
    response = login(client, "norrbotten", "lösenord-för-test")
    assert response.status_code == 302
    assert client.get("/admin/").status_code == 200
