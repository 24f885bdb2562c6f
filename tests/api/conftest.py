import pytest
from django.core.cache import cache
from rest_framework.authtoken.models import Token
from rest_framework.test import APIClient


@pytest.fixture(autouse=True)
def fresh_throttle_counts():
    cache.clear()


@pytest.fixture
def api():
    return APIClient()


def client_with_token(user) -> APIClient:
    client = APIClient()
    token, _ = Token.objects.get_or_create(user=user)
    client.credentials(HTTP_AUTHORIZATION=f"Token {token.key}")
    return client


@pytest.fixture
def norrbotten_api(norrbotten_staff):
    return client_with_token(norrbotten_staff)


@pytest.fixture
def stockholm_api(stockholm_staff):
    return client_with_token(stockholm_staff)


@pytest.fixture
def national_api(national_editor):
    return client_with_token(national_editor)


@pytest.fixture
def unscoped_api(unscoped_staff):
    return client_with_token(unscoped_staff)
