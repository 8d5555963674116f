"""Writes for workflows and their designs: create from a template, settings, save a design.

A generated or published version is never edited: saving a design edits the workflow's one
draft, or creates it (number = highest + 1) from the design being saved.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Max
from django.utils import timezone

from portal.agents.models import Agent
from portal.connectors.selectors import organization_connections
from portal.tenants.services import audit_record
from portal.workflows.catalog import TEMPLATES, template_design, template_lookup_names
from portal.workflows.design_check import design_check
from portal.workflows.errors import DesignProblems, WorkflowConflict
from portal.workflows.lifecycle import workflow_lock, workflow_touch
from portal.workflows.lookups_service import lookup_tables_ensure_defaults
from portal.workflows.models import VersionState, Workflow, WorkflowVersion


def _default_connection(organization, kind: str) -> str:
    """The connection a new design uses: the one named like the kind, else the first of the kind."""
    names = [c.name for c in organization_connections(organization) if c.kind == kind]
    return kind if kind in names or not names else names[0]


def _check_agent(organization, agent):
    if agent is not None and agent.organization_id != organization.pk:
        raise ValidationError("Choose one of this organization's agents.")


@transaction.atomic
def workflow_create(
    *, organization, actor, template: str, name: str = "", agent: Agent | None = None
) -> Workflow:
    """A workflow from a template: version 1 is a draft with the template's mapping, and the
    template's default lookup tables are created if the organization lacks them."""
    card = TEMPLATES.get(template)
    if card is None:
        raise ValidationError(f"{template!r} is not a template: choose one of {', '.join(TEMPLATES)}.")
    _check_agent(organization, agent)
    name = (name or card.title).strip()[:80]
    if Workflow.objects.for_organization(organization).filter(name=name).exists():
        raise ValidationError(f"A workflow named {name!r} already exists: choose another name.")
    workflow = Workflow.objects.create(
        organization=organization, name=name, template=template, agent=agent, created_by=actor
    )
    design = template_design(
        template,
        shopify=_default_connection(organization, "shopify"),
        sage300=_default_connection(organization, "sage300"),
    )
    WorkflowVersion.objects.create(
        organization=organization, workflow=workflow, number=1, design=design, created_by=actor
    )
    created = lookup_tables_ensure_defaults(
        organization=organization, actor=actor, names=template_lookup_names(template)
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="workflow.created",
        target=workflow,
        data={"name": name, "template": template, "lookup_tables_created": created},
    )
    return workflow


@transaction.atomic
def workflow_update(*, workflow: Workflow, actor, **changes) -> Workflow:
    """Change `name`, `agent` or `is_active`. These do not touch versions, so no revision bump."""
    workflow = Workflow.objects.select_for_update().get(pk=workflow.pk)
    if "agent" in changes:
        _check_agent(workflow.organization, changes["agent"])
    if "name" in changes:
        changes["name"] = str(changes["name"]).strip()
        if not changes["name"]:
            raise ValidationError("Give the workflow a name.")
    for field, value in changes.items():
        setattr(workflow, field, value)
    try:
        with transaction.atomic():
            workflow.save()
    except IntegrityError:
        raise ValidationError(
            f"A workflow named {workflow.name!r} already exists: choose another name."
        ) from None
    audit_record(
        organization=workflow.organization,
        actor=actor,
        action="workflow.updated",
        target=workflow,
        data={k: (v.name if isinstance(v, Agent) else v) for k, v in changes.items()},
    )
    return workflow


@transaction.atomic
def workflow_delete(*, workflow: Workflow, actor) -> None:
    workflow = workflow_lock(workflow=workflow, expected_revision=None)
    if workflow.versions.filter(state=VersionState.PUBLISHED).exists():
        raise WorkflowConflict("This workflow is published: Reset Publish first so agents stop running it.")
    audit_record(
        organization=workflow.organization, actor=actor, action="workflow.deleted", target=workflow,
        data={"name": workflow.name},
    )  # fmt: skip
    workflow.delete()


@transaction.atomic
def version_design_save(
    *, workflow: Workflow, actor, design: dict, expected_revision: int | None = None
) -> WorkflowVersion:
    """Save the design into the draft, creating the draft when there is none.

    Raises DesignProblems when the design cannot be saved (bad shape, expressions that do not
    parse), WorkflowConflict when the workflow changed since `expected_revision`.
    """
    problems = design_check(design)
    if problems:
        raise DesignProblems(problems, doing="Save")
    workflow = workflow_lock(workflow=workflow, expected_revision=expected_revision)
    now = timezone.now()
    draft = (
        WorkflowVersion.objects.select_for_update()
        .filter(workflow=workflow, state=VersionState.DRAFT)
        .first()
    )
    if draft is None:
        number = (workflow.versions.aggregate(top=Max("number"))["top"] or 0) + 1
        draft = WorkflowVersion.objects.create(
            organization=workflow.organization,
            workflow=workflow,
            number=number,
            design=design,
            created_by=actor,
            saved_by=actor,
            saved_at=now,
        )
        audit_record(
            organization=workflow.organization,
            actor=actor,
            action="workflow.draft_created",
            target=workflow,
            data={"workflow": workflow.name, "version": number},
        )
    else:
        draft.design, draft.saved_by, draft.saved_at = design, actor, now
        draft.save(update_fields=["design", "saved_by", "saved_at"])
    workflow_touch(workflow=workflow, actor=actor, change=f"Version {draft.number} was saved")
    return draft
