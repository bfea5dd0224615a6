import pytest

from tests import factories

pytest_plugins = ["tests.browser.fixtures"]


def _serial_live_server_on_in_memory_sqlite():
    """On SQLite the test database lives in memory and the live server shares the test's one
    connection with every request thread: two requests at once (two uploads, an upload and a
    status poll) then collide inside one transaction. Serve one request at a time there;
    PostgreSQL keeps the threaded server, like production.
    """
    from django.conf import settings
    from django.core.servers.basehttp import WSGIServer
    from django.test.testcases import LiveServerThread

    if not settings.DATABASES["default"]["ENGINE"].endswith("sqlite3"):
        return

    class SerialWSGIServer(WSGIServer):
        def __init__(self, *args, connections_override=None, **kwargs):
            super().__init__(*args, **kwargs)

    LiveServerThread.server_class = SerialWSGIServer


_serial_live_server_on_in_memory_sqlite()


@pytest.fixture(autouse=True)
def _isolated_media(settings, tmp_path):
    """Every test writes media into its own folder, never into var/."""
    media = tmp_path / "media"
    media.mkdir()
    settings.MEDIA_ROOT = media
    settings.STORAGES = {
        **settings.STORAGES,
        "default": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(media), "base_url": None},
        },
    }
    return media


# --- people and things: an owner, another user who must never see the owner's things ---


@pytest.fixture
def owner(db):
    return factories.make_user("owner@example.com")


@pytest.fixture
def other_user(db):
    return factories.make_user("other@example.com")


@pytest.fixture
def owner_client(client, owner):
    client.force_login(owner)
    return client


@pytest.fixture
def other_client(db, other_user):
    from django.test import Client

    other = Client()
    other.force_login(other_user)
    return other


@pytest.fixture
def anon_client(db):
    from django.test import Client

    return Client()


@pytest.fixture
def album(owner):
    return factories.make_album(owner, "Summer 1968")


@pytest.fixture
def photo(owner, album):
    return factories.make_photo(owner, album, title="Grandma")


@pytest.fixture(scope="session")
def shared_weights_dir(tmp_path_factory):
    """One weights folder for the session's worker subprocesses (enhance, browser): the first
    real job imports the weights into it. RESTORE_TEST_WEIGHTS_DIR reuses a folder across runs."""
    import os

    from enhance.engine import configure

    folder = os.environ.get("RESTORE_TEST_WEIGHTS_DIR") or str(tmp_path_factory.mktemp("shared-weights"))
    configure(weights_dir=folder)
    return folder


_DB_FIXTURES = {"db", "transactional_db", "django_db_reset_sequences", "django_db_serialized_rollback"}


def _uses_database(request) -> bool:
    return bool(_DB_FIXTURES & set(request.fixturenames)) or request.node.get_closest_marker("django_db") is not None


@pytest.fixture(autouse=True)
def live_worker(request):
    """A live worker's capability record (realsr and waifu2x on a CPU) for every database test:
    submission offers only what live workers run. bopb_installed adds Restoration to it; tests
    of availability itself replace it (tests.workers)."""
    if not _uses_database(request):
        yield None
        return
    marker = request.node.get_closest_marker("django_db")
    transactional = "transactional_db" in request.fixturenames or bool(marker and marker.kwargs.get("transaction"))
    request.getfixturevalue("transactional_db" if transactional else "db")
    # The fake worker does not beat: it stays live for the whole test (tests of expiry set
    # their own WORKER_STALE_SECONDS).
    request.getfixturevalue("settings").WORKER_STALE_SECONDS = 3600
    from tests.workers import publish_worker

    yield publish_worker()


@pytest.fixture
def bopb_installed(monkeypatch, request):
    """Restoration offered as if its weights were present: on this process's own worker side
    (the claim) and in the live worker's record (submission). The tests never run it."""
    from enhance.engine import registry

    pipeline = registry.get_pipeline("bopb")
    monkeypatch.setattr(type(pipeline), "weights_status", lambda self, folder: (True, ""))
    worker = request.getfixturevalue("live_worker")
    if worker is not None:
        from enhance.engine.catalog import get_spec
        from tests.workers import CPU

        worker.runnable["bopb"] = get_spec("bopb").limit_table(CPU, {})  # scratch repair: 2 MP
        worker.save(update_fields=["runnable"])
    return pipeline
