from rest_framework import serializers

from portal.schedules.models import Schedule, ScheduleMode
from portal.schedules.services import schedule_next_at


class ScheduleSerializer(serializers.ModelSerializer):
    """A workflow's schedule. Send `mode` `interval` with `every_minutes`, or `cron` with `cron`
    (five fields) and `timezone`. `enabled: false` pauses it without losing it."""

    mode = serializers.ChoiceField(choices=ScheduleMode.choices)
    every_minutes = serializers.IntegerField(required=False, allow_null=True)
    cron = serializers.CharField(required=False, allow_blank=True, max_length=120)
    timezone = serializers.CharField(required=False, default="UTC", max_length=64)
    description = serializers.CharField(source="describe", read_only=True)
    next_run_at = serializers.SerializerMethodField()
    last_run = serializers.UUIDField(source="last_run_id", read_only=True, allow_null=True)

    class Meta:
        model = Schedule
        fields = ["mode", "every_minutes", "cron", "timezone", "enabled", "description", "next_run_at",
                  "last_fired_at", "last_outcome", "last_run", "updated_at"]  # fmt: skip
        read_only_fields = ["last_fired_at", "last_outcome", "updated_at"]

    def get_next_run_at(self, schedule) -> str | None:
        next_at = schedule_next_at(schedule)
        return next_at.isoformat() if next_at else None
