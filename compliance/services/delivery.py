"""Delivering claimed notices: in app exactly once, by email at least once.

`deliver_notice` claims a notice with a conditional update (pending, or sending with its lease
expired, to sending with a new lease). The winner writes each recipient's `ReminderDelivery`
and in-app notification in one transaction (the delivery's unique row is what makes the in-app
notification exactly once, also when a lease runs out under a slow worker), then emails the
people who want it now, marking each delivery after the mail server took it. A crash between
the server's acceptance and that mark sends the email again on the retry: email is at least
once. People who chose the morning digest get theirs from `send_digests`.
"""

import datetime as dt
import logging

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core.mail import EmailMultiAlternatives
from django.db import IntegrityError, transaction
from django.db.models import F, Q
from django.template.loader import render_to_string

from compliance.models import (
    DeliveryMode,
    NoticeState,
    ReminderDelivery,
    ReminderNotice,
    ReminderPreference,
)
from compliance.reminders.stages import at_local, is_optional, stage_label
from compliance.reminders.subjects import SUBJECTS
from imaging_ops.models import SiteMembership
from imaging_ops.notifications.services import notify
from imaging_ops.vocabulary import Role

log = logging.getLogger(__name__)
NOTIFICATION_KIND = "reminder"
DEFAULT_PREFERENCE = ReminderPreference(mode=DeliveryMode.IMMEDIATE, lead_stages=True)


def lease_length() -> dt.timedelta:
    return dt.timedelta(seconds=settings.REMINDER_LEASE_SECONDS)


def claim_notice(*, notice_id: int, now: dt.datetime) -> dt.datetime | None:
    """Take the notice for delivery; its lease's end if this call won, else None."""
    lease = now + lease_length()
    won = (
        ReminderNotice.objects.filter(pk=notice_id)
        .filter(Q(state=NoticeState.PENDING) | Q(state=NoticeState.SENDING, lease_until__lt=now))
        .update(state=NoticeState.SENDING, lease_until=lease, attempts=F("attempts") + 1)
    )
    return lease if won else None


def deliver_notices(*, notice_ids: list[int], now: dt.datetime) -> int:
    """Deliver each notice this call can claim; how many it delivered."""
    return sum(deliver_notice(notice_id=pk, now=now) for pk in notice_ids)


def deliver_notice(*, notice_id: int, now: dt.datetime) -> bool:
    lease = claim_notice(notice_id=notice_id, now=now)
    if lease is None:
        return False
    notice = ReminderNotice.objects.select_related("site").get(pk=notice_id)
    subject = SUBJECTS[notice.subject_kind]
    if notice.pk not in subject.still_current([notice]):
        _finish(notice, lease=lease, state=NoticeState.CANCELLED, now=now)
        return False
    message = subject.describe([notice])[notice.pk]
    people = recipients(message.targets, site=notice.site, now=now)
    _notify_once(notice, message, people, now=now)
    for delivery in (
        ReminderDelivery.objects.filter(
            notice=notice, emailed_at__isnull=True, email_due_at__lte=now
        )
        .exclude(user__email="")
        .select_related("user")
    ):
        _email_one(notice, message, delivery, now=now)
    _finish(notice, lease=lease, state=NoticeState.SENT, now=now)
    return True


def _finish(notice, *, lease, state, now) -> None:
    # Only the holder of this lease finishes; a later claimant's lease stands.
    ReminderNotice.objects.filter(
        pk=notice.pk, state=NoticeState.SENDING, lease_until=lease
    ).update(state=state, sent_at=now if state == NoticeState.SENT else None, lease_until=None)


def recipients(targets, *, site, now) -> list:
    """The active people the targets name: people by id, and the roles in force at the site
    (managers: standing managers only)."""
    ids = set(targets.users)
    if targets.roles:
        held = SiteMembership.objects.in_force(site.today(now)).filter(site=site)
        other = set(targets.roles) - {Role.MANAGER}
        query = Q(role__in=other)
        if Role.MANAGER in targets.roles:
            query |= Q(role=Role.MANAGER, is_trainee=False)
        ids |= set(held.filter(query).values_list("user_id", flat=True))
    return list(
        get_user_model()
        .objects.filter(pk__in=ids, is_active=True)
        .select_related("home_site", "reminder_preference")
        .order_by("pk")
    )


def preference(user) -> ReminderPreference:
    try:
        return user.reminder_preference
    except ReminderPreference.DoesNotExist:
        return DEFAULT_PREFERENCE


