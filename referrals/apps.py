from django.apps import AppConfig


class ReferralsConfig(AppConfig):
    name = "referrals"

    def ready(self) -> None:
        # Each move of a referral on the person's timeline (dualcare/timeline: the core declares
        # the registry, this app fills in its source).
        from dualcare.timeline import sources

        from .timeline import referral_link, referral_moves

        sources.register("referrals.move", kind="referral", rows=referral_moves, link=referral_link)

        # Referrals as FHIR ServiceRequests (dualcare/fhir).
        from . import fhir

        fhir.register()
