"""Sign-in pages: sign in and out, password reset by email, and staff two-factor (TOTP)."""

from urllib.parse import urlencode

import django_otp
import segno
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login as auth_login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render, resolve_url
from django.urls import reverse, reverse_lazy
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.safestring import mark_safe
from django.views.decorators.cache import never_cache
from django.views.decorators.csrf import csrf_protect
from django.views.decorators.debug import sensitive_post_parameters

from . import invitations, nhs_login, services, sign_in_links
from .forms import (
    NewPasswordForm,
    OneTimeCodeForm,
    PasswordResetRequestForm,
    SignInForm,
    SignInLinkRequestForm,
)


def _safe_next(request: HttpRequest) -> str:
    """The `next` the request asks for, if it stays on this site; otherwise ""."""
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return ""


class SignInView(auth_views.LoginView):
    """Username and password. Staff who must use two-factor go on to the code page."""

    form_class = SignInForm
    template_name = "registration/login.html"
    redirect_authenticated_user = True

    def get_context_data(self, **kwargs):
        context = super().get_context_data(**kwargs)
        context["failure_limit"] = settings.AXES_FAILURE_LIMIT
        context["cooloff_minutes"] = int(settings.AXES_COOLOFF_TIME.total_seconds() // 60)
        context["sign_in_links"] = settings.SIGN_IN_LINKS
        context["nhs_login"] = nhs_login.enabled()
        return context

    def form_valid(self, form):
        response = super().form_valid(form)  # django.contrib.auth.login: new session key
        services.sign_in_record(user=form.get_user())
        return response

    def form_invalid(self, form):
        # Count attempts that reached authenticate(), not empty boxes; django-axes has already
        # counted the same failure, and may be about to swap this page for the lockout page.
        if any(error.code == "invalid_login" for error in form.non_field_errors().as_data()) or getattr(
            self.request, "axes_locked_out", False
        ):
            services.sign_in_failure_record(locked_out=bool(getattr(self.request, "axes_locked_out", False)))
        return super().form_invalid(form)

    def get_success_url(self) -> str:
        user = self.request.user
        if services.two_factor_pending(user):
            target = self.get_redirect_url()
            query = f"?{urlencode({'next': target})}" if target else ""
            return f"{reverse('two_factor')}{query}"
        return super().get_success_url()


class SignOutView(auth_views.LogoutView):
    """Sign out (POST only: a link or an image must not be able to sign someone out)."""

    http_method_names = ["post", "options"]

    def post(self, request, *args, **kwargs):
        signed_in = request.user.is_authenticated
        if signed_in:
            services.sign_out_record(user=request.user)
        response = super().post(request, *args, **kwargs)
        if signed_in:
            # Added after logout() flushed the session, so it survives to the sign-in page.
            messages.success(request, "You have signed out.")
        return response


class PasswordResetView(auth_views.PasswordResetView):
    form_class = PasswordResetRequestForm
    template_name = "registration/password_reset_form.html"
    email_template_name = "registration/password_reset_email.txt"
    subject_template_name = "registration/password_reset_subject.txt"
    success_url = reverse_lazy("password_reset_done")

    @property
    def extra_email_context(self):
        # The link is on SITE_URL (as every message's is), not on whatever Host the request named.
        return {"site_url": settings.SITE_URL}


class PasswordResetDoneView(auth_views.PasswordResetDoneView):
    template_name = "registration/password_reset_done.html"


class PasswordResetConfirmView(auth_views.PasswordResetConfirmView):
    form_class = NewPasswordForm
    template_name = "registration/password_reset_confirm.html"
    success_url = reverse_lazy("password_reset_complete")

    def form_valid(self, form):
        response = super().form_valid(form)
        services.password_reset_complete(user=form.user)
        return response


class PasswordResetCompleteView(auth_views.PasswordResetCompleteView):
    template_name = "registration/password_reset_complete.html"


def _qr_svg(device) -> str:
    """The device's otpauth:// address as an inline SVG QR code (no image request, nothing cached)."""
    qr = segno.make(device.config_url, error="m")
    return qr.svg_inline(scale=5, border=4, dark="#212b32", light="#ffffff", omitsize=False)


@never_cache
@csrf_protect
@sensitive_post_parameters("otp_token")
@login_required
def two_factor(request: HttpRequest) -> HttpResponse:
    """Staff two-factor: enrol an authenticator app (QR code and key), or enter its current code."""
    user = request.user
    if user.kind != user.Kind.STAFF:
        raise PermissionDenied("Only staff use two-factor sign-in.")
    next_url = _safe_next(request)
    done_url = next_url or resolve_url(settings.LOGIN_REDIRECT_URL)
    device = services.confirmed_totp_device(user)
    if device is not None and user.is_verified():
        return HttpResponseRedirect(done_url)  # nothing left to do in this session
    enrolling = device is None
    if enrolling:
        device = services.totp_device_start_enrolment(user=user)

    form = OneTimeCodeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        token = form.cleaned_data["otp_token"]
        # django-otp refuses every code for a while after wrong ones: say so rather than "not right".
        throttled = services.totp_throttled(device)
        if enrolling:
            verified = device if services.totp_device_confirm(user=user, device=device, token=token) else None
        else:
            verified = services.totp_verify(user=user, token=token)
        if verified is not None:
            device.refresh_from_db()
            django_otp.login(request, device)
            # A fresh session key once the second factor is in, as Django does after the first.
            request.session.cycle_key()
            return HttpResponseRedirect(done_url)
        if throttled:
            form.add_error(
                "otp_token", "Too many wrong codes. Wait a minute, then enter the code showing now"
            )
        else:
            form.add_error(
                "otp_token",
                "This code is not right. Codes change every 30 seconds: enter the code showing now",
            )

    context = {
        "form": form,
        "next": next_url,
        "enrolling": enrolling,
        "required": services.two_factor_required(user),
    }
    if enrolling:
        context["qr_svg"] = mark_safe(_qr_svg(device))  # noqa: S308 - segno's own SVG of our own URL
        context["secret"] = services.totp_secret_base32(device)
        template = "registration/two_factor_setup.html"
    else:
        template = "registration/two_factor_verify.html"
    return render(request, template, context)


# The token moves from the link into the session, then the page reloads without it, as Django's
# reset page does: the token is then not in the address bar, the history or a Referer header.
_INVITATION_SESSION_TOKEN = "_invitation_token"
_INVITATION_URL_TOKEN = "choose-password"


def _invitation_refused(request: HttpRequest, invitation_pk, reason: str) -> HttpResponse:
    invitations.staff_invitation_refusal_record(invitation_pk=invitation_pk, reason=reason)
    return render(request, "registration/invitation_unusable.html", {"reason": reason}, status=410)


@never_cache
@csrf_protect
@sensitive_post_parameters("new_password1", "new_password2")
def invitation_accept(request: HttpRequest, invitation_pk, token: str) -> HttpResponse:
    """A new staff member's invitation link: choose a password, then (where on) set up two-factor."""
    if token != _INVITATION_URL_TOKEN:
        request.session[_INVITATION_SESSION_TOKEN] = token
        return HttpResponseRedirect(
            reverse(
                "invitation_accept", kwargs={"invitation_pk": invitation_pk, "token": _INVITATION_URL_TOKEN}
            )
        )
    token = request.session.get(_INVITATION_SESSION_TOKEN, "")
    try:
        invitation = invitations.staff_invitation_check(invitation_pk=invitation_pk, token=token)
    except invitations.InvitationNotUsable as refused:
        return _invitation_refused(request, invitation_pk, refused.reason)
    form = NewPasswordForm(invitation.user, request.POST or None)
    form.fields["new_password1"].label = "Password"
    form.fields["new_password2"].label = "Type the password again"
    if request.method == "POST" and form.is_valid():
        try:
            user = invitations.staff_invitation_accept(
                invitation_pk=invitation.pk, token=token, password=form.cleaned_data["new_password1"]
            )
        except invitations.InvitationNotUsable as refused:  # used in another tab meanwhile
            return _invitation_refused(request, invitation_pk, refused.reason)
        del request.session[_INVITATION_SESSION_TOKEN]
        auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
        services.sign_in_record(user=user)
        if services.two_factor_pending(user):
            return HttpResponseRedirect(reverse("two_factor"))
        messages.success(request, "Your password is set and you are signed in.")
        return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(
        request,
        "registration/invitation_accept.html",
        {"form": form, "invitation": invitation, "two_factor": services.two_factor_required(invitation.user)},
    )


# A sign-in link's token moves from the link into the session and the page reloads without it, as
# invitations do. The page then asks for one press of a button (a POST): mail scanners that open
# links to check them do not press buttons, so they cannot use up the person's link.
_SIGN_IN_LINK_SESSION_TOKEN = "_sign_in_link_token"
_SIGN_IN_LINK_URL_TOKEN = "continue"


@never_cache
@csrf_protect
def sign_in_link_request(request: HttpRequest) -> HttpResponse:
    """People in care and carers: "email me a link to sign in" instead of a password."""
    if not settings.SIGN_IN_LINKS:
        return HttpResponseRedirect(reverse("login"))
    form = SignInLinkRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        sign_in_links.sign_in_link_send(email=form.cleaned_data["email"])
        return render(
            request, "registration/sign_in_link_sent.html", {"minutes": settings.SIGN_IN_LINK_MINUTES}
        )
    return render(
        request, "registration/sign_in_link_form.html", {"form": form}, status=400 if form.errors else 200
    )


@never_cache
@csrf_protect
def sign_in_link_open(request: HttpRequest, token: str) -> HttpResponse:
    """The emailed link: shows one button; pressing it signs the person in, once."""
    if not settings.SIGN_IN_LINKS:
        return HttpResponseRedirect(reverse("login"))
    if token != _SIGN_IN_LINK_URL_TOKEN:
        request.session[_SIGN_IN_LINK_SESSION_TOKEN] = token
        return HttpResponseRedirect(reverse("sign_in_link_open", kwargs={"token": _SIGN_IN_LINK_URL_TOKEN}))
    token = request.session.get(_SIGN_IN_LINK_SESSION_TOKEN, "")
    if not token:
        return render(request, "registration/sign_in_link_unusable.html", status=410)
    if request.method == "POST":
        user = sign_in_links.sign_in_link_use(request=request, token=token)
        request.session.pop(_SIGN_IN_LINK_SESSION_TOKEN, None)
        if user is None:
            return render(request, "registration/sign_in_link_unusable.html", status=410)
        auth_login(request, user)  # a new session key; the backend is the link's (sesame)
        return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))
    return render(request, "registration/sign_in_link_open.html")


