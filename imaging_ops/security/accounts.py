"""Sign-in: Django's login, held to `account_may_act` like the API."""

from django.contrib.auth import views as auth_views
from django.contrib.auth.forms import AuthenticationForm
from django.core.exceptions import ValidationError
from django.utils import timezone

from imaging_ops.access.authority import account_may_act
from imaging_ops.security.backends import sign_in_refused_message


class LoginForm(AuthenticationForm):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.error_messages = {**self.error_messages, "invalid_login": sign_in_refused_message()}

    def confirm_login_allowed(self, user):
        super().confirm_login_allowed(user)
        allowed, why = account_may_act(user, timezone.now())
        if not allowed:
            raise ValidationError(why, code="inactive")


class LoginView(auth_views.LoginView):
    form_class = LoginForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True
