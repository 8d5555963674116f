"""The workflow version state machine, declared once, and every transition of it.

    draft ──generate──▶ generated ──publish──▶ published ──(another is published)──▶ retired
      ▲                   │  ▲                     │                                  │
      └──reset generate───┘  └────reset publish────┘       rollback: retired ──▶ published

Every transition locks the workflow row (`select_for_update`), so two admins acting at once are
serialized: the second sees the first one's result and gets a `WorkflowConflict` when the state
it expected (its `expected_revision`, or the version's state) is gone.
"""

from django.db import transaction
from django.utils import timezone

from portal.tenants.services import audit_record
from portal.workflows.errors import WorkflowConflict
from portal.workflows.events import published_notify_on_commit, unpublished_notify_on_commit
from portal.workflows.models import VersionState, Workflow, WorkflowVersion

DRAFT, GENERATED, PUBLISHED, RETIRED = (
    VersionState.DRAFT,
    VersionState.GENERATED,
    VersionState.PUBLISHED,
    VersionState.RETIRED,
)

# (from, to) → what the transition is called. Nothing else is allowed.
TRANSITIONS: dict[tuple[str, str], str] = {
    (DRAFT, GENERATED): "generate",
    (GENERATED, DRAFT): "reset generate",
    (GENERATED, PUBLISHED): "publish",
    (RETIRED, PUBLISHED): "publish",  # rollback to an older plan
    (PUBLISHED, GENERATED): "reset publish",
    (PUBLISHED, RETIRED): "retire",
}

_WHY_NOT = {
    GENERATED: "only a draft can be generated: edit the design to make a new draft",
    DRAFT: "only a generated version can go back to draft",
    PUBLISHED: "only a generated or retired version with a plan can be published",
    RETIRED: "only the published version is retired",
}


def transition_check(version: WorkflowVersion, to: str) -> None:
    if (version.state, to) not in TRANSITIONS:
        if version.state == to:
            raise WorkflowConflict(f"Version {version.number} is already {to}.")
        raise WorkflowConflict(f"Version {version.number} is {version.state}: {_WHY_NOT[to]}.")


def _conflict_message(workflow: Workflow) -> str:
    who = workflow.changed_by.email if workflow.changed_by else "someone"
    when = (
        timezone.localtime(workflow.changed_at).strftime("%H:%M") if workflow.changed_at else "a moment ago"
    )
    change = workflow.last_change or "The workflow was changed"
    return f"{change} by {who} at {when} while you were working: reload to see it."


def workflow_lock(*, workflow: Workflow, expected_revision: int | None) -> Workflow:
    """Lock the workflow row for this transaction; refuse if it moved past `expected_revision`."""
    # No join here: after waiting for the lock, PostgreSQL re-reads the locked row but not joined
    # rows, so `changed_by` is loaded by its own query, which sees the winner's commit.
    locked = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if expected_revision is not None and locked.revision != expected_revision:
        raise WorkflowConflict(_conflict_message(locked))
    return locked


def workflow_touch(*, workflow: Workflow, actor, change: str) -> None:
    """Record that the workflow changed: a new revision, and who did what when."""
    workflow.revision += 1
    workflow.last_change = change
    workflow.changed_by = actor if actor is not None and actor.is_authenticated else None
    workflow.changed_at = timezone.now()
    workflow.save(update_fields=["revision", "last_change", "changed_by", "changed_at"])


def _version_locked(workflow: Workflow, version: WorkflowVersion) -> WorkflowVersion:
    locked = WorkflowVersion.objects.select_for_update().filter(workflow=workflow, pk=version.pk).first()
    if locked is None:
        raise WorkflowConflict(f"Version {version.number} no longer exists: reload to see the workflow.")
    return locked


def _audit(workflow, actor, action, version, **data):
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action=action,
        target=workflow,
        data={"workflow": workflow.name, "version": version.number, **data},
    )


@transaction.atomic
def version_generate(*, workflow: Workflow, actor, expected_revision: int | None = None) -> WorkflowVersion:
    """Validate the draft and freeze it into a plan. Raises DesignProblems listing every problem."""
    from portal.workflows.generate import plan_generate  # generate imports selectors that import models

    workflow = workflow_lock(workflow=workflow, expected_revision=expected_revision)
    version = WorkflowVersion.objects.select_for_update().filter(workflow=workflow, state=DRAFT).first()
    if version is None:
        raise WorkflowConflict("There is no draft to generate: edit the design to make one.")
    plan = plan_generate(workflow=workflow, version=version)
    transition_check(version, GENERATED)
    version.state = GENERATED
    version.plan_json = plan.to_json()
    version.plan_hash = plan.hash
    version.generated_by, version.generated_at = actor, timezone.now()
    version.save()
    workflow_touch(workflow=workflow, actor=actor, change=f"Version {version.number} was generated")
    _audit(workflow, actor, "workflow.generated", version, plan_hash=plan.hash)
    return version


