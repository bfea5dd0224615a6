"""Each person's data version (accounts.models.DataVersion), kept by the database itself.

A trigger on every table whose rows a person's pages and API lists show bumps the owner's
version in the same transaction as the write, so the version and the data change together and
no write path can forget it: not a queryset update (no signal), not raw SQL, not a worker
process, not the admin. restoreapp/response_cache.py keys remembered responses by it.

The triggers are (re)installed after every `migrate` (post_migrate), not by a migration: SQLite
rebuilds a table for many schema changes and drops its triggers with it, so a later migration
of one of these tables would silently end the tracking.

    version_of(user.pk)          # (the person's, the service's): one read; 0 where nothing was written

The service's own version (SERVICE, row 0) changes with the worker capability records: what
the pages offer to run.
"""

from __future__ import annotations

from django.db import connection, connections


def tracked() -> list[tuple[str, str]]:
    """(table, column naming the person) for every table whose rows reach a person's pages:
    their account, albums, photos, jobs, notifications, plan and usage."""
    from django.contrib.auth import get_user_model

    from albums.models import Album, Photo
    from billing.models import BillingProfile, MonthlyUsage, StripeSubscription
    from enhance.models import Job
    from enhance.notifications.models import Notification

    user = get_user_model()
    owned = [(Album, "owner"), (Photo, "owner"), (Job, "owner"), (Notification, "user"), (BillingProfile, "user"),
             (StripeSubscription, "user"), (MonthlyUsage, "user")]
    return [(user._meta.db_table, user._meta.pk.column)] + [
        (model._meta.db_table, model._meta.get_field(field).column) for model, field in owned]


def _table() -> str:
    from accounts.models import DataVersion

    return DataVersion._meta.db_table


TRIGGER = "restore_data_version"
# The row of the service itself: what the live workers can run (version_of's second number).
SERVICE = 0
_PG_FUNCTION = "restore_bump_data_version"
_PG_SERVICE_FUNCTION = "restore_bump_service_version"
# A worker's record changes what pages offer when it appears, goes, stops or changes what it
# can run, not on every heartbeat; a heartbeat moved back (an operator or a test silencing it)
# counts too. Going silent is a change with time alone: at most RESPONSE_CACHE_SECONDS late.
_WORKER_CHANGED = ("OLD.runnable {ne} NEW.runnable OR OLD.stopped_at {ne} NEW.stopped_at"
                   " OR NEW.heartbeat < OLD.heartbeat")


def _upsert(versions: str, owner: str) -> str:
    """One bump of `owner`'s version (both databases read this form)."""
    return (f"INSERT INTO {versions} (user_id, version) VALUES ({owner}, 1) "
            f"ON CONFLICT (user_id) DO UPDATE SET version = {versions}.version + 1;")


def _postgresql(table: str, column: str, versions: str) -> list[str]:
    function = f"""
        CREATE OR REPLACE FUNCTION {_PG_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        DECLARE
            old_owner bigint;
            new_owner bigint;
        BEGIN
            IF TG_OP <> 'INSERT' THEN old_owner := (to_jsonb(OLD) ->> TG_ARGV[0])::bigint; END IF;
            IF TG_OP <> 'DELETE' THEN new_owner := (to_jsonb(NEW) ->> TG_ARGV[0])::bigint; END IF;
            IF old_owner IS NOT NULL THEN {_upsert(versions, "old_owner")} END IF;
            IF new_owner IS NOT NULL AND new_owner IS DISTINCT FROM old_owner THEN
                {_upsert(versions, "new_owner")}
            END IF;
            RETURN NULL;
        END $$"""
    return [
        function,
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}",
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR UPDATE OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {_PG_FUNCTION}('{column}')",
    ]


def _postgresql_service(table: str, versions: str) -> list[str]:
    function = f"""
        CREATE OR REPLACE FUNCTION {_PG_SERVICE_FUNCTION}() RETURNS trigger LANGUAGE plpgsql AS $$
        BEGIN {_upsert(versions, str(SERVICE))} RETURN NULL; END $$"""
    changed = _WORKER_CHANGED.format(ne="IS DISTINCT FROM")
    return [
        function,
        f"DROP TRIGGER IF EXISTS {TRIGGER} ON {table}",
        f"DROP TRIGGER IF EXISTS {TRIGGER}_update ON {table}",
        f"CREATE TRIGGER {TRIGGER} AFTER INSERT OR DELETE ON {table} "
        f"FOR EACH ROW EXECUTE FUNCTION {_PG_SERVICE_FUNCTION}()",
        f"CREATE TRIGGER {TRIGGER}_update AFTER UPDATE ON {table} FOR EACH ROW WHEN ({changed}) "
        f"EXECUTE FUNCTION {_PG_SERVICE_FUNCTION}()",
    ]


def _sqlite_trigger(table: str, event: str, body: str, when: str = "") -> list[str]:
    name = f"{TRIGGER}_{table.strip(chr(34))}_{event.lower()}"
    when = f" WHEN {when}" if when else ""
    return [f"DROP TRIGGER IF EXISTS {name}", f"CREATE TRIGGER {name} AFTER {event} ON {table}{when} BEGIN {body} END"]


def _sqlite(table: str, column: str, versions: str) -> list[str]:
    statements = []
    for event, rows in (("INSERT", ["NEW"]), ("UPDATE", ["OLD", "NEW"]), ("DELETE", ["OLD"])):
        statements += _sqlite_trigger(table, event, " ".join(_upsert(versions, f"{r}.{column}") for r in rows))
    return statements


def _sqlite_service(table: str, versions: str) -> list[str]:
    bump = _upsert(versions, str(SERVICE))
    return (_sqlite_trigger(table, "INSERT", bump) + _sqlite_trigger(table, "DELETE", bump)
            + _sqlite_trigger(table, "UPDATE", bump, _WORKER_CHANGED.format(ne="IS NOT")))


def install_triggers(using: str = "default") -> None:
    from enhance.capabilities.models import WorkerCapability

    database = connections[using]
    builders = {"postgresql": (_postgresql, _postgresql_service), "sqlite": (_sqlite, _sqlite_service)}
    if database.vendor not in builders:
        raise NotImplementedError(f"data version triggers for {database.vendor}")
    owned, service = builders[database.vendor]
    quote = database.ops.quote_name
    versions = quote(_table())
    existing = set(database.introspection.table_names())
    if _table() not in existing:  # `migrate <another app>` on an empty database
        return
    statements = [statement for table, column in tracked() if table in existing  # not if `migrate <one app>`
                  for statement in owned(quote(table), column, versions)]
    if WorkerCapability._meta.db_table in existing:
        statements += service(quote(WorkerCapability._meta.db_table), versions)
    with database.cursor() as cursor:
        for statement in statements:
            cursor.execute(statement)


def install_after_migrate(sender, using="default", **kwargs) -> None:
    """post_migrate receiver: once per `migrate` (and per test database flush)."""
    install_triggers(using)


def version_of(user_id: int) -> tuple[int, int]:
    """(the person's data version, the service's): one query."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT user_id, version FROM {connection.ops.quote_name(_table())} WHERE user_id IN (%s, %s)",
                       [user_id, SERVICE])
        found = dict(cursor.fetchall())
    return found.get(user_id, 0), found.get(SERVICE, 0)
