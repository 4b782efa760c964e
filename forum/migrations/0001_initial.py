from tortoise import migrations
from tortoise.migrations import operations as ops
import functools
from json import dumps, loads
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    initial = True

    operations = [
        ops.CreateModel(
            name='Community',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=40)),
                ('name', fields.CharField(max_length=80)),
                ('description', fields.TextField(default='', unique=False)),
                ('kind', fields.CharField(max_length=10)),
                ('visibility', fields.CharField(default='public', max_length=10)),
                ('member_count', fields.IntField(default=0)),
                ('thread_count', fields.IntField(default=0)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'communities', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='SearchOutbox',
            fields=[
                ('id', fields.BigIntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('kind', fields.CharField(max_length=10)),
                ('object_id', fields.IntField()),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'search_outbox', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='User',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('username', fields.CharField(unique=True, max_length=30)),
                ('email', fields.CharField(unique=True, max_length=254)),
                ('password_hash', fields.CharField(max_length=255)),
                ('display_name', fields.CharField(max_length=60)),
                ('role', fields.CharField(default='', max_length=80)),
                ('sector', fields.CharField(default='', max_length=80)),
                ('bio', fields.TextField(default='', unique=False)),
                ('is_admin', fields.BooleanField(default=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'users', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ApiToken',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name='tokens', on_delete=OnDelete.CASCADE)),
                ('name', fields.CharField(default='', max_length=60)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_used_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'api_tokens', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='AuditEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('actor', fields.ForeignKeyField('forum.User', source_field='actor_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('action', fields.CharField(max_length=40)),
                ('target', fields.CharField(max_length=80)),
                ('community', fields.ForeignKeyField('forum.Community', source_field='community_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('note', fields.TextField(default='', unique=False)),
                ('created_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'audit_log', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Membership',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('forum.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name='memberships', on_delete=OnDelete.CASCADE)),
                ('status', fields.CharField(max_length=10)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'memberships', 'app': 'forum', 'unique_together': (('community', 'user'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Session',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('token_hash', fields.CharField(unique=True, max_length=64)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name='sessions', on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('expires_at', fields.DatetimeField(auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'sessions', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Thread',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('forum.Community', source_field='community_id', db_constraint=True, to_field='id', related_name='threads', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('forum.User', source_field='author_id', db_constraint=True, to_field='id', related_name='threads', on_delete=OnDelete.CASCADE)),
                ('title', fields.CharField(max_length=150)),
                ('tags', fields.JSONField(default=list, encoder=functools.partial(dumps, separators=(',', ':')), decoder=loads)),
                ('status', fields.CharField(default='published', db_index=True, max_length=10)),
                ('pinned', fields.BooleanField(default=False)),
                ('locked', fields.BooleanField(default=False)),
                ('post_count', fields.IntField(default=0)),
                ('last_number', fields.IntField(default=0)),
                ('participant_count', fields.IntField(default=0)),
                ('last_poster', fields.ForeignKeyField('forum.User', source_field='last_poster_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('last_activity_at', fields.DatetimeField(db_index=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'threads', 'app': 'forum', 'indexes': [Index(fields=['community_id', 'status', 'last_activity_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Post',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('forum.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name='posts', on_delete=OnDelete.CASCADE)),
                ('author', fields.ForeignKeyField('forum.User', source_field='author_id', db_constraint=True, to_field='id', related_name='posts', on_delete=OnDelete.CASCADE)),
                ('number', fields.IntField()),
                ('body', fields.TextField(unique=False)),
                ('body_html', fields.TextField(unique=False)),
                ('status', fields.CharField(default='published', max_length=10)),
                ('reply_to', fields.ForeignKeyField('forum.Post', source_field='reply_to_id', null=True, db_constraint=True, to_field='id', on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('edited_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
                ('deleted_at', fields.DatetimeField(null=True, auto_now=False, auto_now_add=False)),
            ],
            options={'table': 'posts', 'app': 'forum', 'unique_together': (('thread', 'number'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PostRevision',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('post', fields.ForeignKeyField('forum.Post', source_field='post_id', db_constraint=True, to_field='id', related_name='revisions', on_delete=OnDelete.CASCADE)),
                ('editor', fields.ForeignKeyField('forum.User', source_field='editor_id', db_constraint=True, to_field='id', on_delete=OnDelete.CASCADE)),
                ('body', fields.TextField(unique=False)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'post_revisions', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ThreadTag',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('forum.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name='tag_rows', on_delete=OnDelete.CASCADE)),
                ('tag', fields.CharField(db_index=True, max_length=30)),
            ],
            options={'table': 'thread_tags', 'app': 'forum', 'unique_together': (('thread', 'tag'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
