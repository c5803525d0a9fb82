from celery import shared_task

from . import services


@shared_task(name="directory.tasks.directory_flag_unchecked")
def directory_flag_unchecked() -> int:
    """Tell keepers once per entry nobody has checked for DIRECTORY_CHECK_MONTHS. Beat runs it
    daily; a run twice tells nobody twice."""
    return services.directory_flag_unchecked()


@shared_task(name="directory.tasks.signposts_remind_due")
def signposts_remind_due() -> int:
    """Remind the signposting team once per signpost whose follow-up is due and not recorded.
    Beat runs it hourly; a run twice reminds nobody twice."""
    from . import signposting

    return signposting.signposts_remind_due()
