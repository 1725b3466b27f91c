import uuid

from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpResponseBadRequest, JsonResponse
from django.shortcuts import redirect
from django.utils import timezone

from imaging_ops.access.authority import account_may_act
from imaging_ops.audit.context import audit_context
from imaging_ops.audit.viewing import record_inspector_read


class AccountMayActMiddleware:
    """Ends the session of an account that may no longer act (deactivated, locked, expired)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        user = request.user
        if user.is_authenticated and not request.path.startswith("/api/"):
            allowed, why = account_may_act(user, timezone.now())
            if not allowed:
                logout(request)
                messages.error(request, why)
                return redirect("login")
        return self.get_response(request)


class AuditContextMiddleware:
    """Events written during a request carry its user, address and a request id."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request_id = request.headers.get("X-Request-ID", "")[:64] or uuid.uuid4().hex
        request.request_id = request_id
        with audit_context(
            actor_name="anonymous",
            user_getter=lambda: request.user,
            address=request.META.get("REMOTE_ADDR") or None,
            request_id=request_id,
        ):
            response = self.get_response(request)
        response["X-Request-ID"] = request_id
        return response


class InspectorViewAuditMiddleware:
    """Each page an inspector reads and each file they download is an audit event
    (imaging_ops.audit.viewing): one event, written once the answer is made and before it is
    sent, inside the request's audit context."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        response = self.get_response(request)
        record_inspector_read(request, response)
        return response


class RejectNulMiddleware:
    """A NUL character in the address or the query string is never meaningful here, and some
    databases refuse it outright: answer 400 before any view reads it."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        values = [request.path, *request.GET.keys()]
        values += [value for _, items in request.GET.lists() for value in items]
        if any("\x00" in value for value in values):
            message = "The address contains a NUL character."
            if request.path.startswith("/api/"):
                return JsonResponse({"detail": message}, status=400)
            return HttpResponseBadRequest(message)
        return self.get_response(request)
