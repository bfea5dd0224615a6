"""The client a mobile team generates works as-is: openapi-python-client on the schema the live
server serves, every generated module imported, and the whole mobile flow run through the
generated code only (register, token, me, album, upload, models, submit with options, poll,
download in each format, cancel, delete, revoke). The job runs on the real waifu2x network;
the test plays the worker between polls (enhance.tasks.run_next_job, as a qcluster would)."""

import contextlib
import io
import time

import httpx
import pytest
from PIL import Image

from enhance import tasks
from tests.api.generated_client import CONFIG, PACKAGE, forget, generate, import_every_module, unexpected_warnings

pytestmark = [pytest.mark.slow, pytest.mark.django_db(transaction=True)]

EMAIL = "phone@example.com"
PASSWORD = "a long passphrase 42"
OPTIONS = {"style": "photo", "scale": 2, "noise": 1}  # none of them the default


@pytest.fixture
def served_schema(live_server, tmp_path):
    response = httpx.get(f"{live_server.url}/api/schema/?format=json", timeout=60)
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    path = tmp_path / "openapi.json"
    path.write_bytes(response.content)
    return path


def test_the_plain_generator_warns_only_about_image_bodies(served_schema, tmp_path):
    out = tmp_path / "plain_client"
    output = generate(served_schema, out, config=None)
    assert unexpected_warnings(output) == []
    try:
        import_every_module(out)
    finally:
        forget(out.name)


def test_a_mobile_flow_through_the_generated_client_only(live_server, served_schema, tmp_path, shared_weights_dir):
    out = tmp_path / PACKAGE
    # With the documented settings file there is no warning at all (--fail-on-warning).
    generate(served_schema, out, config=CONFIG)
    import_every_module(out)
    try:
        # Closed at the end: a kept-alive connection holds a server thread, and its database
        # connection, open past the test.
        with contextlib.ExitStack() as clients:
            _mobile_flow(live_server.url, clients)
    finally:
        forget(PACKAGE)


def _drawing_png() -> bytes:
    image = Image.new("RGB", (24, 16), (250, 240, 230))
    for x in range(24):
        image.putpixel((x, x % 16), (20, 20, 120))
    buffer = io.BytesIO()
    image.save(buffer, format="PNG")
    return buffer.getvalue()


