from django import template

from portal.dashboards import formatting

register = template.Library()

for name in ("thousands", "percent", "rate", "duration", "status_label", "ago"):
    register.filter(name, getattr(formatting, name))
