"""The migration that adds message ids gives every existing outbox row its own."""

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from dualcare.notifications.models import Notification

BEFORE = [("notifications", "0003_alerts_by_team_index")]
AFTER = [("notifications", "0004_message_id_and_unknown_state")]


@pytest.mark.django_db(transaction=True)
class MessageIdMigrationTests:
    def test_it_gives_existing_rows_distinct_message_ids_on_the_site_domain(self):
        executor = MigrationExecutor(connection)
        executor.migrate(BEFORE)
        try:
            old = executor.loader.project_state(BEFORE).apps.get_model("notifications", "Notification")
            for n in range(3):
                old.objects.create(
                    event_key=f"old:{n}", to_address=f"0770090012{n}", channel="sms", kind="t", subject="x"
                )
            executor.loader.build_graph()  # what is applied now
            executor.migrate(AFTER)
            ids = list(Notification.objects.values_list("message_id", flat=True))
            assert len(ids) == len(set(ids)) == 3
            assert all(i.startswith("<") and i.endswith("@127.0.0.1>") for i in ids)
        finally:
            # Back to the latest migrations, so later tests find every column (later migrations
            # of this app, such as the alert's person, were rolled back too).
            executor.loader.build_graph()
            executor.migrate(executor.loader.graph.leaf_nodes("notifications"))
