"""Outcome measures in a provider handover (dualcare.people.handover): the old organisation's
ratings become the new one's (their team mapped to the new team); who rated them stays."""

from dualcare.people import handover

from .models import DialogRating, HonosRating, SatisfactionResponse, TopForm


def register() -> None:
    for model, words in (
        (HonosRating, "HoNOS ratings"),
        (TopForm, "TOP forms"),
        (DialogRating, "DIALOG ratings"),
        (SatisfactionResponse, "Satisfaction answers"),
    ):
        handover.register(
            model._meta.label_lower, words=words, rows=handover.by_organisation(model, team="team")
        )
