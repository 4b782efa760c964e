from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0010_hot_indexes')]

    initial = False

    operations = [
        ops.AddField(
            model_name='AuditEntry',
            name='changes',
            field=fields.JSONField(null=True),
        ),
    ]
