"""Fingerprints of a database for the tests that prove something left it
untouched (test_bundle_abuse.py, test_data_safety.py): a checksum of every
row of every table, and a description of the schema."""
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402


def tables(db):
    return [r[0] for r in H.psql(db, "SELECT tablename FROM pg_tables "
                                     "WHERE schemaname = 'public' ORDER BY 1")]


def table_checksums(db):
    """{table: (rows, md5 of all rows in a fixed order)} for every table in
    public. Sequences are left out: nextval() is not transactional, so a
    rolled-back insert advances them without changing any data. Of the
    change table, what changed (seq, payload), not which transaction
    wrote it or when (xid, at: they differ between two databases given
    the same statements)."""
    names = tables(db)
    if not names:
        return {}
    rows = {n: "t" for n in names}
    if "change_feed" in rows:
        rows["change_feed"] = "(t.seq, t.payload)"
    sql = " UNION ALL ".join(
        "SELECT '%s', count(*), md5(coalesce(string_agg(%s::text, E'\\n' "
        "ORDER BY %s::text COLLATE \"C\"), '')) FROM public.%s t"
        % (n, rows[n], rows[n], n) for n in names)
    return {r[0]: (int(r[1]), r[2]) for r in H.psql(db, sql)}


def schema(db):
    """Tables with their columns, indexes, functions and triggers of public:
    equal for two databases with the same migrations applied."""
    out = []
    out += ["col %s" % "|".join(r) for r in H.psql(db, """
        SELECT table_name, column_name, data_type, is_nullable, coalesce(column_default, '')
        FROM information_schema.columns WHERE table_schema = 'public'
        ORDER BY table_name, ordinal_position""")]
    out += ["idx %s" % "|".join(r) for r in H.psql(db, """
        SELECT tablename, indexdef FROM pg_indexes WHERE schemaname = 'public'
        ORDER BY 1, 2""")]
    out += ["fn %s" % "|".join(r) for r in H.psql(db, """
        SELECT p.proname, md5(p.prosrc) FROM pg_proc p
        JOIN pg_namespace n ON n.oid = p.pronamespace
        WHERE n.nspname = 'public' ORDER BY 1, 2""")]
    out += ["trg %s" % "|".join(r) for r in H.psql(db, """
        SELECT c.relname, t.tgname FROM pg_trigger t JOIN pg_class c ON c.oid = t.tgrelid
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = 'public' AND NOT t.tgisinternal ORDER BY 1, 2""")]
    out += ["ver %s" % "|".join(r) for r in (H.psql(db, """
        SELECT version, name FROM schema_migration ORDER BY 1""")
        if "schema_migration" in tables(db) else [])]
    return out


def backends(db, exclude_self=True):
    """pids of the other sessions connected to db's database."""
    rows = H.psql(db, "SELECT pid FROM pg_stat_activity WHERE datname = current_database()"
                      + (" AND pid <> pg_backend_pid()" if exclude_self else ""))
    return [int(r[0]) for r in rows]
