"""The schedule page of a workflow: `/o/<org>/workflows/<pk>/schedule/` (admins change it)."""

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render

from portal.runs.queue import run_blocker
from portal.schedules.models import Schedule, ScheduleMode
from portal.schedules.services import (
    MAX_EVERY_MINUTES,
    schedule_delete,
    schedule_next_at,
    schedule_save,
    time_zones,
)
from portal.tenants.access import org_page
from portal.tenants.roles import Permission, role_allows
from portal.workflows.models import Workflow

COMMON_TIMEZONES = ["UTC", "America/New_York", "America/Chicago", "America/Denver", "America/Los_Angeles",
                    "America/Toronto", "Europe/London", "Europe/Paris", "Europe/Berlin", "Australia/Sydney"]  # fmt: skip


def _minutes(raw: str) -> int | str:
    raw = raw.strip()
    return int(raw) if raw.isdecimal() and raw.isascii() else raw  # the service says what is wrong otherwise


@org_page(Permission.READ)
def workflow_schedule(request, organization, pk):
    workflow = get_object_or_404(Workflow.objects.for_organization(organization), pk=pk)
    schedule = Schedule.objects.for_organization(organization).filter(workflow=workflow).first()
    problems: dict[str, list[str]] = {}
    form = {
        "mode": schedule.mode if schedule else ScheduleMode.INTERVAL,
        "every_minutes": (schedule.every_minutes if schedule else None) or 15,
        "cron": schedule.cron if schedule else "0 6 * * 1-5",
        "timezone": schedule.timezone if schedule else "UTC",
        "enabled": schedule.enabled if schedule else True,
    }
    if request.method == "POST":
        if not role_allows(request.membership.role, Permission.ADMINISTER):
            raise PermissionDenied("Only admins change schedules.")
        if request.POST.get("action") == "delete":
            schedule_delete(workflow=workflow, actor=request.user)
            messages.success(request, f"{workflow.name} is back to Manual: it runs when someone presses Run.")
            return redirect("workflow_schedule", org_slug=organization.slug, pk=workflow.pk)
        form = {
            "mode": request.POST.get("mode", ""),
            "every_minutes": request.POST.get("every_minutes", ""),
            "cron": request.POST.get("cron", ""),
            "timezone": request.POST.get("timezone", "UTC").strip(),
            "enabled": request.POST.get("enabled") == "on",
        }
        try:
            saved = schedule_save(
                workflow=workflow, actor=request.user, mode=form["mode"],
                every_minutes=_minutes(form["every_minutes"]), cron=form["cron"],
                timezone_name=form["timezone"], enabled=form["enabled"],
            )  # fmt: skip
        except ValidationError as exc:
            problems = exc.message_dict
            messages.error(request, "The schedule was not saved: " + " ".join(sum(problems.values(), [])))
        else:
            messages.success(request, f"{workflow.name} now runs {saved.describe()}.")
            return redirect("workflow_schedule", org_slug=organization.slug, pk=workflow.pk)
    return render(
        request,
        "schedules/schedule.html",
        {
            "organization": organization,
            "workflow": workflow,
            "schedule": schedule,
            "next_run_at": schedule_next_at(schedule),
            "blocker": run_blocker(workflow),
            "form": form,
            "problems": problems,
            "timezones": sorted(set(COMMON_TIMEZONES) | {form["timezone"]} & time_zones()),
            "max_every_minutes": MAX_EVERY_MINUTES,
        },
    )
