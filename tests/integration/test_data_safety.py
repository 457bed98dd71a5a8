"""Import and migrate never leave a half-applied change: SIGKILL them in the
middle and the database is exactly as before (a checksum of every row of
every table), or for migrate, has no schema or the complete one; running
them again then completes.

"In the middle" is made certain rather than hoped for: the kill comes when
the import's transaction has written rows (PostgreSQL gave it a
transaction id) or when a helper session holds a lock the command is
waiting for, half-way through its work."""
import os
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import dbsum  # noqa: E402
import harness as H  # noqa: E402

ROWS = 200000


class Helper:
    """A psql session that holds a transaction open: its statements run
    one by one (BEGIN; ...) until release() rolls it back."""

    def __init__(self, db, statements, check_sql):
        self.db = db
        self.p = subprocess.Popen(["psql", "-X", "-q", "-v", "ON_ERROR_STOP=1", "-d", db],
                                  stdin=subprocess.PIPE, stdout=subprocess.DEVNULL,
                                  stderr=subprocess.PIPE, text=True)
        self.p.stdin.write("BEGIN;\n" + statements + "\n")
        self.p.stdin.flush()
        ok = H.wait_for(lambda: self.p.poll() is not None or
                        H.psql(db, check_sql)[0][0] == "t", timeout=30)
        if self.p.poll() is not None or not ok:
            raise AssertionError("helper session failed: %s" % self.p.stderr.read())

    def release(self):
        if self.p.poll() is None:
            self.p.stdin.write("ROLLBACK;\n\\q\n")
            self.p.stdin.close()
            self.p.wait(30)
        if not self.p.stderr.closed:
            self.p.stderr.close()


def waiting_on_a_lock(db, exclude):
    rows = H.psql(db, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                      "AND wait_event_type = 'Lock'")
    return [int(r[0]) for r in rows if int(r[0]) not in exclude]