def nhs_login_start(request: HttpRequest) -> HttpResponse:
    """Go to NHS login to sign in (people in care); it comes back to nhs_login_callback."""
    if not nhs_login.enabled():
        return HttpResponseRedirect(reverse("login"))
    redirect_uri = request.build_absolute_uri(reverse("nhs_login_callback"))
    try:
        return nhs_login.client().authorize_redirect(request, redirect_uri)
    except Exception:  # NHS login could not be reached for its configuration: say so, no 500
        nhs_login.nhs_login_failure_record(reason="unreachable")
        return _nhs_login_refused(request, "failed")


@never_cache
def nhs_login_callback(request: HttpRequest) -> HttpResponse:
    """Back from NHS login: check the answer, match the person, sign them in."""
    from authlib.integrations.base_client.errors import OAuthError

    if not nhs_login.enabled():
        return HttpResponseRedirect(reverse("login"))
    if request.GET.get("error"):
        reason = "cancelled" if request.GET["error"] == "access_denied" else "failed"
        nhs_login.nhs_login_failure_record(reason=reason)
        return _nhs_login_refused(request, reason)
    client = nhs_login.client()
    try:
        token = client.authorize_access_token(request)
        claims = client.userinfo(token=token)
    except (OAuthError, ValueError, KeyError, OSError) as exc:
        nhs_login.nhs_login_failure_record(reason=type(exc).__name__)
        return _nhs_login_refused(request, "failed")
    # The ID token's claims (Authlib checked its signature, issuer, audience and nonce): userinfo
    # must be about the same person (OpenID Connect Core 5.3.2).
    if claims.get("sub") != (token.get("userinfo") or {}).get("sub"):
        nhs_login.nhs_login_failure_record(reason="subject")
        return _nhs_login_refused(request, "failed")
    user, reason = nhs_login.nhs_login_match(claims=dict(claims))
    if user is None:
        return _nhs_login_refused(request, reason)
    auth_login(request, user, backend="django.contrib.auth.backends.ModelBackend")
    return HttpResponseRedirect(resolve_url(settings.LOGIN_REDIRECT_URL))


def _nhs_login_refused(request: HttpRequest, reason: str) -> HttpResponse:
    return render(
        request, "registration/nhs_login_refused.html", {"reason": nhs_login.REASONS[reason]}, status=403
    )
