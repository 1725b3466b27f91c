"""Pages of the password links: ask for a reset by email, then choose a password.

Choosing the password is Django's set-password page (`PasswordResetConfirmView`), which checks
the one-time token and the password validators; these views add the request by email.
"""

from django import forms
from django.contrib.auth import views as auth_views
from django.urls import reverse_lazy
from django.utils import timezone
from django.views.generic import FormView

from imaging_ops.audit.trail import regulated_transaction
from imaging_ops.security.password_links import send_password_reset_links
from imaging_ops.security.rate_limits import client_ident, password_reset_limit

TOO_MANY_RESETS = (
    "Too many password reset requests: try again in {minutes} minutes. If an account has "
    "the address, the links already sent still work."
)


class ForgotPasswordForm(forms.Form):
    email = forms.EmailField(
        label="Email address",
        max_length=254,
        help_text="The address your account was set up with.",
        widget=forms.EmailInput(attrs={"autocomplete": "email"}),
    )


class ForgotPasswordView(FormView):
    """Answers the same whether or not an account has the address, so it reveals nobody.
    Limited to RATE_LIMIT_PASSWORD_RESET_PER_HOUR requests an hour per client address and per
    address asked for, counted across the web workers; beyond, the page again (429) with the
    wait, said the same whether or not an account has the address."""

    form_class = ForgotPasswordForm
    template_name = "registration/password_reset_form.html"
    success_url = reverse_lazy("password_reset_done")

    def form_valid(self, form):
        limit = password_reset_limit()
        email = form.cleaned_data["email"].strip().casefold()
        # Both counted on every request, so neither limit can be spent around the other.
        waits = [w for w in (limit.hit(client_ident(self.request)), limit.hit(email)) if w]
        if waits:
            wait = max(waits)
            form.add_error(None, TOO_MANY_RESETS.format(minutes=max(1, (wait + 59) // 60)))
            response = self.render_to_response(self.get_context_data(form=form), status=429)
            response["Retry-After"] = str(wait)
            return response
        send_password_reset_links(email=form.cleaned_data["email"], now=timezone.now())
        return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)


class ChoosePasswordView(auth_views.PasswordResetConfirmView):
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        # The person chose it: the event names them, with how, never the password.
        form.user._audit_reason = "Password chosen through a one-time link"
        with regulated_transaction(actor=form.user):
            return super().form_valid(form)

    def form_invalid(self, form):
        return self.render_to_response(self.get_context_data(form=form), status=400)
