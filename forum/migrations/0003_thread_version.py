from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise import fields

class Migration(migrations.Migration):
    dependencies = [('forum', '0002_moderation')]

    initial = False

    operations = [
        ops.AddField(
            model_name='Thread',
            name='version',
            field=fields.IntField(default=0, db_default=0),
        ),
    ]
