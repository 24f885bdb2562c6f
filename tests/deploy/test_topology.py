"""The registry on more than one server, as deploy/compose.yaml runs it, started for real on
this machine: two gunicorn app servers and one background worker (`manage.py db_worker`) that
share only PostgreSQL, Redis (the cache: throttle counts, PDF pointers) and S3-compatible
object storage (moto's server: attachments and PDFs). What a change through one server must do
on the other is checked over HTTP, as a user or a client program would see it.

The servers use a copy of the test database (CREATE DATABASE … TEMPLATE), dropped afterwards,
so that what they write never reaches the other tests."""

import html.parser
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import boto3
import pytest
import requests
from botocore.exceptions import BotoCoreError
from django.conf import settings
from django.contrib.auth.hashers import PBKDF2PasswordHasher
from django.db import connection, connections
from rest_framework.authtoken.models import Token

from actors.models import StaffScope
from actors.services import staff_group_ensure
from agreements.models import Agreement
from tests.agreements.helpers import pdf_bytes
from tests.agreements.pdf_support import read_pdf
from tests.factories import UserFactory

# django_db: so that pytest-django sets up the test database even when this is the only test
# run (the test itself reads nothing through the ORM; the servers use a copy).
pytestmark = [pytest.mark.slow, pytest.mark.django_db]

BUCKET = "samverkansregistret"
API_RATE = 6  # anonymous API requests a minute, per client address, on all servers together


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _wait_for(check, *, what: str, timeout: float = 30.0, processes=()):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        for process in processes:
            if process.poll() is not None:
                raise AssertionError(f"{what}: {process.args[:3]} exited ({process.returncode})")
        try:
            if check():
                return
        except (OSError, requests.RequestException, BotoCoreError):
            pass
        time.sleep(0.2)
    raise AssertionError(f"{what}: not within {timeout} s")


def _database_url(name: str) -> str:
    db = connection.settings_dict
    user = quote(db.get("USER") or "", safe="")
    password = f":{quote(db['PASSWORD'], safe='')}" if db.get("PASSWORD") else ""
    host = quote(db.get("HOST") or "", safe="")
    port = f":{db['PORT']}" if db.get("PORT") else ""
    return f"postgres://{user}{password}@{host}{port}/{name}"


def _admin_sql(sql: str) -> None:
    """Runs a statement outside any transaction, connected to the maintenance database."""
    with connection._nodb_cursor() as cursor:
        cursor.execute(sql)


class _FormReader(html.parser.HTMLParser):
    """The values a browser would post from the page's main form (file inputs left out)."""

    def __init__(self):
        super().__init__()
        self.data: list[tuple[str, str]] = []
        self._select = None
        self._textarea = None

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        name = attrs.get("name")
        if tag == "input" and name:
            kind = attrs.get("type", "text")
            if kind in ("file", "submit", "button", "image", "reset"):
                return
            if kind in ("checkbox", "radio") and "checked" not in attrs:
                return
            self.data.append((name, attrs.get("value", "on" if kind == "checkbox" else "")))
        elif tag == "select" and name:
            self._select = name
        elif tag == "option" and self._select and "selected" in attrs:
            self.data.append((self._select, attrs.get("value", "")))
        elif tag == "textarea" and name:
            self._textarea = [name, ""]

    def handle_data(self, data):
        if self._textarea is not None:
            self._textarea[1] += data

    def handle_endtag(self, tag):
        if tag == "select":
            self._select = None
        elif tag == "textarea" and self._textarea is not None:
            self.data.append((self._textarea[0], self._textarea[1].lstrip("\n")))
            self._textarea = None