def helper_pid(db, helper):
    """The backend pid of the helper session: the one in a transaction
    before the command under test started."""
    rows = H.psql(db, "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                      "AND pid <> pg_backend_pid() AND application_name = 'psql'")
    return {int(r[0]) for r in rows}


def kill_and_settle(p, db, helper=None):
    """SIGKILL p (then let the helper go); wait until PostgreSQL has noticed
    and ended its session, rolling its transaction back."""
    if p.poll() is not None:
        raise AssertionError("the command had already exited (%d) before the kill" % p.returncode)
    p.kill()
    p.wait()
    if helper:
        helper.release()
    settle(db)


def settle(db):
    gone = H.wait_for(lambda: not dbsum.backends(db), timeout=60)
    if not gone:
        raise AssertionError("the killed command's session is still there: %s" %
                             H.psql(db, "SELECT pid, state, query FROM pg_stat_activity "
                                        "WHERE datname = current_database()"))


def keys(name):
    """The first column of a demo bundle file."""
    with open(os.path.join(H.DEMO, name)) as f:
        return [line.split(",")[0] for line in f.read().splitlines()[1:] if line]


class ImportKill(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.tmp = tempfile.mkdtemp(prefix="pathways-safety-")
        cls.bundle = cls.make_bundle("big", ROWS)
        cls.small = cls.make_bundle("small", 1000)

    @classmethod
    def make_bundle(cls, name, rows):
        d = os.path.join(cls.tmp, name)
        os.mkdir(d)
        # a framework change imported early (every role retitled) ...
        with open(os.path.join(H.DEMO, "roles.csv")) as f:
            lines = f.read().splitlines()
        with open(os.path.join(d, "roles.csv"), "w") as f:
            f.write(lines[0] + "\n")
            for line in lines[1:]:
                k = line.split(",")
                k[1] = "Killed " + k[1]
                f.write(",".join(k) + "\n")
        # ... and new assessments imported late
        emps, comps = keys("employees.csv"), keys("competencies.csv")
        base = 1500000000
        with open(os.path.join(d, "assessments.csv"), "w") as f:
            f.write("employee,competency,level,source,assessed_at\n")
            for i in range(rows):
                t = time.gmtime(base + i * 61)
                f.write("%s,%s,%d,peer,%s\n" % (emps[i % len(emps)],
                                                comps[(i // len(emps)) % len(comps)], i % 6,
                                                time.strftime("%Y-%m-%dT%H:%M:%SZ", t)))
        return d

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def start_import(self, db, bundle):
        return subprocess.Popen([H.CTL, "--db", db, "import", bundle],
                                stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)

    def check_complete_import_changes_it(self, db, before, bundle, rows):
        """The control: the same import, left to finish, changes the
        database; so the comparison above could fail."""
        H.ctl("import", bundle, db=db, timeout=600)
        after = dbsum.table_checksums(db)
        self.assertEqual(after["assessment"][0], before["assessment"][0] + rows)
        self.assertNotEqual(after["role"], before["role"])

    def test_an_import_killed_half_way_through_its_assessments_changes_nothing(self):
        db = H.demo_database()
        before = dbsum.table_checksums(db)
        # The helper inserts, uncommitted, the key of the bundle's middle
        # assessment: the import's batched INSERT waits there, its
        # transaction holding the framework, the people and the batches
        # before it; no race with a fast import (the old test killed it
        # after half a second, and failed when it finished sooner).
        i = ROWS // 2
        emps, comps = keys("employees.csv"), keys("competencies.csv")
        at = time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(1500000000 + i * 61))
        helper = Helper(db, """INSERT INTO assessment (employee_id, competency_id, level, source,
            assessed_at) SELECT e.id, c.id, 0, 'peer', '%s' FROM employee e, competency c
            WHERE e.external_id = '%s' AND c.key = '%s';""" % (
            at, emps[i % len(emps)], comps[(i // len(emps)) % len(comps)]),
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() "
            "AND application_name = 'psql' AND backend_xid IS NOT NULL "
            "AND state = 'idle in transaction'")
        keep = helper_pid(db, helper)
        p = self.start_import(db, self.bundle)
        try:
            blocked = H.wait_event(lambda: p.poll() is not None or waiting_on_a_lock(db, keep),
                                   "import blocked half-way")
            self.assertTrue(blocked and p.poll() is None,
                            "the import did not wait for the row (exit %s)" % p.poll())
            # on the helper's row (its transaction), not on a table lock
            self.assertEqual(H.psql(db, "SELECT wait_event FROM pg_stat_activity WHERE pid = %d"
                                    % blocked[0]), [["transactionid"]])
            kill_and_settle(p, db, helper)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            helper.release()
        self.assertEqual(dbsum.table_checksums(db), before)
        self.check_complete_import_changes_it(db, before, self.bundle, ROWS)

    def test_an_import_killed_after_writing_the_framework_and_people_changes_nothing(self):
        db = H.demo_database()
        before = dbsum.table_checksums(db)
        # assessments come after every framework file and employees.csv:
        # the import waits there, with all of those written
        helper = Helper(db, "LOCK TABLE assessment IN SHARE MODE;",
                        "SELECT count(*) > 0 FROM pg_locks l JOIN pg_class c ON c.oid = "
                        "l.relation WHERE c.relname = 'assessment' AND l.mode = 'ShareLock' "
                        "AND l.granted")
        keep = helper_pid(db, helper)
        p = self.start_import(db, self.small)
        try:
            blocked = H.wait_for(lambda: p.poll() is not None or waiting_on_a_lock(db, keep),
                                 timeout=60)
            self.assertTrue(blocked and p.poll() is None,
                            "the import did not wait for the lock (exit %s)" % p.poll())
            kill_and_settle(p, db, helper)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            helper.release()
        self.assertEqual(dbsum.table_checksums(db), before)
        self.check_complete_import_changes_it(db, before, self.small, 1000)


class MigrateKill(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.reference = H.new_database("mref")
        H.ctl("migrate", db=cls.reference)
        cls.complete = dbsum.schema(cls.reference)

    def migrate_killed_while_blocked(self, statements, check_sql):
        """A migrate on an empty database, killed while it waits for the
        helper's transaction; returns the database."""
        db = H.new_database("mkill")
        helper = Helper(db, statements, check_sql)
        keep = helper_pid(db, helper)
        p = subprocess.Popen([H.CTL, "--db", db, "migrate"], stdout=subprocess.DEVNULL,
                             stderr=subprocess.DEVNULL)
        try:
            blocked = H.wait_for(lambda: p.poll() is not None or waiting_on_a_lock(db, keep),
                                 timeout=60)
            self.assertTrue(blocked and p.poll() is None,
                            "migrate did not wait for the lock (exit %s)" % p.poll())
            kill_and_settle(p, db, helper)
        finally:
            if p.poll() is None:
                p.kill()
                p.wait()
            helper.release()
        return db

    def assert_none_or_complete_then_completes(self, db):
        state = dbsum.schema(db)
        self.assertTrue(state == [] or state == self.complete,
                        "a killed migrate left a partial schema:\n  " +
                        "\n  ".join(l for l in state if l.startswith(("ver", "fn", "trg"))) +
                        "\n  (%d tables)" % len(dbsum.tables(db)))
        H.ctl("migrate", db=db)
        self.assertEqual(dbsum.schema(db), self.complete)

    def test_a_migrate_killed_inside_the_first_migration_leaves_no_schema(self):
        # an uncommitted table of the same name makes CREATE TABLE
        # role_move wait, half-way through 001_schema.sql
        db = self.migrate_killed_while_blocked(
            "CREATE TABLE role_move (x integer);",
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction'")
        self.assertEqual(dbsum.tables(db), [])
        self.assert_none_or_complete_then_completes(db)

    def test_a_migrate_killed_inside_a_later_migration_leaves_no_schema_or_all_of_it(self):
        # an uncommitted function of the same name makes 002_notify.sql
        # wait at its first statement, after 001_schema.sql
        db = self.migrate_killed_while_blocked(
            "CREATE FUNCTION pathways_notify_framework() RETURNS trigger LANGUAGE plpgsql "
            "AS 'BEGIN RETURN NULL; END';",
            "SELECT count(*) > 0 FROM pg_stat_activity WHERE datname = current_database() "
            "AND state = 'idle in transaction'")
        self.assert_none_or_complete_then_completes(db)


if __name__ == "__main__":
    H.main()
