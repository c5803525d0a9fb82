from celery import shared_task

from dualcare import access


@shared_task(name="dualcare.people.tasks.access_expire_ended")
def access_expire_ended() -> int:
    """Grant or withdraw access for staff roles whose start or end date has come."""
    return access.staff_roles_bring_into_force()
