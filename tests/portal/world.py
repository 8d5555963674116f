"""One object of every tenant-owned model, in a given organization.

The cross-tenant test needs an object behind every detail route. When a new tenant model
appears, add it here: the test fails (naming the model) until you do.
"""

from portal.agents.models import Agent
from portal.connectors.models import Connection
from portal.connectors.services import connection_create
from portal.dashboards.models import DailyWorkflowStats, ErrorPattern, RunErrorPattern, RunStats
from portal.dashboards.services import stats_run_record
from portal.runs.models import Run, SnapshotRecord
from portal.tenants.models import AuditEvent, Invitation, Membership
from portal.tenants.services import audit_record, invitation_create
from portal.webhooks.models import WebhookDelivery, WebhookEndpoint
from portal.workflows.design import workflow_create
from portal.workflows.models import LookupRow, LookupTable, Workflow, WorkflowVersion


def build_world(*, organization, owner, member) -> dict[type, object]:
    invitation, _ = invitation_create(organization=organization, role="operator", actor=owner)
    world: dict[type, object] = {
        Membership: Membership.objects.get(organization=organization, user=member),
        Invitation: invitation,
        AuditEvent: audit_record(organization=organization, actor=owner, action="test.world_built"),
        Agent: Agent.objects.create(organization=organization, name="sage-server"),
    }
    world[Connection] = connection_create(
        organization=organization, actor=owner, kind="shopify", name="shopify",
        settings={"shop_url": "https://world.myshopify.com"}, secrets={"token": "shpat_world"},
    )  # fmt: skip
    # A workflow from a template brings its draft version and the default lookup tables.
    world[Workflow] = workflow_create(organization=organization, actor=owner, template="customer_update")
    world[WorkflowVersion] = WorkflowVersion.objects.get(workflow=world[Workflow], number=1)
    world[LookupTable] = LookupTable.objects.get(organization=organization, name="Tax")
    world[LookupRow] = LookupRow.objects.filter(table=world[LookupTable]).first()
    version = world[WorkflowVersion]
    world[Run] = Run.objects.create(
        organization=organization,
        workflow=world[Workflow],
        version=version,
        plan_hash="0" * 64,
        agent=world[Agent],
        status="succeeded",
    )
    world[SnapshotRecord] = SnapshotRecord.objects.create(
        organization=organization,
        run=world[Run],
        node_id="customer_update",
        seq=1,
        record_key="1",
        source_id="1",
        status="success",
        input={"id": 1},
    )
    world[WebhookEndpoint] = WebhookEndpoint.objects.create(
        organization=organization, connection=world[Connection]
    )
    world[WebhookDelivery] = WebhookDelivery.objects.create(
        organization=organization, endpoint=world[WebhookEndpoint], webhook_id="1", topic="customers/update"
    )
    # The dashboards count the run as run_completed would: its stats, its day, its error pattern.
    SnapshotRecord.objects.create(
        organization=organization, run=world[Run], node_id="customer_update", seq=1, record_key="2",
        source_id="2", status="failed", message='Tax Group "ZZ" does not exist.',
    )  # fmt: skip
    stats_run_record(run_id=world[Run].pk)
    world[RunStats] = RunStats.objects.get(run=world[Run])
    world[DailyWorkflowStats] = DailyWorkflowStats.objects.get(workflow=world[Workflow])
    world[RunErrorPattern] = RunErrorPattern.objects.get(run=world[Run])
    world[ErrorPattern] = ErrorPattern.objects.get(workflow=world[Workflow])
    return world
