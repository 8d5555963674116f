from django.urls import path

from portal.webhooks.views import shopify_webhook

urlpatterns = [path("shopify/<uuid:public_id>/", shopify_webhook, name="webhook-shopify")]
