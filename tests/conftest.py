import pytest
from django.core.management import call_command

from actors.models import County, StaffScope
from actors.services import staff_group_ensure
from tests.factories import UserFactory


@pytest.fixture(scope="session")
def django_db_setup(django_db_setup, django_db_blocker):
    """Reference data and examples once per session; each test runs in a rolled-back
    transaction on top of them."""
    with django_db_blocker.unblock():
        call_command("load_registry_data", verbosity=0)


@pytest.fixture
def norrbotten():
    return County.objects.get(code="25")


@pytest.fixture
def stockholm():
    return County.objects.get(code="01")


def _staff(username, **scope):
    user = UserFactory(username=username, is_staff=True)
    user.groups.add(staff_group_ensure())
    if scope:
        StaffScope.objects.create(user=user, **scope)
    return user


@pytest.fixture
def norrbotten_staff(norrbotten):
    return _staff("norrbotten", county=norrbotten)


@pytest.fixture
def stockholm_staff(stockholm):
    return _staff("stockholm", county=stockholm)


@pytest.fixture
def national_editor():
    return _staff("nationell", is_national=True)


@pytest.fixture
def unscoped_staff():
    return _staff("utan-behorighet")
