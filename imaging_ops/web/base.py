"""What every page view builds on: sign-in required, scoping, the pages of one managed site, and
one way for a page's form to call a service and show what the service refused."""

from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import ImproperlyConfigured, PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, redirect, render, resolve_url
from django.views import View
from django.views.generic.base import ContextMixin

from imaging_ops.access.permissions import Action, require
from imaging_ops.access.scoping import scope
from imaging_ops.errors import Conflict
from imaging_ops.models import Site
from imaging_ops.web.paginator import KeysFirstPaginator


class ScopedMixin(LoginRequiredMixin):
    """Limits `get_queryset()` to the user's sites, so other sites' rows answer 404."""

    paginator_class = KeysFirstPaginator  # list views: deep pages sort keys only

    def get_queryset(self):
        return scope(super().get_queryset(), self.request.user)


def add_service_errors(
    form, exc: ValidationError, field_map: dict[str, str] | None = None, *, beside: bool = False
):
    """Show a service's ValidationError on the form: on the field it names, or above the form.

    `beside`: the form has errors of its own; a field it already refused keeps only its own
    message (the service saw no value there), and a message above the form is not repeated.
    """
    field_map = field_map or {}
    errors = exc.message_dict if hasattr(exc, "error_dict") else {None: exc.messages}
    for field, field_messages in errors.items():
        target = field_map.get(field, field)
        target = target if target in form.fields else None
        if beside and target is not None and target in form.errors:
            continue
        if beside and target is None:
            field_messages = [m for m in field_messages if m not in form.non_field_errors()]
        if field_messages:
            form.add_error(target, field_messages)


class ManagedSiteMixin(LoginRequiredMixin):
    """A page of one site (`site_code` in the URL) for the people who manage it.

    Another site's code answers 404, as a missing one would; a site of the viewer's where they
    may not take `site_action` answers 403, whatever the method.
    """

    site_action = Action.MANAGE_PEOPLE

    def dispatch(self, request, *args, **kwargs):
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.site = get_object_or_404(
            scope(Site.objects.all(), request.user), code=kwargs["site_code"]
        )
        require(request.user, self.site_action, self.site)
        return super().dispatch(request, *args, **kwargs)

    def check_permission(self) -> None:
        """The site's action is required for every method above; a page adds what its object
        asks for (see ServiceFormView.check_permission)."""


