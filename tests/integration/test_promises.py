"""Promises of docs/ (protocol.md, operations.md) that nothing else checked: DEADLINE_EXCEEDED for
a request that waited past its deadline, the refusal of a database at an
older schema version, and the answers after a `bulk` change notification
(over 2,000 rows in one statement) compared with the oracle."""
import os
import signal
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import oracle as O  # noqa: E402

PREFIX = "/pathways.v1.Pathways/"


class Promises(H.DemoDaemonCase):
    def test_a_request_that_waited_past_its_deadline_is_deadline_exceeded(self):
        # Both workers get a Readiness of ~100,000 pairs (far over 1 ms of
        # work each); one more with a 1 ms deadline, sent right behind them
        # (big enough for a worker: small ones run at once on the
        # frontend), can only start once one of them is done.
        P = self.P
        emps = [r[0] for r in H.psql(self.db, "SELECT external_id FROM employee")]
        roles = [r[0] for r in H.psql(self.db, "SELECT key FROM role")]
        n = 100000 // len(roles)
        heavy = P.ReadinessRequest(employee_ids=(emps * (n // len(emps) + 1))[:n],
                                   role_keys=roles).SerializeToString()
        c = H.Client(self.d.endpoint)
        try:
            for rid in (1, 2, 3):  # one more than the daemon's two workers
                c.send_frames([P.RequestHeader(method=PREFIX + "Readiness", request_id=rid,
                                               deadline_ms=int(H.HANG * 1000)).SerializeToString(),
                               heavy])
            c.send_frames([P.RequestHeader(method=PREFIX + "Readiness", request_id=9,
                                           deadline_ms=1).SerializeToString(), heavy])
            codes = {}
            while len(codes) < 4:
                frames = c.recv_frames(int(H.HANG * 1000))
                rh = P.ResponseHeader.FromString(frames[0])
                codes[rh.request_id] = (rh.code, rh.message)
                if rh.code:
                    self.assertEqual(frames[1], b"")
        finally:
            c.close()
        self.assertEqual([codes[i][0] for i in (1, 2, 3)], [0, 0, 0], codes)
        self.assertEqual(codes[9][0], 4, codes[9])
        self.assertIn("deadline", codes[9][1])
        # (the same request with room to run was answered: ids 1-3)

    def test_answers_after_a_bulk_change_match_the_oracle(self):
        P = self.P
        before = self.c.call("Stats", P.StatsRequest())[1].reloads
        rows = H.psql(self.db, """WITH ins AS (
            INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at)
            SELECT e.id, c.id, (e.id * 7 + c.id * 3 + k) %% 6,
                   (ARRAY['manager', 'peer', 'self', 'certification'])[1 + (e.id + k) %% 4],
                   now() - make_interval(mins => k * 10 + c.id)
            FROM employee e, competency c, generate_series(1, 3) k
            RETURNING 1) SELECT count(*) FROM ins""".replace("%%", "%"))
        n = int(rows[0][0])
        self.assertGreater(n, 2000, "not a bulk change")
        total = int(H.psql(self.db, "SELECT count(*) FROM assessment")[0][0])
        seen = H.wait_event(lambda: (lambda hb: hb[1].assessments == total)(
            self.c.call("Health", P.HealthRequest())), "bulk change visible")
        self.assertTrue(seen, "the %d new assessments never arrived" % n)
        self.assertGreater(self.c.call("Stats", P.StatsRequest())[1].reloads, before,
                           "a bulk notification reloads in full")
        O.check_readiness(self, self.c, self.db)


class OlderSchema(unittest.TestCase):
    def test_a_database_at_an_older_schema_is_refused_until_migrated(self):
        db = H.demo_database()
        have, name = H.psql(db, "SELECT version, name FROM schema_migration "
                                "ORDER BY version DESC LIMIT 1")[0]
        H.psql(db, "DELETE FROM schema_migration WHERE version = %s" % have)
        older = int(have) - 1
        d = H.Daemon(db, wait=False)
        c = H.Client(d.endpoint)
        P = H.pb()
        try:
            refused = H.wait_event(lambda: "older than" in d.output(), "older schema refused")
            self.assertTrue(refused, d.output())
            self.assertIn("database schema version %d is older than %s: run pathwaysctl migrate"
                          % (older, have), d.output())
            h, body = c.call("Health", P.HealthRequest())
            self.assertEqual(h.code, 0, h.message)
            self.assertFalse(body.serving)
            self.assertEqual((body.schema_version, body.expected_schema_version),
                             (older, int(have)))
            h, _ = c.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 14, h.message)
            r = H.ctl("health", endpoint=d.endpoint, check=False)
            self.assertEqual(r.returncode, 4, r.stdout + r.stderr)
            self.assertIn("run pathwaysctl migrate", r.stdout)
            # the schema back where it was and a reload asked for (the
            # daemon does not retry a refused schema by itself): it serves
            H.psql(db, "INSERT INTO schema_migration (version, name) VALUES (%s, '%s')"
                   % (have, name.replace("'", "''")))
            d.signal(signal.SIGHUP)
            d.wait_serving(timeout=H.HANG)
            h, _ = c.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 0, h.message)
        finally:
            c.close()
            d.stop()


if __name__ == "__main__":
    H.main()
