from celery import shared_task

from . import services


# A dashboard PDF is a few seconds of WeasyPrint; the limits stop a runaway render holding a worker.
@shared_task(name="dualcare.dashboards.tasks.dashboard_pdf_render", soft_time_limit=120, time_limit=150)
def dashboard_pdf_render(document_id: str) -> bool:
    """Render one requested dashboard PDF and store it. Running it twice stores one file."""
    return services.pdf_render(document_id)


@shared_task(name="dualcare.dashboards.tasks.dashboard_pdfs_sweep")
def dashboard_pdfs_sweep() -> dict:
    """Beat, each minute: re-queue PDFs still waiting, delete those older than a day."""
    return services.pdfs_sweep()


@shared_task(name="dualcare.dashboards.tasks.weekly_values_refresh")
def weekly_values_refresh() -> dict:
    """Beat, every 15 minutes: work out the open and settling weeks' measures (and any week not
    stored yet or marked stale) for every team and organisation, and store them."""
    done = services.weekly_values_refresh()
    return {"weeks": done.weeks, "rows": done.rows, "seconds": done.seconds}
