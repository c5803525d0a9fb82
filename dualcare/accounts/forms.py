"""Sign-in forms: Django's auth forms with plain-language messages, and the 6-digit code form."""

import re

from django import forms
from django.contrib.auth.forms import AuthenticationForm, PasswordResetForm, SetPasswordForm
from django.utils.translation import gettext_lazy as _

_SIX_DIGITS = re.compile(r"^\d{6}$")


class SignInForm(AuthenticationForm):
    """Username and password. Authenticates with the request, so django-axes counts failures."""

    error_messages = {
        "invalid_login": _("The username or password is not right. Check them and try again."),
        "inactive": _("This account has been closed. Ask your organisation's administrator for help."),
    }

    def __init__(self, request=None, *args, **kwargs):
        super().__init__(request, *args, **kwargs)
        self.fields["username"].label = _("Username")
        self.fields["username"].error_messages["required"] = _("Enter your username")
        self.fields["password"].error_messages["required"] = _("Enter your password")


class PasswordResetRequestForm(PasswordResetForm):
    """Ask for a reset link. Django sends it only to active accounts with that email address and
    a password; a staff member who has not yet accepted their invitation is sent a new invitation
    instead. The page says the same either way."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["email"].label = _("Email address")
        self.fields["email"].error_messages.update(
            {
                "required": _("Enter your email address"),
                "invalid": _("Enter an email address in the right format, like name@example.com"),
            }
        )

    def save(self, *args, **kwargs):
        from .invitations import staff_invitations_resend_for_email

        super().save(*args, **kwargs)
        staff_invitations_resend_for_email(email=self.cleaned_data["email"])


class NewPasswordForm(SetPasswordForm):
    """Choose a new password (from the emailed link)."""

    error_messages = {
        **SetPasswordForm.error_messages,
        "password_mismatch": "The two passwords are not the same. Type them again.",
    }

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        new1, new2 = self.fields["new_password1"], self.fields["new_password2"]
        new1.label = "New password"
        # Plain words for what the validators in settings check, instead of Django's HTML list.
        new1.help_text = (
            "Use at least 10 characters. Do not use a common password, only numbers, "
            "or something like your name or username."
        )
        new1.error_messages["required"] = "Enter a new password"
        new2.label = "Type the new password again"
        new2.help_text = ""
        new2.error_messages["required"] = "Type the new password again"


class OneTimeCodeForm(forms.Form):
    """The 6-digit code shown in an authenticator app. Checking it against a device is the view's job."""

    otp_token = forms.CharField(
        label="Security code",
        help_text="The 6-digit code shown in your authenticator app.",
        max_length=20,
        error_messages={"required": "Enter the 6-digit code from your authenticator app"},
    )

    def clean_otp_token(self) -> str:
        # Apps show codes as "123 456": accept the spaces people copy.
        token = re.sub(r"[\s-]", "", self.cleaned_data["otp_token"])
        if not _SIX_DIGITS.match(token):
            raise forms.ValidationError("The code must be 6 numbers, like 123456")
        return token


class SignInLinkRequestForm(forms.Form):
    """Ask for an emailed sign-in link (people in care and carers)."""

    email = forms.EmailField(
        label=_("Email address"),
        max_length=254,
        error_messages={
            "required": _("Enter your email address"),
            "invalid": _("Enter an email address in the right format, like name@example.com"),
        },
    )
