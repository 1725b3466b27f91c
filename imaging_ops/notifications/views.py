"""The person's notifications: a list, newest first, opening one marks it read."""

import datetime as dt

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views import View
from django.views.generic import ListView

from imaging_ops.models import Notification
from imaging_ops.notifications.services import mark_all_read, mark_read, safe_link
from imaging_ops.sites.local_time import local_time_text


class NotificationListView(LoginRequiredMixin, ListView):
    template_name = "notifications/notification_list.html"
    context_object_name = "notifications"
    paginate_by = 25

    def get_queryset(self):
        return Notification.objects.filter(user=self.request.user).select_related("site")

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        home = self.request.user.home_site  # one query, for notices that name no site
        for notification in context["notifications"]:
            notification.link = safe_link(notification.url)
            # In the time of the site it is about, else the person's home site, else UTC.
            site = notification.site or home
            notification.when = local_time_text(
                notification.created_at, site.zone if site else dt.UTC
            )
        return context


class OpenNotificationView(LoginRequiredMixin, View):
    """Marks the notification read and follows its link (someone else's answers 404)."""

    def get(self, request, pk):
        notification = mark_read(user=request.user, notification_id=pk, now=timezone.now())
        if notification is None:
            raise Http404("No such notification.")
        return redirect(safe_link(notification.url) or "notifications")


class MarkAllReadView(LoginRequiredMixin, View):
    def post(self, request):
        count = mark_all_read(user=request.user, now=timezone.now())
        if count:
            messages.success(
                request, f"Marked {count} notification{'s' if count != 1 else ''} read."
            )
        return redirect("notifications")


RECENT = 8


class RecentNotificationsView(LoginRequiredMixin, View):
    """The bell's dropdown: the newest few, unread first marked, loaded when it opens."""

    def get(self, request):
        recent = list(
            Notification.objects.filter(user=request.user)
            .select_related("site")
            .order_by("-created_at", "-pk")[:RECENT]
        )
        home = request.user.home_site if any(n.site is None for n in recent) else None
        for notification in recent:
            notification.link = safe_link(notification.url)
            site = notification.site or home
            notification.when = local_time_text(
                notification.created_at, site.zone if site else dt.UTC
            )
        context = {"recent": recent, "unread": any(n.read_at is None for n in recent)}
        return render(request, "notifications/recent.html", context)


class MarkReadView(LoginRequiredMixin, View):
    """Mark one notification read without following it (someone else's answers 404)."""

    def post(self, request, pk):
        if mark_read(user=request.user, notification_id=pk, now=timezone.now()) is None:
            raise Http404("No such notification.")
        if request.headers.get("HX-Request"):
            return RecentNotificationsView().get(request)
        return redirect("notifications")
