from django.urls import path
from rest_framework.routers import SimpleRouter

from enhance.api import views

router = SimpleRouter(use_regex_path=False)
router.register("jobs", views.JobViewSet, basename="api_job")

urlpatterns = [
    path("models/", views.ModelListView.as_view(), name="api_models"),
    *router.urls,
]
