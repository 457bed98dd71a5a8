"""The write path: RecordAssessments, RecordCompletions and EraseEmployee
over real sockets into a real PostgreSQL, acknowledged only after COMMIT,
idempotent, visible to the next read, safe through a database outage."""
import os
import signal
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402

NOW_MS = int(time.time() * 1000)


def config(extra=""):
    f = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    f.write("[server]\nallow_writes = true\n" + extra)
    f.close()
    return f.name


def rec(emp, comp, level, source="manager", at=None):
    return H.pb().AssessmentRecord(employee_id=emp, competency_key=comp, level=level,
                                   source=source, assessed_at_unix_ms=at or NOW_MS - 60000)


class Writes(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.cluster = H.Cluster()
        cls.db = H.with_db(cls.cluster.conninfo, "pathways")
        H.ctl("migrate", db=cls.db)
        H.ctl("import", H.DEMO, db=cls.db)
        cls.conf = config()
        cls.d = H.Daemon(cls.db, config=cls.conf)
        cls.c = H.Client(cls.d.endpoint)
        cls.P = H.pb()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        out = cls.d.stop()
        cls.cluster.destroy()
        os.unlink(cls.conf)
        cls.log = out

    def count(self, sql):
        return int(H.psql(self.db, sql)[0][0])

    def test_a_record_is_durable_visible_and_idempotent(self):
        P = self.P
        h0, r0 = self.c.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"], role_keys=["ops-ic-4"]))
        req = P.RecordAssessmentsRequest(records=[rec("E1001", "process-improvement", 5, at=NOW_MS - 5000)])
        h, body = self.c.call("RecordAssessments", req)
        self.assertEqual(h.code, 0, h.message)
        self.assertEqual((body.written, body.unchanged, len(body.results)), (1, 0, 0))
        self.assertGreater(body.snapshot_version, h0.snapshot_version)
        # the reply names a snapshot that already has it: read at once
        h1, r1 = self.c.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"], role_keys=["ops-ic-4"]))
        self.assertGreaterEqual(h1.snapshot_version, body.snapshot_version)
        self.assertNotIn("process-improvement", list(r1.results[0].blockers))
        self.assertNotEqual(r1.results[0].readiness, r0.results[0].readiness)
        # the same batch again: nothing new
        rows = self.count("SELECT count(*) FROM assessment")
        h, body = self.c.call("RecordAssessments", req)
        self.assertEqual((h.code, body.written, body.unchanged), (0, 0, 1))
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), rows)

    def test_bad_records_are_reported_by_index_and_good_ones_written(self):
        P = self.P
        records = [rec("E1002", "communication", 4, at=NOW_MS - 7000),
                   rec("NOBODY", "communication", 3),
                   rec("E1002", "no-such-competency", 3),
                   rec("E1002", "ownership", 9),
                   rec("E1002", "ownership", 3, source="gossip"),
                   rec("E1002", "ownership", 3, at=NOW_MS + 86400000),
                   rec("E1002", "ownership", 4, at=NOW_MS - 8000)]
        before = self.count("SELECT count(*) FROM assessment")
        h, body = self.c.call("RecordAssessments", P.RecordAssessmentsRequest(records=records,
                                                                               all_or_nothing=True))
        self.assertEqual(h.code, 0, h.message)
        self.assertEqual([r.index for r in body.results], [1, 2, 3, 4, 5])
        self.assertEqual(body.written, 0)
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before)
        h, body = self.c.call("RecordAssessments", P.RecordAssessmentsRequest(records=records))
        self.assertEqual([r.index for r in body.results], [1, 2, 3, 4, 5])
        self.assertIn("NOBODY", body.results[0].error)
        self.assertIn("future", body.results[4].error)
        self.assertEqual(body.written, 2)
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before + 2)

    def test_completions_are_recorded_once(self):
        P = self.P
        module = H.psql(self.db, "SELECT key FROM module ORDER BY key LIMIT 1")[0][0]
        req = P.RecordCompletionsRequest(records=[P.CompletionRecord(
            employee_id="E1003", module_key=module, completed_at_unix_ms=NOW_MS - 1000)])
        h, body = self.c.call("RecordCompletions", req)
        self.assertEqual((h.code, body.written), (0, 1), h.message)
        h, body = self.c.call("RecordCompletions", req)
        self.assertEqual((h.code, body.written, body.unchanged), (0, 0, 1))
        self.assertEqual(self.count("SELECT count(*) FROM module_completion mc JOIN employee e ON e.id = mc.employee_id"
                                    " JOIN module m ON m.id = mc.module_id"
                                    " WHERE e.external_id = 'E1003' AND m.key = '%s'" % module), 1)

    def test_erase_removes_every_row_and_the_daemon_forgets_at_once(self):
        P = self.P
        emp = "E1050"
        eid = H.psql(self.db, "SELECT id FROM employee WHERE external_id = '%s'" % emp)[0][0]
        n_a = self.count("SELECT count(*) FROM assessment WHERE employee_id = %s" % eid)
        role = H.psql(self.db, "SELECT r.key FROM employee e JOIN role r ON r.id = e.role_id"
                      " WHERE e.external_id = '%s'" % emp)[0][0]
        h, body = self.c.call("EraseEmployee", P.EraseEmployeeRequest(employee_id=emp))
        self.assertEqual(h.code, 0, h.message)
        self.assertTrue(body.erased)
        self.assertEqual(body.assessments, n_a)
        for table, col in (("assessment", "employee_id"), ("module_completion", "employee_id"),
                           ("employee", "id")):
            self.assertEqual(self.count("SELECT count(*) FROM %s WHERE %s = %s" % (table, col, eid)), 0)
        h, _ = self.c.call("Readiness", P.ReadinessRequest(employee_ids=[emp]))
        self.assertEqual(h.code, 5)
        other = H.psql(self.db, "SELECT r.key FROM role r WHERE r.key <> '%s' ORDER BY r.key LIMIT 1" % role)[0][0]
        h, bench = self.c.call("Bench", P.BenchRequest(role_key=other, limit=10000))
        self.assertNotIn(emp, [c.employee_id for c in bench.candidates])
        # again: nothing left to erase
        h, body = self.c.call("EraseEmployee", P.EraseEmployeeRequest(employee_id=emp))
        self.assertEqual((h.code, body.erased), (0, False))
        self.assertIn("erase: employee %s erased" % emp, self.d.output())

    def test_a_database_outage_acknowledges_nothing_and_a_retry_writes_once(self):
        P = self.P
        req = P.RecordAssessmentsRequest(records=[rec("E1004", "people-leadership", 5, at=NOW_MS - 3000)])
        before = self.count("SELECT count(*) FROM assessment")
        self.cluster.kill()
        try:
            h, body = self.c.call("RecordAssessments", req, timeout_ms=20000)
            self.assertEqual(h.code, 14, h.message)
            # reads go on from the cache meanwhile
            h, _ = self.c.call("Readiness", P.ReadinessRequest(employee_ids=["E1004"]))
            self.assertEqual(h.code, 0)
        finally:
            self.cluster.restart()
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before)
        ok = H.wait_for(lambda: self.c.call("RecordAssessments", req, timeout_ms=20000)[0].code == 0, timeout=30, step=0.5)
        self.assertTrue(ok)
        h, body = self.c.call("RecordAssessments", req)
        self.assertEqual((body.written, body.unchanged), (0, 1))
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before + 1)


