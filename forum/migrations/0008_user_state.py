from tortoise import fields, migrations
from tortoise.migrations import operations as ops

# users.state_version: bumped by the database itself whenever a row that a person's pages
# derive from changes (their memberships, community suspensions, bookmarks, reactions and
# watch settings, competencies), so caches of that state keyed by the version can never be
# stale, whichever service, worker or script made the change. See forum/web/personal.py.
#
# site_state.communities_version: the same for what every page shows of the communities
# themselves (their names, addresses, kinds, visibility and competencies; not their counts).
STATE_TABLES = (
    "memberships",
    "community_suspensions",
    "bookmarks",
    "reactions",
    "subscriptions",
    "user_competencies",
)
COMMUNITY_COLUMNS = "name, slug, description, kind, visibility"
SITE_TABLE = (
    "CREATE TABLE site_state (id INT NOT NULL PRIMARY KEY, communities_version INT NOT NULL)"
)
SITE_ROW = "INSERT INTO site_state (id, communities_version) VALUES (1, 0)"
SITE_BUMP = "UPDATE site_state SET communities_version = communities_version + 1 WHERE id = 1;"


def sqlite_triggers(table: str) -> list[str]:
    bump = "UPDATE users SET state_version = state_version + 1 WHERE id = {who}.user_id;"
    return [
        f"CREATE TRIGGER {table}_state_ai AFTER INSERT ON {table} BEGIN {bump.format(who='NEW')} END",
        f"CREATE TRIGGER {table}_state_ad AFTER DELETE ON {table} BEGIN {bump.format(who='OLD')} END",
        f"CREATE TRIGGER {table}_state_au AFTER UPDATE ON {table} BEGIN "
        f"{bump.format(who='OLD')} "
        "UPDATE users SET state_version = state_version + 1 "
        "WHERE id = NEW.user_id AND NEW.user_id <> OLD.user_id; END",
    ]


POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION chaupal_bump_user_state() RETURNS trigger AS $$
BEGIN
    IF TG_OP <> 'INSERT' THEN
        UPDATE users SET state_version = state_version + 1 WHERE id = OLD.user_id;
    END IF;
    IF TG_OP = 'INSERT' OR (TG_OP = 'UPDATE' AND NEW.user_id <> OLD.user_id) THEN
        UPDATE users SET state_version = state_version + 1 WHERE id = NEW.user_id;
    END IF;
    RETURN NULL;
END $$ LANGUAGE plpgsql"""


POSTGRES_SITE_FUNCTION = f"""
CREATE OR REPLACE FUNCTION chaupal_bump_site_state() RETURNS trigger AS $$
BEGIN
    {SITE_BUMP}
    RETURN NULL;
END $$ LANGUAGE plpgsql"""


def sqlite_site_triggers() -> list[str]:
    return [
        f"CREATE TRIGGER communities_site_ai AFTER INSERT ON communities BEGIN {SITE_BUMP} END",
        f"CREATE TRIGGER communities_site_ad AFTER DELETE ON communities BEGIN {SITE_BUMP} END",
        f"CREATE TRIGGER communities_site_au AFTER UPDATE OF {COMMUNITY_COLUMNS} ON communities "
        f"BEGIN {SITE_BUMP} END",
        "CREATE TRIGGER community_competencies_site_ai AFTER INSERT ON community_competencies "
        f"BEGIN {SITE_BUMP} END",
        "CREATE TRIGGER community_competencies_site_ad AFTER DELETE ON community_competencies "
        f"BEGIN {SITE_BUMP} END",
    ]


POSTGRES_SITE_TRIGGERS = [
    "CREATE TRIGGER communities_site AFTER INSERT OR DELETE ON communities "
    "FOR EACH STATEMENT EXECUTE FUNCTION chaupal_bump_site_state()",
    f"CREATE TRIGGER communities_site_au AFTER UPDATE OF {COMMUNITY_COLUMNS} ON communities "
    "FOR EACH STATEMENT EXECUTE FUNCTION chaupal_bump_site_state()",
    "CREATE TRIGGER community_competencies_site AFTER INSERT OR DELETE ON community_competencies "
    "FOR EACH STATEMENT EXECUTE FUNCTION chaupal_bump_site_state()",
]


async def create_triggers(apps, schema_editor) -> None:
    client = schema_editor.client
    if client.capabilities.dialect == "postgres":
        statements = [POSTGRES_FUNCTION] + [
            f"CREATE TRIGGER {table}_state AFTER INSERT OR UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION chaupal_bump_user_state()"
            for table in STATE_TABLES
        ]
        statements += [SITE_TABLE, SITE_ROW, POSTGRES_SITE_FUNCTION, *POSTGRES_SITE_TRIGGERS]
    else:
        statements = [sql for table in STATE_TABLES for sql in sqlite_triggers(table)]
        statements += [SITE_TABLE, SITE_ROW, *sqlite_site_triggers()]
    for sql in statements:
        await client.execute_script(sql)


class Migration(migrations.Migration):
    dependencies = [("forum", "0007_events")]

    initial = False

    operations = [
        ops.AddField(
            model_name="User",
            name="state_version",
            field=fields.IntField(default=0, db_default=0),
        ),
        ops.RunPython(create_triggers),
    ]