class ServiceFormView(LoginRequiredMixin, ContextMixin, View):
    """A page whose form, once valid, goes to one service.

    Declare `form_class`, `template_name`, `success_url` (or `get_success_url()`) and
    `success_message`; write `call_service(form)`, which calls the service with keyword
    arguments and returns what it made or changed, and `check_permission()`. The object the
    page is about is `self.object`: by default the row of `model` (or `get_queryset()`) with the
    URL's `pk` within the user's sites (404 outside them), None on a page that creates one.

    GET shows the form, after `check_permission()` (403 to a person who types the address of a
    form they may not use) and `check_state()` (409 where the object cannot change). POST
    validates the form and calls the service. A form that does not parse answers 400 with its
    errors and, beside them, those of `check_parsed(form)`: the service's own checks asked about
    the fields that did parse, so one submit shows every error. What the service raises is
    answered here and nowhere else, as imaging_ops.api.errors answers it for the API:

    - ValidationError: 400, the form again with each message on its field (`field_map` names the
      form field of a service field where they differ) or above the form;
    - PermissionDenied: 403, the form again with the refusal above it;
    - Conflict: 409, the form again with the reason (see `conflict()`).
    """

    form_class = None
    template_name = None
    conflict_template_name = "409.html"
    model = None
    success_url = None
    success_message = ""
    field_map: dict[str, str] = {}

    # --- what a page declares or writes -----------------------------------------------------

    def get_queryset(self):
        if self.model is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a model or get_queryset().")
        return self.model._default_manager.all()

    def get_object(self):
        """The row the page changes, or None on a page that creates one (no `pk`)."""
        pk = self.kwargs.get("pk")
        if pk is None:
            return None
        return get_object_or_404(scope(self.get_queryset(), self.request.user), pk=pk)

    def check_permission(self) -> None:
        """Raise PermissionDenied where the person may not submit this form here: the same
        rule the service holds, asked before the form is shown. The service asks again on
        POST, so this is about not offering a form, not about guarding the write."""
        raise ImproperlyConfigured(f"{type(self).__name__} must say who may use its form.")

    def check_state(self) -> None:
        """Raise Conflict where the object is in a state that forbids the change (a signed or
        voided record), so GET answers 409 with the way forward, as POST would."""

    def check_parsed(self, form) -> None:
        """Called when the form has parse errors: raise the ValidationError of the service's own
        checks (the function the service itself calls) on `form.cleaned_data`, the fields that
        did parse. A field the form refused keeps its own message. By default nothing is asked:
        the service's checks then wait until the form parses."""

    def get_initial(self) -> dict | None:
        """The form's starting values; None leaves a form that knows its own (from the object
        it is given) to them."""
        return None

    def get_form_kwargs(self) -> dict:
        initial = self.get_initial()
        kwargs = {} if initial is None else {"initial": initial}
        if self.request.method == "POST":
            kwargs.update(data=self.request.POST, files=self.request.FILES)
        return kwargs

    def get_form(self):
        return self.form_class(**self.get_form_kwargs())

    def call_service(self, form):
        raise NotImplementedError(f"{type(self).__name__} must call its service.")

    def get_success_message(self, result) -> str:
        return self.success_message

    def get_success_url(self, result) -> str:
        if self.success_url is None:
            raise ImproperlyConfigured(f"{type(self).__name__} needs a success_url.")
        return resolve_url(self.success_url)

    def succeeded(self, result):
        """After the service: its message, and on to the next page."""
        message = self.get_success_message(result)
        if message:
            messages.success(self.request, message)
        return redirect(self.get_success_url(result))

    def render_form(self, form, status: int = 200):
        """The page with the form; a page that shows its form elsewhere (on the page of the
        object) renders that page here."""
        return render(
            self.request, self.template_name, self.get_context_data(form=form), status=status
        )

    def conflict(self, exc: Conflict, form=None):
        """409. After a POST, the form again with the reason, so nothing typed is lost; on a
        GET (from `check_state()`), `conflict_template_name` with the reason as `message`."""
        if form is None:
            context = self.get_context_data(message=str(exc))
            return render(self.request, self.conflict_template_name, context, status=409)
        form.add_error(None, str(exc))
        return self.render_form(form, status=409)

    def refused(self) -> None:
        """After a refusal, before the form is shown again: a page whose object the service
        may have changed in memory before it refused reloads it here."""

    # --- the flow, written once -------------------------------------------------------------

    def get(self, request, *args, **kwargs):
        self.object = self.get_object()
        self.check_permission()
        try:
            self.check_state()
        except Conflict as exc:
            return self.conflict(exc)
        return self.render_form(self.get_form())

    def post(self, request, *args, **kwargs):
        self.object = self.get_object()
        # Asked before the form is read: a person without the right learns nothing from the
        # rules (a taken asset tag, say) the service would check. They see the form, empty,
        # with the refusal above it.
        try:
            self.check_permission()
        except PermissionDenied as exc:
            kwargs = self.get_form_kwargs()
            form = self.form_class(
                **{key: value for key, value in kwargs.items() if key not in ("data", "files")}
            )
            form.cleaned_data = {}  # an unbound form takes an error only once it has some
            form.add_error(None, str(exc))
            return self.render_form(form, status=403)
        form = self.get_form()
        if not form.is_valid():
            try:
                self.check_parsed(form)
            except ValidationError as exc:
                add_service_errors(form, exc, self.field_map, beside=True)
            return self.render_form(form, status=400)
        try:
            result = self.call_service(form)
        except ValidationError as exc:
            self.refused()
            add_service_errors(form, exc, self.field_map)
            return self.render_form(form, status=400)
        except PermissionDenied as exc:
            self.refused()
            form.add_error(None, str(exc))
            return self.render_form(form, status=403)
        except Conflict as exc:
            self.refused()
            return self.conflict(exc, form)
        return self.succeeded(result)
