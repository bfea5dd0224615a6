from django.urls import path

from billing import views, webhook_view

app_name = "billing"

urlpatterns = [
    path("pricing/", views.pricing, name="pricing"),
    path("account/", views.account, name="account"),
    path("checkout/", views.checkout, name="checkout"),
    path("checkout/success/", views.checkout_success, name="checkout_success"),
    path("checkout/cancel/", views.checkout_cancel, name="checkout_cancel"),
    path("portal/", views.portal, name="portal"),
    path("webhook/", webhook_view.stripe_webhook, name="webhook"),
]