def next_digest_at(user, *, now: dt.datetime, fallback_site) -> dt.datetime:
    """The next morning digest for the person: their home site's opening time (the notice's
    site when they have none), in that site's zone, across clock changes."""
    site = user.home_site or fallback_site
    today = site.today(now)
    for day in (today, today + dt.timedelta(days=1)):
        at = at_local(day, site.opens_at, site.zone)
        if at > now:
            return at
    return at_local(today + dt.timedelta(days=2), site.opens_at, site.zone)


def _notify_once(notice, message, people, *, now) -> None:
    told = set(ReminderDelivery.objects.filter(notice=notice).values_list("user_id", flat=True))
    title = f"{stage_label(notice.stage)}: {notice.title}"
    try:
        with transaction.atomic():
            for user in people:
                choice = preference(user)
                if user.pk in told or (is_optional(notice.stage) and not choice.lead_stages):
                    continue
                digest = choice.mode == DeliveryMode.DIGEST
                ReminderDelivery.objects.create(
                    notice=notice,
                    user=user,
                    notified_at=now,
                    email_due_at=(
                        next_digest_at(user, now=now, fallback_site=notice.site) if digest else now
                    ),
                )
                notify(
                    user=user,
                    title=title,
                    body=message.body,
                    url=message.path,
                    kind=NOTIFICATION_KIND,
                    site=notice.site,
                    now=now,
                )
    except IntegrityError:
        # A second claimant (after a lease ran out) told these people first; theirs stands.
        log.info("reminder notice %s was delivered in app by another worker", notice.pk)


def _claim_email(delivery_ids, *, now) -> list[int]:
    lease = now + lease_length()
    ReminderDelivery.objects.filter(pk__in=delivery_ids, emailed_at__isnull=True).filter(
        Q(email_lease_until__isnull=True) | Q(email_lease_until__lt=now)
    ).update(email_lease_until=lease)
    return list(
        ReminderDelivery.objects.filter(
            pk__in=delivery_ids, emailed_at__isnull=True, email_lease_until=lease
        ).values_list("pk", flat=True)
    )


def _email_one(notice, message, delivery, *, now) -> None:
    if not _claim_email([delivery.pk], now=now):
        return
    context = {
        "items": [_item(notice, message)],
        "person": delivery.user,
        "base_url": settings.PUBLIC_BASE_URL,
    }
    subject = f"{stage_label(notice.stage)}: {notice.title}"
    _send(delivery.user, subject[:200], context)
    ReminderDelivery.objects.filter(pk=delivery.pk).update(emailed_at=now)


def _item(notice, message) -> dict:
    return {
        "stage": stage_label(notice.stage),
        "title": notice.title,
        "body": message.body,
        "link": f"{settings.PUBLIC_BASE_URL}{message.path}",
        "site": notice.site.name,
    }


def _send(user, subject: str, context: dict) -> None:
    text = render_to_string("compliance/email/reminders.txt", context)
    html = render_to_string("compliance/email/reminders.html", context)
    mail = EmailMultiAlternatives(subject, text, to=[user.email])
    mail.attach_alternative(html, "text/html")
    mail.send()


def send_digests(*, now: dt.datetime) -> int:
    """Send each person whose digest time has come one email of everything waiting for them;
    how many emails went."""
    waiting = (
        ReminderDelivery.objects.filter(emailed_at__isnull=True, email_due_at__lte=now)
        .exclude(user__email="")
        .filter(notice__state__in=[NoticeState.SENT, NoticeState.SENDING])
        .order_by("user_id", "notice__stage_at", "pk")
        .select_related("user", "notice__site")
    )
    by_person: dict = {}
    for delivery in waiting[: settings.REMINDER_BATCH_SIZE * 10]:
        by_person.setdefault(delivery.user, []).append(delivery)
    sent = 0
    for user, deliveries in by_person.items():
        won = set(_claim_email([d.pk for d in deliveries], now=now))
        mine = [d for d in deliveries if d.pk in won]
        if not mine:
            continue
        notices = [d.notice for d in mine]
        items = []
        for kind in {n.subject_kind for n in notices}:
            same = [n for n in notices if n.subject_kind == kind]
            subject = SUBJECTS[kind]
            current = subject.still_current(same)
            messages = subject.describe([n for n in same if n.pk in current])
            items += [_item(n, messages[n.pk]) for n in same if n.pk in messages]
        if items:
            count = len(items)
            _send(
                user,
                f"Reminders: {count} item{'s' if count != 1 else ''} for {now:%Y-%m-%d}",
                {"items": items, "person": user, "base_url": settings.PUBLIC_BASE_URL},
            )
            sent += 1
        ReminderDelivery.objects.filter(pk__in=[d.pk for d in mine]).update(emailed_at=now)
    return sent
