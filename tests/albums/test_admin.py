"""Operators see albums and photos in the admin with filters, search and thumbnails."""

import pytest
from django.urls import reverse

from tests.factories import make_user


@pytest.fixture
def staff_client(client, db):
    client.force_login(make_user("admin@example.com", is_staff=True, is_superuser=True))
    return client


def test_photo_changelist_has_thumbnails_filters_and_search(staff_client, photo):
    response = staff_client.get(reverse("admin:albums_photo_changelist"), {"q": "Grandma", "format": "JPEG"})
    html = response.content.decode()
    assert response.status_code == 200
    assert reverse("admin_photo_thumbnail", args=[photo.pk]) in html
    assert 'id="changelist-filter"' in html
    assert "1 photo" in html


def test_photo_search_finds_by_owner_email(staff_client, photo):
    html = staff_client.get(reverse("admin:albums_photo_changelist"), {"q": "nobody@else"}).content.decode()
    assert reverse("admin_photo_thumbnail", args=[photo.pk]) not in html


def test_photo_change_page(staff_client, photo):
    response = staff_client.get(reverse("admin:albums_photo_change", args=[photo.pk]))
    assert response.status_code == 200
    assert photo.sha256 in response.content.decode()


def test_album_changelist_and_change_page(staff_client, album, photo):
    changelist = staff_client.get(reverse("admin:albums_album_changelist"), {"q": "Summer"})
    assert changelist.status_code == 200
    assert "Summer 1968" in changelist.content.decode()
    change = staff_client.get(reverse("admin:albums_album_change", args=[album.pk]))
    assert reverse("admin_photo_thumbnail", args=[photo.pk]) in change.content.decode()


def test_user_admin_works_without_username(staff_client, owner):
    changelist = staff_client.get(reverse("admin:accounts_user_changelist"), {"q": "owner@"})
    assert "owner@example.com" in changelist.content.decode()
    assert staff_client.get(reverse("admin:accounts_user_change", args=[owner.pk])).status_code == 200
    response = staff_client.post(
        reverse("admin:accounts_user_add"),
        {
            "email": "made@example.com",
            "usable_password": "true",
            "password1": "a-long-pass-77",
            "password2": "a-long-pass-77",
        },
    )
    assert response.status_code == 302, response.content.decode()[:2000]
    from accounts.models import User

    assert User.objects.get(email="made@example.com").check_password("a-long-pass-77")


def test_album_changelist_counts_photos_in_one_query(staff_client, owner, django_assert_max_num_queries):
    from tests.factories import make_album, make_photo

    def render():
        response = staff_client.get(reverse("admin:albums_album_changelist"))
        assert response.status_code == 200
        return response

    albums = [make_album(owner) for _ in range(3)]
    make_photo(owner, albums[0])
    make_photo(owner, albums[0])
    with django_assert_max_num_queries(20) as few:
        render()
    for _ in range(5):
        make_album(owner)
    with django_assert_max_num_queries(len(few.captured_queries)):  # more albums, no more queries
        html = render().content.decode()
    assert '<td class="field-photo_count">2</td>' in html
