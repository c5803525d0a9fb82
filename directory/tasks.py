from celery import shared_task

from . import services


@shared_task(name="directory.tasks.directory_flag_unchecked")
def directory_flag_unchecked() -> int:
    """Tell keepers once per entry nobody has checked for DIRECTORY_CHECK_MONTHS. Beat runs it
    daily; a run twice tells nobody twice."""
    return services.directory_flag_unchecked()
