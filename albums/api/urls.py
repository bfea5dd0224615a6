from rest_framework.routers import SimpleRouter

from albums.api import views

router = SimpleRouter(use_regex_path=False)
router.register("albums", views.AlbumViewSet, basename="api_album")
router.register("photos", views.PhotoViewSet, basename="api_photo")

urlpatterns = router.urls
