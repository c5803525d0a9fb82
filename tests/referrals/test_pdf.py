"""The printable referral note: a real PDF whose text says what the receiving team needs."""

import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from referrals import services

from .helpers import make_referral

pytestmark = pytest.mark.django_db


def pdf_text(content: bytes) -> str:
    reader = PdfReader(io.BytesIO(content))
    return " ".join(" ".join((page.extract_text() or "").split()) for page in reader.pages)


class ReferralNoteTests:
    def test_the_receiving_team_downloads_a_note_with_the_referral_and_the_handover(self, world, client):
        referral = make_referral(world, urgency="urgent")
        services.referral_accept(referral=referral, by=world.keyworker_mh, key_worker=world.keyworker_mh)
        services.handover_record(
            referral=referral,
            by=world.keyworker_mh,
            held_on=timezone.localdate(),
            agreed="Fortnightly reviews at the CMHT.",
        )
        client.force_login(world.keyworker_mh)
        response = client.get(f"/referrals/{referral.pk}/note.pdf")
        assert response.status_code == 200
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="referral-note.pdf"'
        text = pdf_text(response.content)
        for expected in (
            "Referral to North CMHT",
            "Urgent referral from Recovery Team",
            "Jo Mockridge",
            "Low mood and not sleeping since losing housing.",
            "Someone to talk to about my mood.",
            "No current thoughts of self-harm.",
            "Fortnightly reviews at the CMHT.",
            "Accepted",
        ):
            assert expected in text, expected

    def test_a_declined_note_carries_the_signposting(self, world, client):
        referral = make_referral(world)
        services.referral_decline(
            referral=referral,
            by=world.keyworker_mh,
            reason="Primary care can help.",
            signposting_service="Testshire Talking Therapies",
            signposting_next_steps="Self-refer online.",
        )
        client.force_login(world.keyworker_sm)
        text = pdf_text(client.get(f"/referrals/{referral.pk}/note.pdf").content)
        assert "Testshire Talking Therapies" in text and "Self-refer online." in text

    def test_a_draft_has_no_note(self, world, client):
        referral = make_referral(world, send=False)
        client.force_login(world.keyworker_sm)
        assert client.get(f"/referrals/{referral.pk}/note.pdf").status_code == 404
