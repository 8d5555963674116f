"""Platform pages are for staff only; to anyone else they look like pages that do not exist."""

from functools import wraps

from django.contrib.auth.decorators import login_required
from django.http import Http404


def staff_page(view):
    @login_required
    @wraps(view)
    def wrapped(request, *args, **kwargs):
        if not request.user.is_staff:
            raise Http404
        return view(request, *args, **kwargs)

    return wrapped
