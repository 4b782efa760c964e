from tortoise import migrations
from tortoise.indexes import Index
from tortoise.migrations import operations as ops


class Migration(migrations.Migration):
    dependencies = [("forum", "0008_user_state")]

    initial = False

    # The home page's feed across communities walks this index newest first and stops after
    # a page, instead of sorting every published thread.
    operations = [
        ops.AddIndex(
            model_name="Thread",
            index=Index(fields=["status", "last_activity_at", "id"]),
        ),
        # A community's pinned threads and the others, and all of them, newest first: walked
        # in order whatever the reader's status predicate (an OR for an author's held threads
        # kept the older index from giving the order, so every thread was sorted).
        ops.AddIndex(
            model_name="Thread",
            index=Index(fields=["community_id", "pinned", "last_activity_at", "id"]),
        ),
        ops.AddIndex(
            model_name="Thread",
            index=Index(fields=["community_id", "last_activity_at", "id"]),
        ),
        # A person's memberships (read on their requests), their notifications newest first.
        ops.AddIndex(model_name="Membership", index=Index(fields=["user_id", "status"])),
        ops.AddIndex(model_name="Notification", index=Index(fields=["user_id", "id"])),
        # The home page's next events: only those not over yet are read.
        ops.AddIndex(model_name="Event", index=Index(fields=["ends_at"])),
    ]
