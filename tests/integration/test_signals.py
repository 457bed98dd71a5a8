"""SIGHUP: a config that does not load or does not validate leaves the
daemon as it was (serving, writing, with the old settings) and says why in
the log; one that changes the database moves the writer and the loader to
it, even with writes in flight (the writer used to keep a conninfo another
thread could free: run this with PATHWAYS_BUILD_DIR=build-asan too)."""
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402


def write_config(path, conninfo=None, extra=""):
    with open(path, "w") as f:
        if conninfo is not None:
            f.write("[database]\nconninfo = %s\n\n" % conninfo)
        f.write("[server]\nallow_writes = true\n" + extra)


_at = [int(time.time() * 1000) - 3600 * 1000]


def record():
    """A write nothing else makes: an assessment at a time of its own."""
    _at[0] += 1
    return H.pb().RecordAssessmentsRequest(records=[H.pb().AssessmentRecord(
        employee_id="E1007", competency_key="communication", level=3,
        source="manager", assessed_at_unix_ms=_at[0])])


def assessments(db):
    return int(H.psql(db, "SELECT count(*) FROM assessment")[0][0])


def sighup_and_wait(d, line):
    """Sends SIGHUP and waits for the daemon to log one more line."""
    before = d.output().count(line)
    d.signal(signal.SIGHUP)
    ok = H.wait_for(lambda: d.output().count(line) > before, timeout=15)
    if not ok:
        raise AssertionError("no %r after SIGHUP:\n%s" % (line, d.output()[-3000:]))


class Sighup(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pathways-signals-")
        self.conf = os.path.join(self.dir, "pathwaysd.conf")

    def tearDown(self):
        shutil.rmtree(self.dir, True)

    def write_ok(self, c, db):
        before = assessments(db)
        h, body = c.call("RecordAssessments", record())
        self.assertEqual(h.code, 0, h.message)
        self.assertEqual(body.written, 1)
        self.assertEqual(assessments(db), before + 1)

    def serving(self, c, db):
        h, body = c.call("Health", H.pb().HealthRequest())
        self.assertEqual(h.code, 0, h.message)
        self.assertTrue(body.serving and body.database_connected, body)
        h, _ = c.call("Gap", H.pb().GapRequest(employee_id="E1001", role_key="ops-ic-4"))
        self.assertEqual(h.code, 0, h.message)
        self.write_ok(c, db)

    def test_a_bad_config_keeps_the_old_one(self):
        db = H.demo_database()
        write_config(self.conf, db)
        d = H.Daemon(None, config=self.conf)
        c = H.Client(d.endpoint)
        try:
            self.serving(c, db)
            # does not parse
            with open(self.conf, "w") as f:
                f.write("[server]\nworkers = banana\n")
            sighup_and_wait(d, "config: reload failed")
            self.assertIn("keeping the old settings", d.output())
            self.serving(c, db)
            # parses, but would not start: no database
            write_config(self.conf, None)
            sighup_and_wait(d, "config: reload failed")
            self.assertIn("no database", d.output())
            self.serving(c, db)
            self.assertNotIn("config: reloaded", d.output())
            # and a good one is taken again
            write_config(self.conf, db)
            sighup_and_wait(d, "config: reloaded")
            self.serving(c, db)
        finally:
            c.close()
            d.stop()

    def test_changing_the_database_with_writes_in_flight(self):
        db1, db2 = H.demo_database(), H.demo_database()
        write_config(self.conf, db1)
        d = H.Daemon(None, config=self.conf)
        c = H.Client(d.endpoint)
        stop = threading.Event()
        replies = []

        def writes():
            w = H.Client(d.endpoint)
            try:
                while not stop.is_set():
                    h, _ = w.call("RecordAssessments", record(), timeout_ms=20000)
                    replies.append((h.code, h.message))
            finally:
                w.close()

        t = threading.Thread(target=writes)
        try:
            t.start()
            for k in range(16):
                write_config(self.conf, (db2, db1)[k % 2])
                sighup_and_wait(d, "config: reloaded")
                time.sleep(0.05)
            write_config(self.conf, db2)
            sighup_and_wait(d, "config: reloaded")
            stop.set()
            t.join(60)
            self.assertFalse(t.is_alive(), "the writing client hangs")
            # several writes overlapped the switches (about 25 here)
            self.assertGreaterEqual(len(replies), 3)
            self.assertEqual([r for r in replies if r[0] != 0], [],
                             "of %d writes" % len(replies))
            # the next write goes where the config now says, and only there
            before1 = assessments(db1)
            self.write_ok(c, db2)
            self.assertEqual(assessments(db1), before1)
            self.assertTrue(H.wait_for(lambda: c.call("Health", H.pb().HealthRequest())[1]
                                       .database_connected, timeout=10))
        finally:
            stop.set()
            t.join(60)
            c.close()
            d.stop()


if __name__ == "__main__":
    H.main()
