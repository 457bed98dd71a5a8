"""Scale-out on PostgreSQL's own replication (docs/operations.md "Scaling
out", run as written): a primary and two hot standbys (pg_basebackup -R,
streaming), one daemon on each, libpathways clients spreading reads over
all three. Changes reach every daemon through the change table; a read
carrying a write's commit_lsn as min_lsn sees the write on every daemon
with no sleep; a standby restart and a primary crash + promotion under
load fail no read; writes come back through write_conninfo."""
import os
import re
import shutil
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402

NOW_MS = int(time.time() * 1000)
PG = os.path.join(H.SRC, "scripts", "pg.sh")
ROLE = "ops-ic-4"


def pg(*args):
    r = subprocess.run(["bash", PG] + list(args), capture_output=True, text=True,
                       timeout=180)
    if r.returncode != 0:
        raise RuntimeError("pg.sh %s failed: %s" % (" ".join(args), r.stderr))
    out = r.stdout.strip().splitlines()
    return out[-1] if out else ""


def lsn_value(text):
    hi, lo = text.split("/")
    return int(hi, 16) << 32 | int(lo, 16)


def call(c, method, req, min_lsn=None, deadline_ms=5000):
    """Client.call with header metadata min_lsn."""
    P = H.pb()
    rid = next(H._request_ids)
    h = P.RequestHeader(method="/pathways.v1.Pathways/" + method, request_id=rid,
                        deadline_ms=deadline_ms)
    if min_lsn is not None:
        h.metadata["min_lsn"] = min_lsn
    c.send_frames([h.SerializeToString(), req.SerializeToString()])
    while True:
        frames = c.recv_frames(deadline_ms + 5000)
        rh = P.ResponseHeader.FromString(frames[0])
        if rh.request_id != rid:
            continue
        body = getattr(P, method + "Response").FromString(frames[1]) if rh.code == 0 else None
        return rh, body


def blockers(c, emp, **kw):
    P = H.pb()
    h, r = call(c, "Readiness", P.ReadinessRequest(employee_ids=[emp], role_keys=[ROLE]), **kw)
    assert h.code == 0, h.message
    return h, set(r.results[0].blockers)


def rec(emp, comp, level, at):
    return H.pb().AssessmentRecord(employee_id=emp, competency_key=comp, level=level,
                                   source="manager", assessed_at_unix_ms=at)


