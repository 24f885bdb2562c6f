from pathlib import Path

import pytest
from django.contrib.staticfiles.handlers import StaticFilesHandler
from django.core.management import call_command
from django.test.testcases import LiveServerThread
from django.test.utils import modify_settings

from actors.models import County, StaffScope
from actors.services import staff_group_ensure
from agreements import catalogue_index as catalogue_index_module
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


# A real browser: Debian's Chromium driven by Playwright, which never downloads browsers.
CHROMIUM = Path("/usr/bin/chromium")


@pytest.fixture(scope="module")
def site(django_db_setup):
    """The registry served from a thread, as pytest-django's live_server does. Not that
    fixture itself: a test that uses it is made transactional, and the database is emptied
    after it, taking the session's reference data with it. The server thread reads committed
    data through its own connection."""
    thread = LiveServerThread("localhost", StaticFilesHandler, port=0)
    thread.daemon = True
    with modify_settings(ALLOWED_HOSTS={"append": "localhost"}):
        thread.start()
        thread.is_ready.wait()
        if thread.error:
            raise thread.error
        yield f"http://localhost:{thread.port}"
        thread.terminate()


@pytest.fixture
def browser():
    if not CHROMIUM.exists():
        pytest.fail("Chromium saknas: apt-get install chromium (.ci/run gör det).")
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--disable-gpu"]
        )
        yield browser
        browser.close()


@pytest.fixture
def full_reads(monkeypatch):
    """How many times the index was read from the start."""
    reads = []
    read_all = catalogue_index_module._read_all

    def counted(**kwargs):
        reads.append(kwargs)
        return read_all(**kwargs)

    monkeypatch.setattr(catalogue_index_module, "_read_all", counted)
    return reads
