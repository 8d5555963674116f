from rest_framework.routers import SimpleRouter

from portal.webhooks.api import WebhookEndpointViewSet

router = SimpleRouter()
router.register("webhook-endpoints", WebhookEndpointViewSet, basename="webhook-endpoint")

org_urlpatterns = router.urls
