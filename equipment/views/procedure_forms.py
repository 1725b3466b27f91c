"""The forms of procedures: create one with its checks, make a new version (with a reason),
copy a library procedure to a site, and assign one to every unit of a modality at its site.

Each is a ServiceFormView: the permission asked before any form is shown or read, the service
called once the form parses, its field errors shown beside their fields. A check's errors,
keyed `checks.<i>.<field>` by the service, go beside the field of the row it was given i-th.
"""

from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from equipment.forms.procedures import (
    LIBRARY,
    AssignForm,
    CheckForm,
    CopyForm,
    ProcedureForm,
)
from equipment.selectors.procedures import (
    assignable_people,
    assignment_plan,
    copies_at_my_sites,
    copy_sites,
    visible_procedures,
)
from equipment.services.assignment import assign_to_modality, validate_assignment
from equipment.services.grants import may_edit_procedure, require_procedure_edit
from equipment.services.procedures import (
    CONTENT_FIELDS,
    build_checks,
    copy_library_procedure,
    create_procedure,
    new_procedure_version,
    validate_procedure_content,
)
from imaging_ops.access.permissions import ALL_SITES, Action, sites_where
from imaging_ops.errors import Conflict
from imaging_ops.models import Site
from imaging_ops.web.base import ServiceFormView, add_service_errors


def detail_url(procedure) -> str:
    return reverse("equipment:procedure_detail", args=[procedure.pk])


def _placed(form, exc: ValidationError) -> ValidationError:
    """The service's errors less those of the check rows, which go beside their fields."""
    if not hasattr(exc, "error_dict"):
        return exc
    return ValidationError(form.place_check_errors(exc.message_dict))


class ProcedureFormView(ServiceFormView):
    """A procedure's content with its checks as rows. "Add a check" sends what was typed and
    comes back with it and one more blank row; nothing is saved until the form is sent."""

    form_class = ProcedureForm
    template_name = "equipment/procedure_form.html"
    field_map = {"__all__": "code"}

    def get_queryset(self):
        return visible_procedures(self.request.user).select_related("site", "current_version")

    def get_object(self):
        # The library is readable by everyone, so editing it is refused (403), not hidden.
        pk = self.kwargs.get("pk")
        return None if pk is None else get_object_or_404(self.get_queryset(), pk=pk)

    def post(self, request, *args, **kwargs):
        if "add_check" not in request.POST:
            return super().post(request, *args, **kwargs)
        self.object = self.get_object()
        self.check_permission()
        return self.render_form(self.with_another_row())

    def with_another_row(self) -> ProcedureForm:
        """The form as typed, unbound (no errors yet), with a blank check row more."""
        typed = self.get_form()
        initial = {name: typed[name].value() for name in typed.fields}
        rows = [{name: row[name].value() for name in row.fields} for row in typed.checks.forms]
        kwargs = {k: v for k, v in self.get_form_kwargs().items() if k not in ("data", "files")}
        return self.form_class(**{**kwargs, "initial": initial, "checks_initial": rows})

    def check_parsed(self, form):
        errors = {}
        try:
            validate_procedure_content(form.content(parsed_only=True))
        except ValidationError as exc:
            errors.update(exc.message_dict)
        try:
            build_checks(form.checks_data())
        except ValidationError as exc:
            errors.update(exc.message_dict)
        rest = form.place_check_errors(errors, beside=True)
        if rest:
            raise ValidationError(rest)

    def get_context_data(self, **kwargs):
        return super().get_context_data(procedure=self.object, **kwargs)

    def get_success_url(self, result):
        return detail_url(self.object if self.object is not None else result)