def _mobile_flow(base_url: str, clients: contextlib.ExitStack) -> None:
    from restore_api_client import AuthenticatedClient, Client
    from restore_api_client.api.account import me
    from restore_api_client.api.albums import albums_create, albums_destroy
    from restore_api_client.api.auth import auth_register, auth_token_create, auth_token_revoke
    from restore_api_client.api.jobs import (
        jobs_cancel_create,
        jobs_create,
        jobs_result_retrieve,
        jobs_retrieve,
    )
    from restore_api_client.api.models import models_list
    from restore_api_client.api.photos import photos_create as photos_upload
    from restore_api_client.api.photos import photos_destroy, photos_original_retrieve
    from restore_api_client.models import (
        Album,
        AlbumRequest,
        CredentialsRequest,
        DeviceEnum,
        Error,
        ErrorCodeEnum,
        Job,
        JobCreateRequest,
        JobCreateRequestOptions,
        JobsResultRetrieveFormat,
        Me,
        ModelIdEnum,
        Photo,
        PhotoFormatEnum,
        PhotoUploadRequest,
        PlanEnum,
        PrecisionEnum,
        RegisterRequest,
        StatusEnum,
        Token,
    )
    from restore_api_client.types import File

    # An undocumented status would raise: every answer below is one the schema declares.
    anonymous = clients.enter_context(Client(base_url=base_url, raise_on_unexpected_status=True))

    def signed_in(token: str) -> AuthenticatedClient:
        return clients.enter_context(
            AuthenticatedClient(base_url=base_url, token=token, prefix="Token", raise_on_unexpected_status=True)
        )

    # Register, then log in with a stale token still attached: the login ignores it.
    registered = auth_register.sync_detailed(client=anonymous, body=RegisterRequest(email=EMAIL, password=PASSWORD))
    assert registered.status_code == 201, registered.content
    assert isinstance(registered.parsed, Token) and registered.parsed.token
    token = auth_token_create.sync(client=signed_in("revoked-long-ago"),
                                   body=CredentialsRequest(email=EMAIL, password=PASSWORD))
    assert isinstance(token, Token) and token.token and token.token != registered.parsed.token
    api = signed_in(token.token)

    account = me.sync(client=api)
    assert isinstance(account, Me)
    assert (account.email, account.plan) == (EMAIL, PlanEnum.FREE)

    album = albums_create.sync(client=api, body=AlbumRequest(name="Sketches"))
    assert isinstance(album, Album) and album.photo_count == 0

    upload = photos_upload.sync_detailed(client=api, body=PhotoUploadRequest(
        file=File(payload=io.BytesIO(_drawing_png()), file_name="drawing.png", mime_type="image/png"),
        album=album.id, title="Drawing",
    ))
    assert upload.status_code == 201, upload.content
    photo = upload.parsed
    assert isinstance(photo, Photo)
    assert (photo.album, photo.title, photo.format_, photo.width, photo.height) == (
        album.id, "Drawing", PhotoFormatEnum.PNG, 24, 16)
    assert upload.headers["Location"].endswith(f"/api/v1/photos/{photo.id}/")
    original = photos_original_retrieve.sync_detailed(id=photo.id, client=api)
    assert isinstance(original.parsed, File)
    assert Image.open(original.parsed.payload).size == (24, 16)

    models = {info.id: info for info in models_list.sync(client=api)}
    waifu2x = models[ModelIdEnum.WAIFU2X]
    assert waifu2x.available and waifu2x.allowed_by_plan
    assert {option.name for option in waifu2x.options} == set(OPTIONS)

    # A bad option comes back as a typed error naming the option.
    refused = jobs_create.sync_detailed(client=api, body=JobCreateRequest(
        photo=photo.id, model=ModelIdEnum.WAIFU2X, options=JobCreateRequestOptions.from_dict({"scale": 3})))
    assert refused.status_code == 400
    assert isinstance(refused.parsed, Error)
    assert refused.parsed.error.code == ErrorCodeEnum.INVALID
    assert list(refused.parsed.error.fields.additional_properties) == ["options.scale"]

    submitted = jobs_create.sync_detailed(client=api, body=JobCreateRequest(
        photo=photo.id, model=ModelIdEnum.WAIFU2X, options=JobCreateRequestOptions.from_dict(OPTIONS)))
    assert submitted.status_code == 202, submitted.content
    job = submitted.parsed
    assert isinstance(job, Job) and job.status == StatusEnum.QUEUED
    assert job.options == OPTIONS
    assert submitted.headers["Location"] == job.url

    deadline = time.monotonic() + 600
    while job.status in (StatusEnum.QUEUED, StatusEnum.RUNNING):
        assert time.monotonic() < deadline, "the job did not finish"
        tasks.run_next_job(job.id)  # the worker's turn
        job = jobs_retrieve.sync(id=job.id, client=api)
    assert job.status == StatusEnum.SUCCEEDED, job.error
    assert job.options == OPTIONS
    assert (job.result_width, job.result_height) == (48, 32)
    assert job.device == DeviceEnum.CPU and isinstance(job.precision, PrecisionEnum)
    assert job.result_url and job.finished_at is not None

    expected = {
        JobsResultRetrieveFormat.ORIGINAL: "PNG",  # the upload was a PNG
        JobsResultRetrieveFormat.PNG: "PNG",
        JobsResultRetrieveFormat.JPEG: "JPEG",
        JobsResultRetrieveFormat.WEBP: "WEBP",
    }
    assert set(expected) == set(JobsResultRetrieveFormat)
    for fmt, pillow_format in expected.items():
        download = jobs_result_retrieve.sync_detailed(id=job.id, client=api, format_=fmt)
        if download.status_code == 202:  # JPEG and WebP are made once, by a worker, on first request
            assert download.parsed.status == "preparing" and download.headers["Retry-After"]
            tasks.prepare_download(job.id, pillow_format.lower())  # the worker's turn
            download = jobs_result_retrieve.sync_detailed(id=job.id, client=api, format_=fmt)
        assert download.status_code == 200, (fmt, download.content[:200])
        assert download.headers["Content-Disposition"].startswith("attachment;")
        assert isinstance(download.parsed, File)
        with Image.open(download.parsed.payload) as result:
            assert (result.format, result.size) == (pillow_format, (48, 32)), fmt

    # A second job, cancelled while it waits for a worker.
    second = jobs_create.sync(client=api, body=JobCreateRequest(photo=photo.id, model=ModelIdEnum.REALSR))
    assert isinstance(second, Job)
    cancelled = jobs_cancel_create.sync(id=second.id, client=api)
    assert isinstance(cancelled, Job) and cancelled.status == StatusEnum.CANCELED

    assert photos_destroy.sync_detailed(id=photo.id, client=api).status_code == 204
    gone = photos_original_retrieve.sync_detailed(id=photo.id, client=api)
    assert gone.status_code == 404 and gone.parsed.error.code == ErrorCodeEnum.NOT_FOUND
    assert albums_destroy.sync_detailed(id=album.id, client=api).status_code == 204

    assert auth_token_revoke.sync_detailed(client=api).status_code == 204
    after = me.sync_detailed(client=api)
    assert after.status_code == 401
    assert after.parsed.error.code == ErrorCodeEnum.AUTHENTICATION_FAILED
