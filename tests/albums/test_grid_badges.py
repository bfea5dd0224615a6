"""Grid thumbnails carry a badge for a photo with results or a running job, from the grid's own
query: the page costs the same number of queries for 2 photos as for 12."""

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from enhance.models import Job, JobStatus
from tests import factories


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


def _tile(html: str, photo) -> str:
    start = html.index(f'data-photo-id="{photo.pk}"')
    return html[start:html.index("</div>", start)]


def test_badges_mark_results_and_running_jobs(owner_client, owner, album):
    done, running, queued, plain, failed = (factories.make_photo(owner, album) for _ in range(5))
    Job.objects.create(owner=owner, photo=done, model="realsr", status=JobStatus.SUCCEEDED, result="results/x.png")
    Job.objects.create(owner=owner, photo=running, model="realsr", status=JobStatus.RUNNING)
    Job.objects.create(owner=owner, photo=queued, model="realsr", status=JobStatus.QUEUED)
    Job.objects.create(owner=owner, photo=failed, model="realsr", status=JobStatus.FAILED)
    html = owner_client.get(reverse("album_detail", args=[album.pk])).content.decode()
    assert 'data-badge="result"' in _tile(html, done)
    assert 'data-badge="running"' in _tile(html, running)
    assert 'data-badge="running"' in _tile(html, queued)
    assert "data-badge" not in _tile(html, plain)
    assert "data-badge" not in _tile(html, failed)


def test_the_grid_query_count_does_not_grow_with_the_photos(owner_client, owner, album):
    for _ in range(2):
        factories.make_photo(owner, album)
    few = _queries(owner_client, reverse("home"))
    few_in_album = _queries(owner_client, reverse("album_detail", args=[album.pk]))
    for n in range(10):
        photo = factories.make_photo(owner, album)
        status = [JobStatus.SUCCEEDED, JobStatus.RUNNING, JobStatus.QUEUED][n % 3]
        Job.objects.create(owner=owner, photo=photo, model="realsr", status=status, result="results/y.png")
    assert _queries(owner_client, reverse("home")) == few
    assert _queries(owner_client, reverse("album_detail", args=[album.pk])) == few_in_album


def test_every_tile_has_a_labelled_checkbox_and_the_page_a_selection_bar(owner_client, owner, album):
    photo = factories.make_photo(owner, album, title="Harbour")
    html = owner_client.get(reverse("home")).content.decode()
    assert f'id="select-photo-{photo.pk}"' in html and 'aria-label="Select Harbour"' in html
    assert 'id="selection-bar"' in html and 'id="select-mode"' in html
    assert f'data-drop-album="{album.pk}"' in html