class WritesOff(unittest.TestCase):
    def test_writes_are_refused_unless_allowed(self):
        db = H.demo_database()
        d = H.Daemon(db)
        c = H.Client(d.endpoint)
        try:
            h, _ = c.call("RecordAssessments", H.pb().RecordAssessmentsRequest(
                records=[rec("E1001", "communication", 3)]))
            self.assertEqual(h.code, 7)
            self.assertIn("allow_writes", h.message)
        finally:
            c.close()
            d.stop()


class KilledAfterOk(unittest.TestCase):
    def test_rows_acknowledged_survive_a_kill_of_the_daemon(self):
        db = H.demo_database()
        conf = config()
        d = H.Daemon(db, config=conf)
        c = H.Client(d.endpoint)
        P = H.pb()
        try:
            records = [rec("E10%02d" % i, "collaboration", 4, at=NOW_MS - 1000 - i) for i in range(10, 40)]
            h, body = c.call("RecordAssessments", P.RecordAssessmentsRequest(records=records))
            self.assertEqual(h.code, 0)
            d.proc.send_signal(signal.SIGKILL)
            d.proc.wait()
            n = int(H.psql(db, "SELECT count(*) FROM assessment a JOIN competency c ON c.id = a.competency_id"
                           " WHERE c.key = 'collaboration' AND a.level = 4 AND a.assessed_at > now() - interval '1 hour'")[0][0])
            self.assertEqual(n, body.written)
            self.assertEqual(body.written, 30)
        finally:
            c.close()
            d.log.close()
            os.unlink(conf)


if __name__ == "__main__":
    H.main()
