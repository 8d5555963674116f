"""The version state machine: transitions, one published version, drafts, rollback, audit, events."""

import copy

import pytest
from django.db import IntegrityError, transaction

from portal.tenants.models import AuditEvent
from portal.workflows.design import version_design_save
from portal.workflows.errors import WorkflowConflict
from portal.workflows.events import workflow_published, workflow_unpublished
from portal.workflows.lifecycle import (
    TRANSITIONS,
    version_generate,
    version_publish,
    version_reset_generate,
    version_reset_publish,
    version_rollback,
)
from portal.workflows.models import WorkflowVersion
from tests.portal.workflows.helpers import row_of

pytestmark = pytest.mark.django_db


def _states(workflow):
    return dict(workflow.versions.order_by("number").values_list("number", "state"))


def _edit(workflow, actor, expression, base=None):
    design = copy.deepcopy((base or workflow.versions.order_by("-number").first()).design)
    row_of(design, "customer_update", "CustomerName")["expression"] = expression
    return version_design_save(workflow=workflow, actor=actor, design=design)


def _publish_new(workflow, actor, expression):
    _edit(workflow, actor, expression)
    version = version_generate(workflow=workflow, actor=actor)
    return version_publish(workflow=workflow, version=version, actor=actor)


@pytest.fixture
def published(update_workflow, alice):
    version = version_generate(workflow=update_workflow, actor=alice)
    return version_publish(workflow=update_workflow, version=version, actor=alice)


def test_it_declares_exactly_the_documented_transitions():
    assert set(TRANSITIONS) == {
        ("draft", "generated"),
        ("generated", "draft"),
        ("generated", "published"),
        ("retired", "published"),
        ("published", "generated"),
        ("published", "retired"),
    }


def test_it_generates_then_publishes_recording_who_and_when(update_workflow, alice):
    version = version_generate(workflow=update_workflow, actor=alice)
    assert (version.state, version.generated_by) == ("generated", alice)
    version = version_publish(workflow=update_workflow, version=version, actor=alice)
    assert (version.state, version.published_by) == ("published", alice)
    assert version.generated_at <= version.published_at
    actions = list(AuditEvent.objects.filter(action__startswith="workflow.").values_list("action", flat=True))
    assert actions[:3] == ["workflow.published", "workflow.generated", "workflow.created"]


def test_it_refuses_to_publish_a_draft(update_workflow, draft, alice):
    with pytest.raises(WorkflowConflict, match="Version 1 is draft: only a generated or retired version"):
        version_publish(workflow=update_workflow, version=draft, actor=alice)


def test_it_refuses_to_generate_without_a_draft(update_workflow, alice, published):
    with pytest.raises(WorkflowConflict, match="There is no draft to generate"):
        version_generate(workflow=update_workflow, actor=alice)


def test_it_refuses_to_reset_generate_a_published_version(update_workflow, alice, published):
    with pytest.raises(
        WorkflowConflict, match="Version 1 is published: only a generated version can go back"
    ):
        version_reset_generate(workflow=update_workflow, version=published, actor=alice)


def test_it_refuses_to_publish_the_published_version_again(update_workflow, alice, published):
    with pytest.raises(WorkflowConflict, match="Version 1 is already published"):
        version_publish(workflow=update_workflow, version=published, actor=alice)


def test_it_resets_generate_to_a_draft_without_its_plan(update_workflow, alice):
    version = version_generate(workflow=update_workflow, actor=alice)
    version = version_reset_generate(workflow=update_workflow, version=version, actor=alice)
    assert (version.state, version.plan_json, version.plan_hash, version.generated_at) == (
        "draft",
        "",
        "",
        None,
    )


def test_it_refuses_reset_generate_while_another_draft_exists(update_workflow, alice):
    generated = version_generate(workflow=update_workflow, actor=alice)
    _edit(update_workflow, alice, "upper(first_name)")
    with pytest.raises(WorkflowConflict, match="Version 2 is already a draft"):
        version_reset_generate(workflow=update_workflow, version=generated, actor=alice)


def test_it_keeps_one_published_version_retiring_the_previous_one(update_workflow, alice, published):
    _publish_new(update_workflow, alice, "upper(first_name)")
    assert _states(update_workflow) == {1: "retired", 2: "published"}
    retired = update_workflow.versions.get(number=1)
    assert (retired.retired_by, retired.retired_at is not None) == (alice, True)


