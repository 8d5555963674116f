from rest_framework.routers import SimpleRouter

from portal.workflows import api, api_lookups

router = SimpleRouter()
router.register("workflows", api.WorkflowViewSet, basename="workflow")
router.register("workflow-versions", api.WorkflowVersionViewSet, basename="workflow-version")
router.register("templates", api.TemplateViewSet, basename="workflow-template")
router.register("lookup-tables", api_lookups.LookupTableViewSet, basename="lookup-table")

org_urlpatterns = router.urls
