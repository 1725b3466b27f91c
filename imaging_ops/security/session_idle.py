"""The idle timeout: a login session ends after SESSION_IDLE_TIMEOUT_MINUTES without a request
the person made. Background polling (requests carrying `X-Background-Poll: 1`, as the pages'
htmx polling does) never counts as activity. Signing after the timeout needs the username and
password again (21 CFR 11.200(a)), because logging out flushes the session.
"""

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.contrib.auth.views import redirect_to_login
from django.http import HttpResponse, JsonResponse
from django.shortcuts import resolve_url
from django.utils import timezone

LAST_ACTIVITY_KEY = "imaging_ops_last_activity"
# Writing the session on every request would cost a query each; a minute is precise enough.
RESOLUTION_SECONDS = 60


def is_background_poll(request) -> bool:
    return request.headers.get("X-Background-Poll") == "1"


class IdleTimeoutMiddleware:
    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = getattr(request, "user", None)
        if user is None or not user.is_authenticated:
            return self.get_response(request)
        now = timezone.now().timestamp()
        last = request.session.get(LAST_ACTIVITY_KEY)
        limit = settings.SESSION_IDLE_TIMEOUT_MINUTES * 60
        if last is not None and now - last > limit:
            return self._signed_out(request)
        if not is_background_poll(request) and (last is None or now - last >= RESOLUTION_SECONDS):
            request.session[LAST_ACTIVITY_KEY] = now
        return self.get_response(request)

    def _signed_out(self, request):
        logout(request)
        minutes = settings.SESSION_IDLE_TIMEOUT_MINUTES
        if request.path.startswith("/api/"):
            return JsonResponse(
                {"detail": f"Your session ended after {minutes} minutes without activity."},
                status=401,
            )
        messages.info(
            request,
            f"You were signed out after {minutes} minutes without activity. Sign in again.",
        )
        if request.headers.get("HX-Request"):
            response = HttpResponse(status=204)
            response["HX-Redirect"] = resolve_url(settings.LOGIN_URL)
            return response
        return redirect_to_login(request.get_full_path())