def test_it_refuses_a_second_published_version_in_the_database(update_workflow, alice, published):
    _edit(update_workflow, alice, "upper(first_name)")
    with pytest.raises(IntegrityError), transaction.atomic():
        WorkflowVersion.objects.filter(workflow=update_workflow, number=2).update(state="published")


def test_it_creates_a_new_draft_when_a_published_version_is_edited(update_workflow, alice, published):
    draft = _edit(update_workflow, alice, "upper(first_name)")
    assert (draft.number, draft.state) == (2, "draft")
    again = _edit(update_workflow, alice, "upper(last_name)")
    assert again.pk == draft.pk  # one draft at a time: saving again edits it
    assert row_of(again.design, "customer_update", "CustomerName")["expression"] == "upper(last_name)"
    assert row_of(published.design, "customer_update", "CustomerName")["expression"].startswith("coalesce(")
    assert _states(update_workflow) == {1: "published", 2: "draft"}


def test_it_rolls_back_to_an_older_plan_unchanged(update_workflow, alice, published):
    v2 = _publish_new(update_workflow, alice, "upper(first_name)")
    rolled = version_rollback(workflow=update_workflow, version=published, actor=alice)
    assert _states(update_workflow) == {1: "published", 2: "retired"}
    assert (rolled.plan_hash, rolled.plan_json) == (published.plan_hash, published.plan_json)
    assert AuditEvent.objects.filter(
        action="workflow.rolled_back", data__version=1, data__previous=2
    ).exists()
    with pytest.raises(
        WorkflowConflict, match="Version 2 is newer than the published version 1: use Publish"
    ):
        version_rollback(workflow=update_workflow, version=v2, actor=alice)


def test_it_resets_publish_leaving_no_published_version(update_workflow, alice, published):
    version = version_reset_publish(workflow=update_workflow, actor=alice)
    assert version.state == "generated"
    assert _states(update_workflow) == {1: "generated"}
    with pytest.raises(WorkflowConflict, match="No version of this workflow is published"):
        version_reset_publish(workflow=update_workflow, actor=alice)


def test_it_refuses_a_stale_revision_saying_who_changed_what(update_workflow, alice, bob, bob_in_acme):
    loaded = update_workflow.revision
    version = version_generate(workflow=update_workflow, actor=bob)
    with pytest.raises(WorkflowConflict) as caught:
        version_publish(workflow=update_workflow, version=version, actor=alice, expected_revision=loaded)
    assert caught.value.message.startswith("Version 1 was generated by bob@acme.test at ")
    assert caught.value.message.endswith(" while you were working: reload to see it.")


class _Recorder:
    def __init__(self):
        self.calls = []

    def __call__(self, sender, signal, **kwargs):
        self.calls.append(kwargs)


@pytest.fixture
def published_events():
    recorder = _Recorder()
    workflow_published.connect(recorder)
    yield recorder
    workflow_published.disconnect(recorder)


def test_it_announces_a_publish_only_after_commit(
    update_workflow, alice, published_events, django_capture_on_commit_callbacks
):
    version = version_generate(workflow=update_workflow, actor=alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        version_publish(workflow=update_workflow, version=version, actor=alice)
        assert published_events.calls == []  # still inside the transaction
    assert len(callbacks) == 1
    assert published_events.calls == [
        {
            "organization_id": update_workflow.organization_id,
            "workflow_id": str(update_workflow.public_id),
            "workflow_pk": update_workflow.pk,
            "version": 1,
            "plan_hash": version.plan_hash,
            "rollback": False,
        }
    ]


def test_it_announces_nothing_when_the_transaction_rolls_back(
    update_workflow, alice, published_events, django_capture_on_commit_callbacks
):
    version = version_generate(workflow=update_workflow, actor=alice)
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        with pytest.raises(RuntimeError), transaction.atomic():
            version_publish(workflow=update_workflow, version=version, actor=alice)
            raise RuntimeError("the caller's transaction fails after publishing")
    assert callbacks == []
    assert published_events.calls == []
    assert _states(update_workflow) == {1: "generated"}


def test_it_announces_reset_publish(update_workflow, alice, published, django_capture_on_commit_callbacks):
    recorder = _Recorder()
    workflow_unpublished.connect(recorder)
    try:
        with django_capture_on_commit_callbacks(execute=True):
            version_reset_publish(workflow=update_workflow, actor=alice)
    finally:
        workflow_unpublished.disconnect(recorder)
    assert recorder.calls == [
        {"organization_id": update_workflow.organization_id, "workflow_id": str(update_workflow.public_id),
         "workflow_pk": update_workflow.pk, "version": 1}
    ]  # fmt: skip