@pytest.fixture(scope="module")
def topology(django_db_setup, django_db_blocker, tmp_path_factory):
    assert connection.settings_dict["NAME"].startswith("test_"), "never the real database"
    for program in ("redis-server", "moto_server", "gunicorn"):
        if not (shutil.which(program) or (Path(sys.executable).parent / program).exists()):
            pytest.fail(f"{program} saknas: .ci/run installerar redis-server, make setup moto.")
    tmp = tmp_path_factory.mktemp("topology")
    name = f"{connection.settings_dict['NAME']}_topology"
    password = "topologi-" + uuid.uuid4().hex
    with django_db_blocker.unblock():
        # A staff user with a token, in the copy only.
        editor = UserFactory(username="topologi", is_staff=True)
        # Hashed as production checks it (the tests' settings use a fast hasher of their own).
        editor.password = PBKDF2PasswordHasher().encode(password, PBKDF2PasswordHasher().salt())
        editor.save()
        editor.groups.add(staff_group_ensure())
        StaffScope.objects.get_or_create(user=editor, is_national=True)
        try:
            token = Token.objects.get_or_create(user=editor)[0].key
            agreement = (
                Agreement.objects.published()
                .filter(lineage__slug="taby-lok")
                .select_related("lineage")
                .get()
            )
            template = connection.settings_dict["NAME"]
            connections.close_all()
            _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
            # A copy needs the template to itself: end what is left of this process's
            # connections (a live server thread's, say); Django reconnects when needed.
            _admin_sql(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity "
                f"WHERE datname = '{template}' AND pid <> pg_backend_pid()"
            )
            _admin_sql(f'CREATE DATABASE "{name}" TEMPLATE "{template}"')
        finally:
            editor.delete()
            connections.close_all()

    bin_dir = Path(sys.executable).parent
    redis_port, moto_port, port_a, port_b = (_free_port() for _ in range(4))
    env = {
        key: value
        for key, value in os.environ.items()
        if not key.startswith(("DJANGO_", "DATABASE_", "AWS_", "PYTEST"))
    }
    env |= {
        "DJANGO_SETTINGS_MODULE": "tests.deploy.topology_settings",
        "DJANGO_DEBUG": "0",
        "DJANGO_SECRET_KEY": "topologi-" + "x" * 50,
        "DJANGO_ALLOWED_HOSTS": "127.0.0.1",
        "DJANGO_SECURE_COOKIES": "0",
        "DATABASE_URL": _database_url(name),
        "DJANGO_CACHE_URL": f"redis://127.0.0.1:{redis_port}/0",
        "DJANGO_S3_BUCKET": BUCKET,
        "DJANGO_S3_ENDPOINT_URL": f"http://127.0.0.1:{moto_port}",
        "DJANGO_S3_REGION": "us-east-1",
        "AWS_ACCESS_KEY_ID": "topologi",
        "AWS_SECRET_ACCESS_KEY": "topologi",
        "API_ANON_RATE": f"{API_RATE}/min",
        # As behind deploy/compose.yaml's proxy: the client is named in X-Forwarded-For.
        "DJANGO_TRUSTED_PROXIES": "127.0.0.1",
        "DJANGO_PAGE_RATE": "1000/min",
        "DJANGO_EXPENSIVE_RATE": "1000/min",
        "RENDER_LOG": str(tmp / "renders.log"),
    }
    processes = []

    def start(args, log):
        process = subprocess.Popen(
            args,
            cwd=settings.BASE_DIR,
            env=env,
            stdout=open(tmp / log, "w"),  # noqa: SIM115 (closed with the process)
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        processes.append(process)
        return process

    try:
        redis = start(
            [
                shutil.which("redis-server") or "redis-server",
                "--port",
                str(redis_port),
                "--bind",
                "127.0.0.1",
                "--save",
                "",
                "--appendonly",
                "no",
            ],
            "redis.log",
        )
        moto_server = shutil.which("moto_server", path=f"{bin_dir}:{os.environ['PATH']}")
        moto = start(
            [moto_server, "-H", "127.0.0.1", "-p", str(moto_port)],
            "moto.log",
        )
        s3 = boto3.client(
            "s3",
            endpoint_url=env["DJANGO_S3_ENDPOINT_URL"],
            region_name="us-east-1",
            aws_access_key_id="topologi",
            aws_secret_access_key="topologi",
        )
        _wait_for(lambda: s3.list_buckets() is not None, what="moto", processes=[moto])
        s3.create_bucket(Bucket=BUCKET)
        servers = {}
        for label, port in (("A", port_a), ("B", port_b)):
            start(
                [
                    *(str(bin_dir / "gunicorn"), "registry.wsgi", "--bind", f"127.0.0.1:{port}"),
                    *("--workers", "1", "--threads", "2", "--timeout", "60"),
                    *("-c", "python:tests.deploy.render_counter", "--access-logfile", "-"),
                ],
                f"server-{label}.log",
            )
            servers[label] = f"http://127.0.0.1:{port}"
        worker = start(
            [
                *(sys.executable, "-m", "tests.deploy.render_counter", "--no-startup-delay"),
                *("--interval", "0.2", "--no-reload"),
            ],
            "worker.log",
        )
        for url in servers.values():
            _wait_for(
                lambda url=url: requests.get(f"{url}/readyz", timeout=5).status_code == 200,
                what=f"gunicorn {url}",
                timeout=45,
                processes=processes,
            )
        yield {
            "A": servers["A"],
            "B": servers["B"],
            "token": token,
            "username": editor.username,
            "password": password,
            "agreement": agreement,
            "s3": s3,
            "renders": tmp / "renders.log",
            "worker": worker,
            "redis": redis,
            "logs": tmp,
        }
    finally:
        for process in reversed(processes):
            if process.poll() is None:
                os.killpg(process.pid, signal.SIGTERM)
        for process in processes:
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
        with django_db_blocker.unblock():
            connections.close_all()
            _admin_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _objects(s3, prefix: str) -> list[str]:
    listed = s3.list_objects_v2(Bucket=BUCKET, Prefix=prefix)
    return [item["Key"] for item in listed.get("Contents", [])]


def _renders(topology) -> int:
    path = topology["renders"]
    return len(path.read_text().splitlines()) if path.exists() else 0


def test_two_servers_and_a_worker_share_database_cache_and_object_storage(topology):
    a, b = topology["A"], topology["B"]
    agreement = topology["agreement"]
    slug = agreement.lineage.slug
    staff = {"Authorization": f"Token {topology['token']}"}

    # A change through server A is on server B's page and API at once, and in its catalogue
    # once B has rebuilt its in-memory index in the background (a fraction of a second; no
    # request waits for it): B built the index before the change, the title order shows the
    # new one. The cards are read from the rows, so no answer shows the old title.
    first_title = "Central överenskommelse om utveckling av introduktionsinsatser"
    catalogue = f"{b}/overenskommelser/"
    before = requests.get(catalogue, params={"sort": "title"}, timeout=10).text
    assert before.index(first_title) < before.index(agreement.title)
    url = f"{a}/api/v1/agreements/{agreement.pk}/"
    etag = requests.get(url, headers=staff, timeout=10).headers["ETag"]
    title = f"Aaa Täby, ändrad via server A {uuid.uuid4().hex[:6]}"
    changed = requests.patch(
        url, json={"title": title}, headers={**staff, "If-Match": etag}, timeout=30
    )
    assert changed.status_code == 200, changed.text
    page = requests.get(f"{b}/overenskommelser/{slug}/", timeout=10)
    assert page.status_code == 200
    assert title in page.text
    deadline = time.monotonic() + 5
    while True:
        after = requests.get(catalogue, params={"sort": "title"}, timeout=10)
        assert after.status_code == 200
        assert agreement.title not in after.text
        if after.text.index(title) < after.text.index(first_title) or time.monotonic() > deadline:
            break
        time.sleep(0.1)
    assert after.text.index(title) < after.text.index(first_title)
    found = requests.get(catalogue, params={"q": "ändrad via server A"}, timeout=10)
    assert title in found.text
    assert (
        requests.get(f"{b}/api/v1/agreements/{agreement.pk}/", timeout=10).json()["title"] == title
    )

    # The worker renders the published agreement's PDF after the change; both servers serve
    # that one document from the object storage, neither renders it again.
    _wait_for(
        lambda: _objects(topology["s3"], f"cache/pdf/{slug}/"),
        what="the worker's PDF",
        timeout=40,
        processes=[topology["worker"]],
    )
    assert _renders(topology) == 1
    served = [
        requests.get(f"{server}/overenskommelser/{slug}/pdf/", timeout=30) for server in (a, b)
    ]
    assert [response.status_code for response in served] == [200, 200]
    assert served[0].content == served[1].content
    assert read_pdf(served[0].content).contains(title)
    assert _renders(topology) == 1
    assert len(_objects(topology["s3"], f"cache/pdf/{slug}/")) == 1

    # An attachment uploaded through server A's admin is read through server B.
    session = requests.Session()
    login = session.get(f"{a}/admin/login/", timeout=10)
    reader = _FormReader()
    reader.feed(login.text)
    fields = dict(reader.data) | {
        "username": topology["username"],
        "password": topology["password"],
    }
    logged_in = session.post(f"{a}/admin/login/?next=/admin/", data=fields, timeout=10)
    assert logged_in.status_code == 200 and "logout" in logged_in.text, logged_in.text[:500]
    change = f"{a}/admin/agreements/agreement/{agreement.pk}/change/"
    form = session.get(change, timeout=30)
    reader = _FormReader()
    reader.feed(form.text)
    data = [(key, value) for key, value in reader.data if not key.startswith("_")]
    values = dict(data)
    index = int(values["attachments-TOTAL_FORMS"])
    data = [(k, v) for k, v in data if k != "attachments-TOTAL_FORMS"]
    data += [
        ("attachments-TOTAL_FORMS", str(index + 1)),
        (f"attachments-{index}-title", "Bilaga uppladdad via server A"),
        (f"attachments-{index}-kind", "annex"),
        ("_continue", "1"),
    ]
    upload = pdf_bytes("Bilagan finns i objektlagringen")
    saved = session.post(
        change,
        data=data,
        files={f"attachments-{index}-file": ("bilaga.pdf", upload, "application/pdf")},
        headers={"Referer": change},
        timeout=30,
    )
    assert saved.status_code == 200, saved.text[-3000:]
    assert 'class="errornote"' not in saved.text, saved.text[-3000:]
    stored = _objects(topology["s3"], "media/attachments/")
    assert len(stored) == 1
    detail = requests.get(f"{b}/overenskommelser/{slug}/", timeout=10)
    assert "Bilaga uppladdad via server A" in detail.text
    link = html_link(detail.text, "/bilagor/")
    attachment = requests.get(f"{b}{link}", timeout=10)
    assert attachment.status_code == 200
    assert attachment.content == upload

    # Throttle counts are shared: one client's anonymous API requests alternate between A and
    # B, and the request past the limit is refused by whichever server gets it. Another client
    # is still served.
    client = {"X-Forwarded-For": "192.0.2.7"}  # a documentation address, only a header here
    codes = [
        requests.get(f"{(a, b)[n % 2]}/api/v1/counties/", headers=client, timeout=10).status_code
        for n in range(API_RATE + 1)
    ]
    assert codes == [200] * API_RATE + [429]
    other = {"X-Forwarded-For": "192.0.2.8"}
    assert requests.get(f"{a}/api/v1/counties/", headers=other, timeout=10).status_code == 200


def html_link(page: str, marker: str) -> str:
    """The first href on the page that contains `marker`."""
    for part in page.split('href="')[1:]:
        href = part.split('"', 1)[0]
        if marker in href:
            return href.replace("&amp;", "&")
    raise AssertionError(f"no link with {marker}")