@transaction.atomic
def version_reset_generate(
    *, workflow: Workflow, version: WorkflowVersion, actor, expected_revision: int | None = None
) -> WorkflowVersion:
    workflow = workflow_lock(workflow=workflow, expected_revision=expected_revision)
    version = _version_locked(workflow, version)
    transition_check(version, DRAFT)
    other = WorkflowVersion.objects.filter(workflow=workflow, state=DRAFT).exclude(pk=version.pk).first()
    if other is not None:
        raise WorkflowConflict(
            f"Version {other.number} is already a draft: a workflow has one draft at a time, "
            f"so version {version.number} cannot go back to draft."
        )
    version.state = DRAFT
    version.plan_json, version.plan_hash = "", ""
    version.generated_by, version.generated_at = None, None  # the plan is gone; the audit log keeps who
    version.save()
    workflow_touch(workflow=workflow, actor=actor, change=f"Version {version.number} was reset to draft")
    _audit(workflow, actor, "workflow.generate_reset", version)
    return version


def _publish(workflow, version, actor, *, rollback: bool) -> WorkflowVersion:
    transition_check(version, PUBLISHED)
    if not version.plan_json:
        raise WorkflowConflict(f"Version {version.number} has no plan: Generate it first.")
    now = timezone.now()
    current = WorkflowVersion.objects.select_for_update().filter(workflow=workflow, state=PUBLISHED).first()
    if current is not None:
        transition_check(current, RETIRED)
        current.state, current.retired_by, current.retired_at = RETIRED, actor, now
        current.save()  # first, so the one-published-version constraint holds at every statement
    version.state, version.published_by, version.published_at = PUBLISHED, actor, now
    version.retired_by, version.retired_at = None, None
    version.save()
    verb = "rolled back to" if rollback else "published"
    change = (
        f"Version {version.number} was {verb}"
        if not rollback
        else f"The workflow was {verb} version {version.number}"
    )
    workflow_touch(workflow=workflow, actor=actor, change=change)
    _audit(
        workflow,
        actor,
        "workflow.rolled_back" if rollback else "workflow.published",
        version,
        plan_hash=version.plan_hash,
        previous=current.number if current else None,
    )
    published_notify_on_commit(version=version, rollback=rollback)
    return version


@transaction.atomic
def version_publish(
    *, workflow: Workflow, version: WorkflowVersion, actor, expected_revision: int | None = None
) -> WorkflowVersion:
    """Make a generated version the live one; the previously published version is retired."""
    workflow = workflow_lock(workflow=workflow, expected_revision=expected_revision)
    return _publish(workflow, _version_locked(workflow, version), actor, rollback=False)


@transaction.atomic
def version_rollback(
    *, workflow: Workflow, version: WorkflowVersion, actor, expected_revision: int | None = None
) -> WorkflowVersion:
    """Publish an older version again. Its plan is immutable, so it runs exactly as it did."""
    workflow = workflow_lock(workflow=workflow, expected_revision=expected_revision)
    version = _version_locked(workflow, version)
    current = WorkflowVersion.objects.filter(workflow=workflow, state=PUBLISHED).first()
    if current is not None and current.number < version.number:
        raise WorkflowConflict(
            f"Version {version.number} is newer than the published version {current.number}: use Publish."
        )
    return _publish(workflow, version, actor, rollback=True)


@transaction.atomic
def version_reset_publish(
    *, workflow: Workflow, actor, expected_revision: int | None = None
) -> WorkflowVersion:
    """Withdraw the published version (it goes back to generated); agents stop getting it."""
    workflow = workflow_lock(workflow=workflow, expected_revision=expected_revision)
    version = WorkflowVersion.objects.select_for_update().filter(workflow=workflow, state=PUBLISHED).first()
    if version is None:
        raise WorkflowConflict("No version of this workflow is published.")
    transition_check(version, GENERATED)
    version.state = GENERATED
    version.save()  # published_by/at stay: they tell when it was last live
    workflow_touch(workflow=workflow, actor=actor, change=f"Version {version.number} was unpublished")
    _audit(workflow, actor, "workflow.publish_reset", version)
    unpublished_notify_on_commit(version=version)
    return version
