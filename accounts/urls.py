from django.urls import path

from accounts import views

urlpatterns = [
    path("settings/", views.settings_page, name="settings"),
    path("settings/delete-account/", views.delete_account, name="delete_account"),
    path("language/", views.switch_language, name="switch_language"),
]
