from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0001_initial')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Notification',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name='notifications', on_delete=OnDelete.CASCADE)),
                ('kind', fields.CharField(max_length=30)),
                ('data', fields.JSONField(default=dict, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('read_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'notifications', 'app': 'forum', 'indexes': [Index(fields=['user_id', 'read_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ReviewItem',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(db_index=True, max_length=20)),
                ('community', fields.ForeignKeyField('forum.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('post', fields.ForeignKeyField('forum.Post', source_field='post_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('reasons', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('score', fields.FloatField(default=0.0)),
                ('status', fields.CharField(default='open', db_index=True, max_length=12)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
                ('resolved_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('resolved_by', fields.ForeignKeyField('forum.User', source_field='resolved_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('resolution', fields.CharField(default='', max_length=20)),
                ('note', fields.TextField(default='', unique=False)),
            ],
            options={'table': 'review_items', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Flag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('item', fields.ForeignKeyField('forum.ReviewItem', source_field='item_id', db_constraint=True, to_field='id', related_name='flags', on_delete=OnDelete.CASCADE)),
                ('flagger', fields.ForeignKeyField('forum.User', source_field='flagger_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('post_id', fields.IntField(null=True)),
                ('target_user_id', fields.IntField(null=True)),
                ('reason', fields.CharField(max_length=12)),
                ('note', fields.TextField(default='', unique=False)),
                ('weight', fields.FloatField(default=1.0)),
                ('outcome', fields.CharField(default='', max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'flags', 'app': 'forum', 'unique_together': (('flagger', 'post_id'), ('flagger', 'target_user_id')), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.AddField(
            model_name='Community',
            name='flag_hide_score',
            field=fields.FloatField(null=True),
        ),
        ops.AddField(
            model_name='Community',
            name='new_user_link_limit',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Community',
            name='new_user_posts',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Community',
            name='premoderation',
            field=fields.CharField(default='', db_default='', max_length=10),
        ),
        ops.AddField(
            model_name='Community',
            name='word_filters',
            field=fields.JSONField(default=list, db_default='[]', encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads),
        ),
        ops.AddField(
            model_name='Post',
            name='body_hash',
            field=fields.CharField(default='', db_index=True, db_default='', max_length=64),
        ),
        ops.AddField(
            model_name='Post',
            name='moderation_note',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
        ops.AddField(
            model_name='Thread',
            name='accepted_post_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='Thread',
            name='featured',
            field=fields.BooleanField(default=False, db_default=False),
        ),
        ops.AddField(
            model_name='Thread',
            name='merged_into_id',
            field=fields.IntField(null=True),
        ),
        ops.AddField(
            model_name='User',
            name='suspended_until',
            field=fields.DatetimeField(null=True, auto_now=False, auto_now_add=False),
        ),
        ops.AddField(
            model_name='User',
            name='suspension_reason',
            field=fields.TextField(default='', db_default='', unique=False),
        ),
    ]
