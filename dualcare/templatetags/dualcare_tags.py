"""Small template helpers: NHS number and time formatting, and the navigation for who is signed in."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django import template
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import get_language, gettext
from django.utils.translation import gettext_lazy as _

from dualcare.people.models import StaffRole, User

register = template.Library()

Role = StaffRole.Role


@register.filter
def nhs_number(value) -> str:
    """'9434765919' -> '943 476 5919', the way NHS numbers are written; anything else unchanged."""
    digits = "".join(ch for ch in str(value or "") if ch.isdigit())
    if len(digits) != 10:
        return str(value or "")
    return f"{digits[:3]} {digits[3:6]} {digits[6:]}"


@register.filter
def clock(value) -> str:
    """A time the way people write it: '12:02am', '3:30pm' (Django's own 'a' format gives
    'a.m.' in English and 'P' says 'midnight'). Aware datetimes are shown in local time."""
    if value is None or value == "":
        return ""
    if isinstance(value, dt.datetime):
        if timezone.is_aware(value):
            value = timezone.localtime(value)
        value = value.time()
    hour = value.hour % 12 or 12
    # Welsh writes yb (y bore) and yh (y prynhawn) where English writes am and pm.
    morning, afternoon = ("yb", "yh") if get_language() == "cy" else ("am", "pm")
    return f"{hour}:{value.minute:02d}{morning if value.hour < 12 else afternoon}"


@dataclass
class NavItem:
    text: str
    href: str
    current: bool


# (label, url name, who sees it). Capability apps add their pages here as they land.
_STAFF_NAV = [
    (_("Caseload"), "caseload", {Role.KEY_WORKER, Role.LINK_WORKER, Role.TEAM_MANAGER}),
    (_("Referrals"), "referrals:inbox", {Role.KEY_WORKER, Role.LINK_WORKER, Role.TEAM_MANAGER}),
    (_("Outcomes"), "outcomes:due", {Role.KEY_WORKER, Role.LINK_WORKER, Role.TEAM_MANAGER}),
    (_("Cohorts"), "cohorts:list", {Role.LINK_WORKER, Role.TEAM_MANAGER}),
    (_("Register a person"), "service_user_register", {Role.KEY_WORKER, Role.LINK_WORKER}),
    (_("People"), "pharmacy_list", {Role.PHARMACIST}),
    (_("Collections today"), "contacts:pharmacy_today", {Role.PHARMACIST}),
    (_("Appointments"), "contacts:appointments", {Role.KEY_WORKER, Role.LINK_WORKER, Role.TEAM_MANAGER}),
    # The service directory (issue 18): every member of staff signposts from it.
    (
        _("Services"),
        "directory:search",
        {Role.KEY_WORKER, Role.LINK_WORKER, Role.TEAM_MANAGER, Role.PHARMACIST, Role.ORG_ADMIN},
    ),
    # Alerts: the header link with its unread count is staff's one route (no second menu item).
    (_("Link workers"), "linkworkers:coverage", {Role.LINK_WORKER, Role.TEAM_MANAGER, Role.ORG_ADMIN}),
    (_("Dashboards"), "dashboards:index", {Role.TEAM_MANAGER}),
    (_("Chart your data"), "spc:analyse", {Role.TEAM_MANAGER}),
    (_("Organisation"), "organisation_home", {Role.ORG_ADMIN}),
    (_("Alert rules"), "contacts:rules_home", {Role.ORG_ADMIN}),
]
_SERVICE_USER_NAV = [
    (_("Your care team"), "my_home"),
    (_("Your care plan"), "my_care_plan:plan"),
    (_("Your referrals"), "referrals:mine"),
    (_("How you are getting on"), "outcomes:mine"),
    (_("Your appointments"), "contacts:mine"),
    (_("Services near you"), "directory:mine"),
    (_("Who has looked at your record"), "my_record_views"),
    (_("What your carer can see"), "my_carers"),
    (_("Who can see what about you"), "my_sharing"),
    (_("Messages with your care team"), "conversations:mine"),
    (_("Reminders and updates"), "messages:list"),
]
_CARER_NAV = [
    (_("Home"), "carer_home"),
    (_("Plans shared with you"), "careplans:carer_list"),
    (_("Reminders and updates"), "messages:list"),
]
# Menu items that show how many new wait (one COUNT query for both, instead of a header link): the
# reminders and updates DualCare sent, and the messages from the care team, each their own.
_WITH_NEW_COUNT = {"messages:list": 0, "conversations:mine": 1}


def _item(text: str, name: str, path: str) -> NavItem | None:
    try:
        href = reverse(name)
    except NoReverseMatch:
        return None
    return NavItem(text=str(text), href=href, current=path == href or (href != "/" and path.startswith(href)))


@register.simple_tag(takes_context=True)
def navigation_items(context) -> list[NavItem]:
    """Links for the header, from the roles the context processor already loaded (no queries)."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return []
    path = request.path
    if user.kind == User.Kind.SERVICE_USER:
        entries = _SERVICE_USER_NAV
    elif user.kind == User.Kind.CARER:
        entries = _CARER_NAV
    else:
        held = {role.role for role in context.get("signed_in_roles", [])}
        entries = [(text, name) for text, name, roles in _STAFF_NAV if held & roles]
    counts = []  # (reminders and updates, care-team messages), read once if a menu item shows one
    items = [_item(_with_new_count(text, name, user, counts), name, path) for text, name in entries]
    return [item for item in items if item is not None]


def _with_new_count(text: str, name: str, user, counts: list) -> str:
    if name not in _WITH_NEW_COUNT:
        return text
    if not counts:
        from dualcare.notifications.selectors import unread_counts

        counts.extend(unread_counts(user))  # both, in one query
    new = counts[_WITH_NEW_COUNT[name]]
    return gettext("%(menu_item)s (%(count)s new)") % {"menu_item": text, "count": new} if new else str(text)
