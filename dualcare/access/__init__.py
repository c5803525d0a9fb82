"""The one place that decides who may see or do what in DualCare (DESIGN.md "Access").

Staff see a person's record while one of their teams has an open involvement with
that person. What crosses an organisation boundary follows the person's consent,
per receiving organisation and per scope (care plan, risk, outcomes, contacts).
Managers see the people of their own organisation. Pharmacists see contacts only.
Organisation admins manage staff and see no clinical record. A service user sees
their own record; a carer sees what the person has allowed.

Staff access is held as django-guardian object permissions on ServiceUser, through
direct-foreign-key tables. They are granted and revoked only here, by
`permissions_sync`, called in the same transaction as every change of involvement,
consent or staff role. Nobody holds a global permission on clinical models.

The rules are split by domain, one module each, and re-exported here so callers use one face,
``from dualcare import access`` and ``access.<rule>``:

- ``denials``: the one way to say no (``Hidden``: 404; ``Refused``: 403), and ``can_`` rules for
  yes/no questions;
- ``roles``: staff roles in force, teams and organisations of a user;
- ``grants``: the object permissions that hold staff access, granted and revoked by
  ``permissions_sync`` only;
- ``consent``: what one organisation writes about a person, and the consent it crosses under
  (``ORG_WRITTEN``, ``org_written_filter``);
- ``records``: reading a person's record (permission-filtered querysets, checks, audited 404s);
- one module per capability's rules: ``referrals``, ``careplans``, ``outcomes``, ``contacts``,
  ``linkworkers``, ``dashboards``, ``cohorts``, ``conversations``, ``directory``, ``safety``,
  ``incidents``, ``own_words`` (the person's own words for their plan), ``handovers``,
  ``bulk_people`` (importing and merging people), ``signposting``, and ``api_reads`` (audited API
  reads).

The core imports no capability app (tests/test_layering.py): rules about an app's rows take
the app's querysets, or reach its rows through core models' relations.
"""

from .api_reads import (  # noqa: F401
    audit_list_read,
)
from .bulk_people import (  # noqa: F401
    people_can_import,
    people_can_merge,
    people_can_merge_any,
    people_import_organisations,
    people_is_system_admin,
    people_record_organisations,
)
from .careplans import (  # noqa: F401
    CARER_CARE_PLAN_SECTIONS,
    CarePlanAccess,
    care_plan_access,
    care_plan_writing_team,
    care_plans_visible_to,
)
from .carers import (  # noqa: F401
    care_plan_access_for_carer,
    carers_can_write,
    carers_writing_organisation,
    get_carer_or_404,
)
from .cohorts import (  # noqa: F401
    COHORT_MANAGER_ROLES,
    cohorts_can_manage,
    cohorts_managed_organisations,
)
from .consent import (  # noqa: F401
    CARER_SCOPES,
    ORG_WRITTEN,
    OrgWritten,
    can_view_org_written,
    org_written,
    org_written_filter,
    org_written_rows_of_one,
    organisations_consented,
    organisations_consented_many,
)
from .contacts import (  # noqa: F401
    can_record_contact,
    can_set_do_not_contact,
    contact_teams_of,
    contacts_can_set_rules,
    contacts_rules_organisations,
    contacts_visible_to,
    get_contact_or_404,
)
from .conversations import (  # noqa: F401
    CONVERSATION_SCOPES,
    conversation_addressable_teams,
    conversation_messages_visible_to,
    conversation_organisations_left,
    conversation_roles,
    conversation_scope,
    conversation_team_members,
    conversations_visible_to,
)
from .dashboards import (  # noqa: F401
    dashboards_can_view_locality,
    dashboards_dashboard_or_404,
    dashboards_managed_organisation_ids,
    dashboards_participating_organisations,
)
from .denials import Hidden, Refused  # noqa: F401
from .directory import (  # noqa: F401
    directory_can_keep,
    directory_can_read,
    directory_get_kept_or_404,
    directory_keeper_admins,
    directory_keeper_organisations,
)
from .directory_packs import (  # noqa: F401
    directory_get_document_or_404,
    directory_get_pack_kept_or_404,
    directory_get_pack_or_404,
    directory_pack_can_keep,
    directory_pack_organisation_ids,
    directory_pack_teams,
    directory_packs_can_read,
)
from .grants import (  # noqa: F401
    permissions_grant_all,
    permissions_sync,
    staff_roles_bring_into_force,
)
from .handovers import (  # noqa: F401
    handovers_administered_organisation_ids,
    handovers_get_or_404,
    handovers_sides_of,
    handovers_visible_to,
)
from .incidents import (  # noqa: F401
    INCIDENT_READ_ROLES,
    incident_organisation_ids,
    incident_scope,
    incidents_can_close,
    incidents_can_review,
    incidents_visible_to,
)
from .linkworkers import (  # noqa: F401
    LINK_VIEW_ROLES,
    linkworkers_actions_completable,
    linkworkers_can_appoint,
    linkworkers_can_chair,
    linkworkers_can_complete,
    linkworkers_can_notify,
    linkworkers_can_view_meetings,
    linkworkers_can_view_register,
    linkworkers_identified_case_ids,
    linkworkers_is_deputy,
    linkworkers_notifiable_people,
    linkworkers_organisations_present,
)
from .outcomes import (  # noqa: F401
    OUTCOME_EXIT_INSTRUMENTS,
    ndtms_extract_filter,
    ndtms_organisation_or_404,
    ndtms_organisations,
    outcomes_can_record_exit,
    outcomes_exit_access_days,
    outcomes_exit_involvement_or_404,
    outcomes_exit_involvements,
    outcomes_filter,
    outcomes_measure_teams,
)
from .own_words import (  # noqa: F401
    OwnWordsAccess,
    own_words_access,
    own_words_visible_to,
)
from .records import (  # noqa: F401
    acting_team,
    can_act_for,
    can_view_record,
    can_view_scope,
    cared_for_by,
    carer_link_for,
    carer_scopes,
    ensure_can_act_for,
    forget_checks,
    get_record_or_404,
    get_service_user_or_404,
    record_checks_once,
    service_user_ids_visible_to,
    service_user_of,
    service_users_on_caseload,
    service_users_visible_to,
    user_has_perm,
    visible_scopes,
)
from .referrals import (  # noqa: F401
    REFERRAL_EITHER_ACTIONS,
    REFERRAL_RECEIVER_ACTIONS,
    REFERRAL_SENDER_ACTIONS,
    can_act_on_referral,
    referral_sides,
    referral_teams_of,
    referrals_visible_to,
)
from .roles import (  # noqa: F401
    ALL_PERMS,
    CLINICAL_ROLES,
    SCOPE_PERMS,
    VIEW_RECORD,
    acting_organisation,
    active_roles,
    has_role,
    is_active_staff,
    is_active_user,
    is_org_admin_of,
    organisations_administered_by,
    organisations_of,
    permission_id,
    roles_in_force,
    team_managers,
    teams_of,
)
from .safety import (  # noqa: F401
    safety_can_change_flag,
    safety_can_decide_removal,
    safety_can_view_risk,
    safety_flags_filter,
    safety_risk_filter,
    safety_writing_team,
)
from .signposting import (  # noqa: F401
    signposts_can_follow_up,
    signposts_follow_up_teams,
    signposts_visible_to,
)
