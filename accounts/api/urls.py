from django.urls import path

from accounts.api import views

urlpatterns = [
    path("auth/register/", views.RegisterView.as_view(), name="api_register"),
    path("auth/token/", views.TokenView.as_view(), name="api_token"),
    path("me/", views.MeView.as_view(), name="api_me"),
]
