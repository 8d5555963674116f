from rest_framework.routers import SimpleRouter

from portal.connectors.api import ConnectionViewSet

router = SimpleRouter()
router.register("connections", ConnectionViewSet, basename="connection")

org_urlpatterns = router.urls
