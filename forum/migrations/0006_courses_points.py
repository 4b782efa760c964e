from tortoise import migrations
from tortoise.migrations import operations as ops
from tortoise.fields.base import OnDelete
from tortoise import fields
from tortoise.indexes import Index

class Migration(migrations.Migration):
    dependencies = [('forum', '0005_edits_suspensions')]

    initial = False

    operations = [
        ops.CreateModel(
            name='Competency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('slug', fields.CharField(unique=True, max_length=80)),
                ('name', fields.CharField(max_length=80)),
                ('kind', fields.CharField(max_length=12)),
                ('theme', fields.CharField(default='', max_length=80)),
            ],
            options={'table': 'competencies', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CommunityCompetency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('forum.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('competency', fields.ForeignKeyField('forum.Competency', source_field='competency_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'community_competencies', 'app': 'forum', 'unique_together': (('community', 'competency'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='Course',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('code', fields.CharField(unique=True, max_length=40)),
                ('title', fields.CharField(db_index=True, max_length=200)),
                ('provider', fields.CharField(default='', db_index=True, max_length=120)),
                ('url', fields.CharField(default='', max_length=500)),
                ('description', fields.TextField(default='', unique=False)),
                ('duration_minutes', fields.IntField(null=True)),
                ('language', fields.CharField(default='', db_index=True, max_length=40)),
                ('content_hash', fields.CharField(default='', max_length=64)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'courses', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CommunityCourse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('community', fields.ForeignKeyField('forum.Community', source_field='community_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('course', fields.ForeignKeyField('forum.Course', source_field='course_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'community_courses', 'app': 'forum', 'unique_together': (('community', 'course'),), 'indexes': [Index(fields=['course_id', 'community_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='CourseCompetency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('course', fields.ForeignKeyField('forum.Course', source_field='course_id', db_constraint=True, to_field='id', related_name='competency_links', on_delete=OnDelete.CASCADE)),
                ('competency', fields.ForeignKeyField('forum.Competency', source_field='competency_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'course_competencies', 'app': 'forum', 'unique_together': (('course', 'competency'),), 'indexes': [Index(fields=['competency_id', 'course_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointEntry',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('points', fields.IntField()),
                ('reason', fields.CharField(max_length=20)),
                ('key', fields.CharField(unique=True, max_length=120)),
                ('note', fields.TextField(default='', unique=False)),
                ('thread_id', fields.IntField(null=True, db_index=True)),
                ('post_id', fields.IntField(null=True)),
                ('actor_id', fields.IntField(null=True)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'point_entries', 'app': 'forum', 'indexes': [Index(fields=['user_id', 'created_at'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='PointsTarget',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('year', fields.IntField(unique=True)),
                ('target', fields.IntField()),
                ('set_by_id', fields.IntField(null=True)),
                ('updated_at', fields.DatetimeField(auto_now=True, auto_now_add=False)),
            ],
            options={'table': 'points_targets', 'app': 'forum', 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='ThreadCourse',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('thread', fields.ForeignKeyField('forum.Thread', source_field='thread_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('course', fields.ForeignKeyField('forum.Course', source_field='course_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('linked_by', fields.ForeignKeyField('forum.User', source_field='linked_by_id', null=True, db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.SET_NULL)),
                ('created_at', fields.DatetimeField(auto_now=False, auto_now_add=True)),
            ],
            options={'table': 'thread_courses', 'app': 'forum', 'unique_together': (('thread', 'course'),), 'indexes': [Index(fields=['course_id', 'thread_id'])], 'pk_attr': 'id'},
            bases=['Model'],
        ),
        ops.CreateModel(
            name='UserCompetency',
            fields=[
                ('id', fields.IntField(generated=True, primary_key=True, unique=True, db_index=True)),
                ('user', fields.ForeignKeyField('forum.User', source_field='user_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
                ('competency', fields.ForeignKeyField('forum.Competency', source_field='competency_id', db_constraint=True, to_field='id', related_name=False, on_delete=OnDelete.CASCADE)),
            ],
            options={'table': 'user_competencies', 'app': 'forum', 'unique_together': (('user', 'competency'),), 'pk_attr': 'id'},
            bases=['Model'],
        ),
    ]
