"""Live data: changes become visible, outages survived, nothing torn. Each
wait is for the event, bounded by H.HANG (only a hang reaches it); how long
it took is printed ("wait: ..."), and scripts/bench.sh holds the latency
targets (a second for a change). Real PostgreSQL (a private cluster per test class, stopped and
restarted for real), real daemon, real sockets."""
import os
import signal
import sys
import threading
from fractions import Fraction
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402


def readiness(client, emp, role):
    P = H.pb()
    h, body = client.call("Readiness", P.ReadinessRequest(employee_ids=[emp], role_keys=[role]))
    assert h.code == 0, h.message
    return h, body.results[0]


class LiveChanges(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.d = H.Daemon(cls.db)
        cls.c = H.Client(cls.d.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()

    def stats(self):
        h, body = self.c.call("Stats", H.pb().StatsRequest())
        return body

    def test_an_assessment_change_is_visible_within_a_second(self):
        before = self.stats().deltas
        h0, r0 = readiness(self.c, "E1001", "ops-ic-4")
        H.psql(self.db, """INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at)
            SELECT e.id, c.id, 5, 'manager', now() FROM employee e, competency c
            WHERE e.external_id = 'E1001' AND c.key = 'process-improvement'""")
        got = H.wait_event(lambda: (lambda hr: hr if hr[1].readiness != r0.readiness else None)(
            readiness(self.c, "E1001", "ops-ic-4")), "assessment change visible")
        self.assertIsNotNone(got, "change never visible")
        h1, r1 = got
        self.assertGreater(h1.snapshot_version, h0.snapshot_version)
        self.assertNotIn("process-improvement", list(r1.blockers))
        self.assertGreater(self.stats().deltas, before)

    def test_two_ratings_within_a_second_the_later_one_counts(self):
        # the later rating is lower: were times cut to the second, the two
        # would tie and the higher level would win
        ins = """INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at)
            SELECT e.id, c.id, %d, 'manager', date_trunc('second', now()) + interval '%s'
            FROM employee e, competency c WHERE e.external_id = 'E1015' AND c.key = 'ownership'"""
        H.psql(self.db, ins % (5, "100 milliseconds"))
        H.psql(self.db, ins % (1, "600 milliseconds"))
        P = H.pb()

        def current():
            h, b = self.c.call("Gap", P.GapRequest(employee_id="E1015", role_key="ops-mgr-6"))
            return [g.current for g in b.gaps if g.competency_key == "ownership"]
        self.assertTrue(H.wait_event(lambda: current() == [1], "later rating counts"), current())

    def test_a_framework_change_is_visible_after_a_full_reload(self):
        before = self.stats().reloads
        _, r0 = readiness(self.c, "E1010", "fin-ic-3")
        H.psql(self.db, """UPDATE role_requirement SET level = 5, must_have = true
            WHERE role_id = (SELECT id FROM role WHERE key = 'fin-ic-3')
              AND competency_id = (SELECT min(competency_id) FROM role_requirement
                                   WHERE role_id = (SELECT id FROM role WHERE key = 'fin-ic-3'))""")
        got = H.wait_event(lambda: (lambda r: r if r.readiness != r0.readiness or
                                    list(r.blockers) != list(r0.blockers) else None)(
            readiness(self.c, "E1010", "fin-ic-3")[1]), "framework change visible")
        self.assertIsNotNone(got, "framework change never visible")
        self.assertGreater(self.stats().reloads, before)

    def test_a_new_employee_appears_and_an_erased_one_is_gone(self):
        H.psql(self.db, """INSERT INTO employee (external_id, role_id, attributes)
            SELECT 'E9001', id, '{"employment_type": "full_time"}' FROM role WHERE key = 'ops-ic-1'""")
        P = H.pb()
        ok = H.wait_event(lambda: self.c.call("Gap", P.GapRequest(employee_id="E9001", role_key="ops-ic-2"))[0].code == 0,
                          "new employee visible")
        self.assertTrue(ok)
        H.psql(self.db, "DELETE FROM employee WHERE external_id = 'E9001'")
        gone = H.wait_event(lambda: self.c.call("Gap", P.GapRequest(employee_id="E9001", role_key="ops-ic-2"))[0].code == 5,
                            "erased employee gone")
        self.assertTrue(gone)

    def test_a_client_hammering_readiness_never_sees_a_torn_snapshot(self):
        # E1020's levels in the required competencies of its target role are
        # rewritten in one statement to k = 1..5, cycling; every consistent
        # snapshot therefore gives one of five readiness values. A reply
        # mixing two states would give another value.
        role = "mkt-ic-4"
        comps = [r[0] for r in H.psql(self.db, """SELECT c.key FROM role_requirement q
            JOIN role r ON r.id = q.role_id JOIN competency c ON c.id = q.competency_id
            WHERE r.key = '%s'""" % role)]
        reqs = H.psql(self.db, """SELECT q.level, q.weight FROM role_requirement q JOIN role r ON r.id = q.role_id
            WHERE r.key = '%s'""" % role)
        H.psql(self.db, "DELETE FROM assessment WHERE employee_id = (SELECT id FROM employee WHERE external_id = 'E1020')")

        def expected(k):  # docs/scoring.md's readiness, exact
            num = sum(Fraction(float(w)) * Fraction(min(k, int(l)), int(l)) for l, w in reqs)
            return H.round1(100 * num / sum(Fraction(float(w)) for l, w in reqs))
        allowed = {expected(k) for k in range(0, 6)}
        self.assertTrue(H.wait_event(lambda: readiness(self.c, "E1020", role)[1].readiness == expected(0),
                                     "assessment delete visible"), "the delete never arrived")
        stop = threading.Event()
        writes = [0]

        def writer():
            k = 0
            while not stop.is_set():
                k = k % 5 + 1
                H.psql(self.db, """WITH d AS (DELETE FROM assessment WHERE employee_id =
                    (SELECT id FROM employee WHERE external_id = 'E1020'))
                    INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at)
                    SELECT e.id, c.id, %d, 'manager', now() FROM employee e, competency c
                    WHERE e.external_id = 'E1020' AND c.key IN (%s)""" % (
                    k, ",".join("'%s'" % c for c in comps)))
                writes[0] += 1
        t = threading.Thread(target=writer)
        t.start()
        seen, versions = set(), set()
        client = H.Client(self.d.endpoint)
        # reads go on until the loader has published more than five
        # snapshots under them (the count, not a clock, ends the loop; only
        # a hang reaches H.HANG)
        t0 = time.monotonic()
        try:
            last = 0
            deadline = t0 + H.HANG
            n = 0
            while len(versions) <= 5 and time.monotonic() < deadline:
                h, r = readiness(client, "E1020", role)
                self.assertIn(r.readiness, allowed, "torn snapshot %d: %s" % (h.snapshot_version, r.readiness))
                self.assertGreaterEqual(h.snapshot_version, last)
                last = h.snapshot_version
                seen.add(r.readiness)
                versions.add(h.snapshot_version)
                n += 1
        finally:
            stop.set()
            t.join()
            client.close()
        self.assertGreater(len(versions), 5, "the loader published too few snapshots")
        print("wait: six snapshots under a reader after %.0f ms" % ((time.monotonic() - t0) * 1000))
        print("%d reads over %d snapshots (%d writes), values %s" % (n, len(versions), writes[0], sorted(seen)))


def questions(db):
    """A broad set of questions: every read method, many times each (every
    employee for every role, every role's neighbourhood...)."""
    P = H.pb()
    emps = [r[0] for r in H.psql(db, "SELECT external_id FROM employee ORDER BY 1")]
    roles = [r[0] for r in H.psql(db, "SELECT key FROM role ORDER BY 1")]
    comps = [r[0] for r in H.psql(db, "SELECT key FROM competency ORDER BY 1")]
    asks = [("ListRoles", P.ListRolesRequest()),
            ("Readiness", P.ReadinessRequest(employee_ids=emps, role_keys=roles)),
            ("Readiness", P.ReadinessRequest(employee_ids=emps, with_estimates=True)),
            ("Audit", P.AuditRequest())]
    for i, r in enumerate(roles):
        asks += [("Explore", P.ExploreRequest(from_role=r, limit=1000)),
                 ("Bench", P.BenchRequest(role_key=r, limit=1000,
                                          breakdown_attribute="employment_type")),
                 ("Path", P.PathRequest(from_role=r, to_role=roles[(i * 7 + 3) % len(roles)]))]
    for i, e in enumerate(emps):
        r = roles[(i * 5) % len(roles)]
        asks += [("Gap", P.GapRequest(employee_id=e, role_key=r)),
                 ("RecommendModules", P.RecommendModulesRequest(employee_id=e, role_key=r)),
                 ("Mentors", P.MentorsRequest(employee_id=e, role_key=r, limit=50)),
                 ("Mentors", P.MentorsRequest(employee_id=e, competency_key=comps[i % len(comps)])),
                 ("Placement", P.PlacementRequest(employee_id=e)),
                 ("Explore", P.ExploreRequest(from_employee=e))]
    return asks


def every_answer(c, asks):
    """(method, code, message, serialized response) per question: two
    snapshots of the same data must give the very same list."""
    out = []
    for method, req in asks:
        h, body = c.call(method, req, timeout_ms=int(H.HANG * 1000))
        out.append((method, h.code, h.message,
                    body.SerializeToString(deterministic=True) if body else b""))
    return out


class Outages(unittest.TestCase):
    def setUp(self):
        self.cluster = H.Cluster()
        self.db = H.with_db(self.cluster.conninfo, "pathways")
        H.ctl("migrate", db=self.db)
        H.ctl("import", H.DEMO, db=self.db)

    def tearDown(self):
        self.cluster.destroy()

    def test_a_database_outage_drops_no_request_and_the_daemon_catches_up(self):
        d = H.Daemon(self.db, args=["--log-level", "debug"])
        c = H.Client(d.endpoint)
        P = H.pb()
        try:
            failures, answered = [], [0]
            stop = threading.Event()

            def hammer():
                cl = H.Client(d.endpoint)
                try:
                    while not stop.is_set():
                        h, _ = cl.call("Readiness", P.ReadinessRequest(employee_ids=["E1001", "E1002"]),
                                       timeout_ms=int(H.HANG * 1000))
                        answered[0] += 1
                        if h.code != 0:
                            failures.append((h.code, h.message))
                except Exception as e:  # a timeout is a failed reply
                    failures.append(repr(e))
                finally:
                    cl.close()
            t = threading.Thread(target=hammer)
            t.start()
            self.assertTrue(H.wait_event(lambda: answered[0] >= 3 or failures,
                                         "hammer under way"), "the hammer never got going")
            self.cluster.kill()
            down = H.wait_event(lambda: not c.call("Health", P.HealthRequest())[1].database_connected,
                                "database loss noticed")
            self.assertTrue(down, "Health still says the database is connected")
            # requests answered while the database is down, counted, not timed
            during = answered[0]
            self.assertTrue(H.wait_event(lambda: answered[0] >= during + 20 or failures,
                                         "20 answers during the outage"))
            h, body = c.call("Health", P.HealthRequest())
            self.assertTrue(body.serving)
            self.assertIn("unreachable", body.status)
            self.cluster.restart()
            up = H.wait_event(lambda: c.call("Health", P.HealthRequest())[1].database_connected,
                              "database reconnected")
            self.assertTrue(up, "the daemon did not reconnect")
            stop.set()
            t.join()
            self.assertEqual(failures, [])
            self.assertGreaterEqual(answered[0], during + 20)
            # a change made after the outage arrives
            _, r0 = readiness(c, "E1001", "ops-ic-4")
            H.psql(self.db, """INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at)
                SELECT e.id, c.id, 5, 'manager', now() FROM employee e, competency c
                WHERE e.external_id = 'E1001' AND c.key = 'process-improvement'""")
            got = H.wait_event(lambda: readiness(c, "E1001", "ops-ic-4")[1].readiness != r0.readiness,
                               "change after an outage visible")
            self.assertTrue(got)
            print("%d requests answered through the outage" % answered[0])
        finally:
            c.close()
            d.stop()

    def test_starting_with_the_database_down_answers_unavailable_then_serves(self):
        self.cluster.stop()
        d = H.Daemon(self.db, wait=False)
        c = H.Client(d.endpoint)
        P = H.pb()
        try:
            h, body = H.wait_event(lambda: (lambda hb: hb if hb[0].code == 0 else None)(
                c.call("Health", P.HealthRequest(), timeout_ms=2000)), "first Health answer")
            self.assertFalse(body.serving)
            self.assertFalse(body.database_connected)
            h, _ = c.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 14)
            self.cluster.restart()
            d.wait_serving(timeout=40)
            h, body = c.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 0)
        finally:
            c.close()
            d.stop()

    def test_a_saved_snapshot_serves_at_once_while_the_database_is_down(self):
        path = os.path.join(self.cluster.root, "snapshot.bin")
        d = H.Daemon(self.db, args=["--snapshot-path", path])
        c = H.Client(d.endpoint)
        P = H.pb()
        asks = questions(self.db)
        want = every_answer(c, asks)
        self.assertGreater(sum(1 for a in want if a[1] == 0), 200)
        c.close()
        d.stop()
        self.assertTrue(os.path.exists(path))
        self.cluster.stop()
        t0 = time.time()
        d = H.Daemon(self.db, args=["--snapshot-path", path], wait=False)
        c = H.Client(d.endpoint)
        try:
            h, body = H.wait_event(lambda: (lambda hb: hb if hb[0].code == 0 and hb[1].serving else None)(
                c.call("Health", P.HealthRequest(), timeout_ms=2000)), "serving a saved snapshot")
            print("serving from the saved snapshot %.0f ms after start" % ((time.time() - t0) * 1000))
            self.assertFalse(body.database_connected)
            got = every_answer(c, asks)
            self.assertEqual(len(got), len(want))
            for a, b in zip(got, want):
                self.assertEqual(a, b, a[0])
        finally:
            c.close()
            d.stop()
        # a corrupt file is rejected with a log line, never trusted
        with open(path, "r+b") as f:
            f.seek(100)
            f.write(b"\x00garbage\x00")
        d = H.Daemon(self.db, args=["--snapshot-path", path], wait=False)
        c = H.Client(d.endpoint)
        try:
            self.assertTrue(H.wait_event(lambda: "saved snapshot rejected" in d.output(),
                                         "corrupt snapshot rejected"), d.output())
            h, body = c.call("Health", P.HealthRequest())
            self.assertFalse(body.serving)
        finally:
            c.close()
            d.stop()


if __name__ == "__main__":
    H.main()