class Replicas(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.root = tempfile.mkdtemp(prefix="pw-repl-")
        os.chmod(cls.root, 0o755)
        cls.dirs = [os.path.join(cls.root, n) for n in ("p", "s1", "s2")]
        cls.primary = pg("start", cls.dirs[0])
        H.ctl("migrate", db=cls.primary)
        H.ctl("import", H.DEMO, db=cls.primary)
        cls.dbs = [cls.primary] + [pg("standby", d, cls.dirs[0]) for d in cls.dirs[1:]]
        # writes: whichever of the primary and the first standby is
        # read-write (libpq tries them in order), so they follow a promotion
        hosts = ",".join(cls.dirs[:2])
        ports = []
        for d in cls.dirs[:2]:
            with open(os.path.join(d, "port")) as f:
                ports.append(f.read().strip())
        ports = ",".join(ports)
        cls.write_db = ("host=%s port=%s dbname=pathways user=postgres "
                        "target_session_attrs=read-write connect_timeout=2" % (hosts, ports))
        f = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False, dir=cls.root)
        f.write("[server]\nallow_writes = true\n[cache]\nreconnect_max_ms = 500\n")
        f.close()
        cls.conf = f.name
        cls.daemons = [H.Daemon(db, config=cls.conf, args=["--write-db", cls.write_db])
                       for db in cls.dbs]
        cls.clients = [H.Client(d.endpoint) for d in cls.daemons]

    @classmethod
    def tearDownClass(cls):
        for c in cls.clients:
            c.close()
        for d in cls.daemons:
            d.stop()
        for d in reversed(cls.dirs):
            subprocess.run(["bash", PG, "destroy", d], capture_output=True)
        shutil.rmtree(cls.root, True)

    def health(self, i):
        h, body = call(self.clients[i], "Health", H.pb().HealthRequest())
        self.assertEqual(h.code, 0, h.message)
        return body

    def loop(self, calls):
        return subprocess.Popen([os.path.join(H.BUILD, "tests", "pw_loop")] +
                                [d.endpoint for d in self.daemons] + ["--", str(calls)],
                                stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)

    def finish_loop(self, loop, calls):
        out, err = loop.communicate(timeout=300)
        # pw_loop prints: answered, failed, resent (waited half a timeout)
        ok, failed, resent = (int(x) for x in out.split())
        print("%d reads answered, %d failed, %d resent" % (ok, failed, resent))
        self.assertEqual((ok, failed), (calls, 0), err)

    def test_1_each_daemon_serves_and_says_where_it_loads_from(self):
        for i in range(3):
            b = self.health(i)
            self.assertTrue(b.serving)
            self.assertEqual(b.loads_from_standby, i > 0)
            self.assertGreater(lsn_value(b.snapshot_lsn), 0)
            self.assertGreaterEqual(b.replay_lag_ms, 0)
            h, _ = blockers(self.clients[i], "E1001")
            self.assertGreater(lsn_value(h.snapshot_lsn), 0, "every reply says its position")
            h, st = call(self.clients[i], "Stats", H.pb().StatsRequest())
            self.assertEqual(st.loads_from_standby, i > 0)
            self.assertGreater(lsn_value(st.snapshot_lsn), 0)
            # and so does `pathwaysctl health` for the one who reads it
            out = H.ctl("health", endpoint=self.daemons[i].endpoint).stdout
            self.assertRegex(out, r"\nsnapshot WAL position +[0-9A-F]+/[0-9A-F]+\n")
            self.assertEqual("a hot standby" in out, i > 0, out)
            self.assertEqual(bool(re.search(r"\nstandby replay lag +\d+ ms\n", out)),
                             i > 0, out)

    def test_2_a_change_made_in_sql_reaches_every_daemon_within_a_second(self):
        emp, comp = "E1003", "process-improvement"
        before = [blockers(c, emp)[1] for c in self.clients]
        for b in before:
            self.assertIn(comp, b)
        H.psql(self.primary,
               "INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at) "
               "SELECT e.id, c.id, 5, 'manager', now() - interval '1 minute' "
               "FROM employee e, competency c WHERE e.external_id = '%s' AND c.key = '%s'"
               % (emp, comp))
        t0 = time.time()
        for c in self.clients:
            self.assertTrue(H.wait_for(lambda: comp not in blockers(c, emp)[1], timeout=1.0),
                            "not visible within 1 s")
        print("visible on all three daemons after %.0f ms" % ((time.time() - t0) * 1000))

    def test_3_a_read_with_the_writes_commit_lsn_sees_it_everywhere(self):
        P = H.pb()
        comp = "process-improvement"
        # employees still short of comp (E1001-E1005 serve other tests)
        ids = [e[0] for e in H.psql(self.primary, "SELECT external_id FROM employee "
                                    "WHERE external_id > 'E1009' ORDER BY 1")]
        short = [e for e in ids if comp in blockers(self.clients[0], e)[1]][:3]
        self.assertEqual(len(short), 3, "the demo has employees short of " + comp)
        for writer, emp in enumerate(short):
            for c in self.clients:
                self.assertIn(comp, blockers(c, emp)[1])
            h, r = call(self.clients[writer], "RecordAssessments",
                        P.RecordAssessmentsRequest(records=[rec(emp, comp, 5, NOW_MS - 10000)]))
            self.assertEqual((h.code, r.written), (0, 1), h.message)
            # no sleep: min_lsn makes each daemon wait for its loader
            for c in self.clients:
                rh, b = blockers(c, emp, min_lsn=r.commit_lsn)
                self.assertGreaterEqual(lsn_value(rh.snapshot_lsn), lsn_value(r.commit_lsn))
                self.assertNotIn(comp, b)
            # a write that changes nothing still answers a position
            h, r2 = call(self.clients[writer], "RecordAssessments",
                         P.RecordAssessmentsRequest(records=[rec(emp, comp, 5, NOW_MS - 10000)]))
            self.assertEqual((h.code, r2.written, r2.unchanged), (0, 0, 1))
            self.assertGreaterEqual(lsn_value(r2.commit_lsn), lsn_value(r.commit_lsn))
            for c in self.clients:
                self.assertNotIn(comp, blockers(c, emp, min_lsn=r2.commit_lsn)[1])
        # an erasure, the same way
        h, r = call(self.clients[2], "EraseEmployee", P.EraseEmployeeRequest(employee_id="E1009"))
        self.assertEqual((h.code, r.erased), (0, True), h.message)
        for c in self.clients:
            rh, _ = call(c, "Readiness", P.ReadinessRequest(employee_ids=["E1009"], role_keys=[ROLE]),
                         min_lsn=r.commit_lsn)
            self.assertEqual(rh.code, 5, rh.message)

    def test_4_min_lsn_that_is_not_an_lsn_or_out_of_reach(self):
        c = self.clients[1]
        h, _ = call(c, "Readiness", H.pb().ReadinessRequest(employee_ids=["E1001"]),
                    min_lsn="yesterday")
        self.assertEqual(h.code, 3, h.message)
        t0 = time.time()
        h, _ = call(c, "Readiness", H.pb().ReadinessRequest(employee_ids=["E1001"]),
                    min_lsn="FFFF/0", deadline_ms=300)
        self.assertEqual(h.code, 14, h.message)
        self.assertIn("behind", h.message)
        self.assertLess(time.time() - t0, 2.0)
        # pathwaysctl passes it on
        lsn = self.health(1).snapshot_lsn
        r = H.ctl("--min-lsn", lsn, "readiness", "E1001", "--role", ROLE,
                  endpoint=self.daemons[1].endpoint)
        self.assertIn("E1001", r.stdout)
        r = H.ctl("--min-lsn", "FFFF/0", "--timeout", "300", "readiness", "E1001",
                  endpoint=self.daemons[1].endpoint, check=False)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("behind", r.stderr)

    def test_5_the_change_table_stays_bounded_on_every_database(self):
        H.psql(self.primary, "DO $$ BEGIN FOR i IN 1..10500 LOOP "
                             "UPDATE track SET name = name; END LOOP; END $$")
        bound = int(H.psql(self.primary, "SELECT pathways_change_feed_keep()")[0][0]) + 100
        for db in self.dbs:
            self.assertTrue(H.wait_for(
                lambda: int(H.psql(db, "SELECT count(*) FROM change_feed")[0][0]) <= bound,
                timeout=10))
        # and the daemons went on (a gap that large: a full load)
        for i in range(3):
            self.assertTrue(self.health(i).serving)

    def test_6_a_standby_restart_fails_no_read(self):
        calls = 1500
        loop = self.loop(calls)
        time.sleep(0.5)
        pg("stop", self.dirs[2])
        time.sleep(1.0)
        pg("restart", self.dirs[2])
        self.finish_loop(loop, calls)
        self.assertTrue(H.wait_for(lambda: self.health(2).database_connected, timeout=10))

    def test_7_a_primary_crash_and_promotion_fail_no_read(self):
        P = H.pb()
        calls = 3000
        loop = self.loop(calls)
        time.sleep(0.5)
        pg("kill", self.dirs[0])
        pg("promote", self.dirs[1])
        promoted = time.time()
        pg("follow", self.dirs[2], self.dirs[1])
        # writes come back through write_conninfo, on any daemon
        emp, comp = "E1005", "process-improvement"
        r = None
        while time.time() - promoted < 10:
            h, r = call(self.clients[1], "RecordAssessments",
                        P.RecordAssessmentsRequest(records=[rec(emp, comp, 5, NOW_MS - 3000)]))
            if h.code == 0:
                break
            time.sleep(0.2)
        self.assertEqual(h.code, 0, "writes not back within 10 s: " + h.message)
        print("writes back %.1f s after the promotion" % (time.time() - promoted))
        self.finish_loop(loop, calls)
        # the daemon on the promoted standby follows, and so does the one
        # on the standby that now follows it
        for i in (1, 2):
            rh, _ = blockers(self.clients[i], emp, min_lsn=r.commit_lsn, deadline_ms=10000)
            self.assertEqual(rh.code, 0, rh.message)
        self.assertFalse(self.health(1).loads_from_standby)
        # the daemon on the dead primary serves from its cache
        self.assertTrue(self.health(0).serving)


if __name__ == "__main__":
    H.main()
