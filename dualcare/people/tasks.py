from celery import shared_task

from dualcare import access


@shared_task(name="dualcare.people.tasks.access_expire_ended")
def access_expire_ended() -> int:
    """Grant or withdraw access for staff roles whose start or end date has come."""
    return access.staff_roles_bring_into_force()


@shared_task(name="dualcare.people.tasks.handovers_carry_out_due")
def handovers_carry_out_due() -> int:
    """Carry out agreed provider handovers whose date has come (once each; issue 21 item 5)."""
    from .handover import handovers_carry_out_due as carry_out

    return carry_out()
