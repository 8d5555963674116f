from django.urls import path
from rest_framework.routers import SimpleRouter

from portal.agents.api import AgentViewSet, RegisterView
from portal.runs.api import RunViewSet, SnapshotRecordViewSet

router = SimpleRouter()
router.register("agents", AgentViewSet, basename="agent")
router.register("runs", RunViewSet, basename="run")
router.register("snapshot-records", SnapshotRecordViewSet, basename="snapshot-record")

org_urlpatterns = router.urls
public_urlpatterns = [path("agents/register/", RegisterView.as_view(), name="agent-register")]
