"""Who is acting, from where, for the audit trail: set per request, command or task."""

import contextvars
from contextlib import contextmanager
from dataclasses import dataclass, field


@dataclass
class AuditContext:
    actor_name: str = "system"
    user_getter: object = None  # a callable returning the request's user, resolved lazily
    address: str | None = None
    request_id: str = ""
    extra: dict = field(default_factory=dict)

    def user(self):
        if self.user_getter is None:
            return None
        user = self.user_getter()
        return user if getattr(user, "is_authenticated", False) else None


_context: contextvars.ContextVar[AuditContext | None] = contextvars.ContextVar(
    "imaging_ops_audit_context", default=None
)


def current_context() -> AuditContext:
    return _context.get() or AuditContext()


@contextmanager
def audit_context(**values):
    """Events written inside carry this actor, address and request id."""
    token = _context.set(AuditContext(**values))
    try:
        yield
    finally:
        _context.reset(token)


def audit_actor(name: str):
    """For commands and tasks: `with audit_actor("manage.py seed_demo"): ...`."""
    return audit_context(actor_name=name)
