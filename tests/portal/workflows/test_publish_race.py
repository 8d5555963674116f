"""Two admins press Publish at the same moment, on real PostgreSQL row locks: one wins."""

import threading

import pytest
from django.db import connection

from portal.workflows.errors import WorkflowConflict
from portal.workflows.lifecycle import version_generate, version_publish
from portal.workflows.models import Workflow, WorkflowVersion

pytestmark = [
    pytest.mark.django_db(transaction=True),
    pytest.mark.skipif(connection.vendor != "postgresql", reason="row locks need PostgreSQL (CI runs it)"),
]


def test_it_lets_one_of_two_simultaneous_publishes_win(update_workflow, alice, bob, bob_in_acme):
    bob_in_acme.role = "admin"
    bob_in_acme.save()
    version = version_generate(workflow=update_workflow, actor=alice)
    loaded = Workflow.objects.get(pk=update_workflow.pk).revision  # both admins loaded this page
    barrier = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def publish(user):
        try:
            barrier.wait(timeout=10)
            version_publish(workflow=update_workflow, version=version, actor=user, expected_revision=loaded)
            outcomes[user.email] = "published"
        except WorkflowConflict as exc:
            outcomes[user.email] = exc.message
        finally:
            connection.close()

    threads = [threading.Thread(target=publish, args=(user,)) for user in (alice, bob)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=30)

    assert sorted(outcomes.values(), key=lambda text: text != "published")[0] == "published"
    winner = next(email for email, outcome in outcomes.items() if outcome == "published")
    loser_message = next(outcome for outcome in outcomes.values() if outcome != "published")
    assert loser_message.startswith(f"Version 1 was published by {winner} at ")
    assert loser_message.endswith("while you were working: reload to see it.")
    assert list(WorkflowVersion.objects.filter(workflow=update_workflow).values_list("state", flat=True)) == [
        "published"
    ]
    assert Workflow.objects.get(pk=update_workflow.pk).revision == loaded + 1
