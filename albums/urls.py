from django.urls import path

from albums import admin_views, bulk_views, photo_views, upload_views, views

urlpatterns = [
    path("", views.home, name="home"),
    path("albums/new/", views.album_create, name="album_create"),
    path("albums/<int:pk>/", views.album_detail, name="album_detail"),
    path("albums/<int:pk>/rename/", views.album_rename, name="album_rename"),
    path("albums/<int:pk>/delete/", views.album_delete, name="album_delete"),
    path("photos/upload/", upload_views.photo_upload, name="photo_upload"),
    path("photos/bulk/move/", bulk_views.bulk_move, name="photos_bulk_move"),
    path("photos/bulk/delete/", bulk_views.bulk_delete, name="photos_bulk_delete"),
    path("photos/bulk/download/", bulk_views.bulk_download, name="photos_bulk_download"),
    path("photos/<int:pk>/", photo_views.photo_detail, name="photo_detail"),
    path("photos/<int:pk>/edit/", photo_views.photo_update, name="photo_update"),
    path("photos/<int:pk>/delete/", photo_views.photo_delete, name="photo_delete"),
    path("photos/<int:pk>/original/", photo_views.photo_original, name="photo_original"),
    path("photos/<int:pk>/display/", photo_views.photo_display, name="photo_display"),
    path("photos/<int:pk>/download/", photo_views.photo_download, name="photo_download"),
    path("photos/<int:pk>/thumbnail/", photo_views.photo_thumbnail, name="photo_thumbnail"),
    path("staff/photos/<int:pk>/thumbnail/", admin_views.admin_photo_thumbnail, name="admin_photo_thumbnail"),
]
