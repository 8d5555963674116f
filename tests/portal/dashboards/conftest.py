import pytest
from django.utils import timezone

from tests.portal.dashboards.seed import run_complete, run_make, story_seed, workflow_make


@pytest.fixture
def story(acme, alice, django_capture_on_commit_callbacks):
    """Acme's month of runs (see `story_seed`), counted by the dashboards through `run_completed`."""
    with django_capture_on_commit_callbacks(execute=True):
        return story_seed(organization=acme, owner=alice, now=timezone.now())


@pytest.fixture
def globex_story(globex, charlie, django_capture_on_commit_callbacks):
    """One finished Globex run with failures: none of it may show on Acme's pages."""
    workflow = workflow_make(organization=globex, owner=charlie)
    with django_capture_on_commit_callbacks(execute=True):
        run_complete(run_make(workflow=workflow, created_at=timezone.now(), succeeded=9, failed=["Globex only 1"]),
                     "completed_with_errors")  # fmt: skip
    return workflow
