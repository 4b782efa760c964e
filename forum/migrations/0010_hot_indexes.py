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
        # The home page's next events: only those not over yet are read.
        ops.AddIndex(model_name="Event", index=Index(fields=["ends_at"])),
    ]
