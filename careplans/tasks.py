from celery import shared_task

from . import services


@shared_task(name="careplans.tasks.careplan_version_render_pdf")
def careplan_version_render_pdf(version_id: str) -> bool:
    """Render a published version's PDF once and store it. Running it twice stores one file."""
    return services.version_render_pdf(version_id)


@shared_task(name="careplans.tasks.careplans_render_missing_pdfs")
def careplans_render_missing_pdfs() -> int:
    """Re-queue versions whose PDF is not stored yet (broker down, worker died). Beat: each minute."""
    return services.versions_render_missing_pdfs()


@shared_task(name="careplans.tasks.careplans_remind_reviews_due")
def careplans_remind_reviews_due() -> int:
    """Remind key workers once per plan and review date. Beat: hourly; repeats send nothing."""
    return services.careplans_remind_reviews_due()
