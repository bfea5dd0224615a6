from django.contrib import admin
from django.urls import include, path

from showcase.views import landing

urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("i18n/", include("django.conf.urls.i18n")),
    path("api/", include("restoreapp.api_urls")),
    path("billing/", include("billing.urls")),
    path("welcome/", landing, name="landing"),
    path("", include("enhance.urls")),
    path("", include("albums.urls")),
    path("", include("accounts.urls")),
]

# API paths answer in the API's JSON error format even for a 500 raised outside a view.
handler500 = "restoreapp.api_errors.server_error"