class ProcedureCreateView(ProcedureFormView):
    def owners(self) -> list[tuple[str, str]]:
        """Where the person may make a procedure: the library (system administrators), and
        their sites where they edit procedures (the RSO: radiation procedures only)."""
        user = self.request.user
        sites = sites_where(user, Action.EDIT_PROCEDURES)
        queryset = Site.objects.order_by("code")
        if sites is not ALL_SITES:
            queryset = queryset.filter(pk__in=sites)
        owners = [(str(site.pk), str(site)) for site in queryset]
        return ([(LIBRARY, "Organisation library")] if user.is_superuser else []) + owners

    def check_permission(self):
        self._owners = self.owners()
        if not self._owners:
            raise PermissionDenied("You are not allowed to edit procedures at any of your sites.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "owners": self._owners}

    def get_initial(self):
        asked = self.request.GET.get("site")
        if asked in {value for value, _ in self._owners}:
            return {"site": asked}
        return {"site": self._owners[0][0]} if len(self._owners) == 1 else {}

    def call_service(self, form):
        owner = form.owner()
        data = form.cleaned_data
        try:
            return create_procedure(
                actor=self.request.user,
                site=None if owner is None else Site.objects.get(pk=owner),
                code=data["code"],
                kind=data["kind"],
                now=timezone.now(),
                checks=form.checks_data(),
                **form.content(),
            )
        except ValidationError as exc:
            raise _placed(form, exc) from None

    def get_success_message(self, procedure):
        return f"Procedure {procedure.code} saved as version 1."


class ProcedureEditView(ProcedureFormView):
    """A new version: the current one's content and checks to start from, and a reason."""

    def check_permission(self):
        procedure = self.object
        require_procedure_edit(
            self.request.user,
            procedure.site,
            kind=procedure.kind,
            categories=procedure.current_version.categories,
        )

    def get_initial(self):
        version = self.object.current_version
        return {field: getattr(version, field) for field in CONTENT_FIELDS}

    def get_form_kwargs(self):
        checks = self.object.current_version.checks.order_by("position")
        rows = [CheckForm.initial_for(check, n) for n, check in enumerate(checks, start=1)]
        version = self.object.current_version
        flagged = version.verify_locally or any(check.verify_locally for check in checks)
        return {
            **super().get_form_kwargs(),
            "new_version": True,
            "checks_initial": rows,
            "verify_flagged": flagged,
        }

    def call_service(self, form):
        checks, catalog = form.checks_data(), None
        if form.cleaned_data.get("verified_locally"):
            # Checked here: the flag is lifted from the version and from each of its checks.
            checks = [{**check, "verify_locally": False} for check in checks]
            catalog = {"verify_locally": False}
        try:
            return new_procedure_version(
                actor=self.request.user,
                procedure=self.object,
                reason=form.cleaned_data["reason"],
                now=timezone.now(),
                checks=checks,
                catalog=catalog,
                **form.content(),
            )
        except ValidationError as exc:
            raise _placed(form, exc) from None

    def get_success_message(self, version):
        code = self.object.code
        return f"Saved version {version.number} of {code}; it applies from the next record."


class ProcedureCopyView(ServiceFormView):
    """A library procedure copied to one of the person's sites, where they may edit it."""

    form_class = CopyForm
    template_name = "equipment/procedure_copy.html"
    conflict_template_name = "equipment/procedure_conflict.html"
    field_map = {"__all__": "site"}

    def get_queryset(self):
        return visible_procedures(self.request.user).select_related("current_version")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def check_permission(self):
        user, procedure = self.request.user, self.object
        self.sites = [
            site
            for site in copy_sites(user, procedure)
            if may_edit_procedure(user, procedure, at_site=site.pk)
        ]
        self.copies = copies_at_my_sites(user, procedure) if procedure.is_library else []
        editable = self.sites or [
            c for c in self.copies if may_edit_procedure(user, procedure, at_site=c.site_id)
        ]
        if procedure.is_library and not editable:
            raise PermissionDenied(
                "You are not allowed to copy this procedure to any of your sites."
            )

    def check_state(self):
        if not self.object.is_library:
            raise Conflict("Only a procedure of the organisation library is copied to a site.")
        if not self.sites:
            raise Conflict("Each of your sites where you may edit it already has its copy.")

    def get_form_kwargs(self):
        return {**super().get_form_kwargs(), "sites": self.sites}

    def get_initial(self):
        return {"site": self.sites[0].pk} if len(self.sites) == 1 else {}

    def get_context_data(self, **kwargs):
        return super().get_context_data(procedure=self.object, copies=self.copies, **kwargs)

    def call_service(self, form):
        site = next(s for s in self.sites if s.pk == form.cleaned_data["site"])
        return copy_library_procedure(
            actor=self.request.user, procedure=self.object, site=site, now=timezone.now()
        )

    def get_success_message(self, copy):
        return f"Copied {copy.code} to {copy.site.code}. Edit the copy to suit the site."

    def get_success_url(self, copy):
        return detail_url(copy)


class ProcedureAssignView(ServiceFormView):
    """Assign a site's procedure to every unit of a modality there at once. Sending the form
    with "Preview" (a GET) lists the units that will get a schedule and those skipped, and
    why; "Create the schedules" makes them, all or none."""

    form_class = AssignForm
    template_name = "equipment/procedure_assign.html"
    conflict_template_name = "equipment/procedure_conflict.html"

    def get_queryset(self):
        return visible_procedures(self.request.user).select_related("site", "current_version")

    def get_object(self):
        return get_object_or_404(self.get_queryset(), pk=self.kwargs["pk"])

    def check_permission(self):
        procedure = self.object
        if procedure.is_library:
            return  # check_state says what to do instead
        require_procedure_edit(
            self.request.user,
            procedure.site,
            kind=procedure.kind,
            categories=procedure.current_version.categories,
        )

    def check_state(self):
        if self.object.is_library:
            raise Conflict(
                "A library procedure is assigned through a site's copy: copy it to your site "
                "first, then assign the copy."
            )

    def get_form_kwargs(self):
        kwargs = super().get_form_kwargs()
        if self.request.method == "GET" and "preview" in self.request.GET:
            kwargs["data"] = self.request.GET
        people = assignable_people(self.object.site, now=timezone.now())
        return {**kwargs, "procedure": self.object, "people": people}

    def get_context_data(self, **kwargs):
        return super().get_context_data(procedure=self.object, **kwargs)

    def render_form(self, form, status: int = 200):
        """On a preview, the plan below the form; a preview the rules refuse answers 400."""
        plan = None
        if form.is_bound and self.request.method == "GET":
            if not form.is_valid():
                status = 400
            else:
                try:
                    validate_assignment(
                        procedure=self.object,
                        site=self.object.site,
                        now=timezone.now(),
                        **{k: v for k, v in form.service_fields().items() if k != "last_done"},
                    )
                    plan = assignment_plan(
                        self.object,
                        site=self.object.site,
                        modality=form.service_fields()["modality"],
                    )
                except ValidationError as exc:
                    add_service_errors(form, exc)
                    status = 400
        context = self.get_context_data(form=form, plan=plan)
        return render(self.request, self.template_name, context, status=status)

    def call_service(self, form):
        return assign_to_modality(
            actor=self.request.user,
            procedure=self.object,
            site=self.object.site,
            now=timezone.now(),
            **form.service_fields(),
        )

    def get_success_message(self, assignment):
        made, skipped = len(assignment.created), len(assignment.skipped)
        message = f"Created {made} schedule{'s' if made != 1 else ''}"
        message += f"; skipped {skipped} unit{'s' if skipped != 1 else ''}." if skipped else "."
        if made and assignment.references_needed:
            keys = ", ".join(assignment.references_needed)
            message += f" Each needs a reference for {keys} before its first record."
        return message

    def get_success_url(self, assignment):
        return detail_url(self.object)
