"""Reminders: the pure rules of when each stage of a reminder falls (`stages`) and the kinds of
subject that are reminded (`subjects`: schedules, site identifiers, work orders, missed days).

The sweep (compliance.services.sweep) and delivery (compliance.services.delivery) work through
the subject interface only, so a new kind of subject is one module in `subjects/`.
"""
