"""Progress over time: Readiness and Gap as of an instant against the rule
written again in SQL and exact rationals (docs/scoring.md, "The past:
as of, and Trend": per competency the latest trusted assessment at or
before the instant, ties to the higher level, expiry counted from the
instant; today's framework and people), Trend's points against Readiness
at each point's instant, and a RecordAssessments delta adding a point."""
import os
import sys
import tempfile
import time
import unittest
import xml.etree.ElementTree as ET
from fractions import Fraction

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
from test_vertical import band  # noqa: E402  (docs/scoring.md's bands)

TRUSTED = "('manager', 'peer', 'certification')"

# Per (instant, employee, role, requirement): weight, required level,
# must-have and the level as of the instant (0: none, or expired).
# Instants are unix milliseconds, turned into timestamps exactly.
AS_OF_SQL = """
WITH t AS (SELECT unnest(ARRAY[%(instants)s]::bigint[]) AS ms),
ti AS (SELECT ms, timestamptz 'epoch' + ms * interval '1 millisecond' AS at FROM t),
cur AS (
  SELECT DISTINCT ON (ti.ms, a.employee_id, a.competency_id)
         ti.ms, ti.at AS inst, a.employee_id, a.competency_id, a.level, a.assessed_at
  FROM ti JOIN assessment a ON a.assessed_at <= ti.at
  WHERE a.source IN %(trusted)s
  ORDER BY ti.ms, a.employee_id, a.competency_id, a.assessed_at DESC, a.level DESC)
SELECT ti.ms, e.external_id, r.key, rr.weight::text, rr.level, rr.must_have,
  CASE WHEN c.level IS NULL THEN 0
       WHEN %(days)s > 0 AND c.assessed_at < ti.at - make_interval(days => %(days)s) THEN 0
       ELSE c.level END
FROM ti CROSS JOIN employee e CROSS JOIN role r
JOIN role_requirement rr ON rr.role_id = r.id
LEFT JOIN cur c ON c.ms = ti.ms AND c.employee_id = e.id
                AND c.competency_id = rr.competency_id
"""


def round1(x):
    """One decimal, half away from zero, of an exact non-negative rational."""
    return float(Fraction(int(x * 10 + Fraction(1, 2)), 10))


def expected(rows):
    """{(ms, employee, role): (exact readiness, met, blockers)}"""
    acc = {}
    for ms, emp, role, w, lvl, must, cur in rows:
        k = (int(ms), emp, role)
        w, lvl, cur = Fraction(w), int(lvl), int(cur)
        num, den, met, blockers = acc.get(k, (Fraction(0), Fraction(0), 0, 0))
        acc[k] = (num + w * Fraction(min(cur, lvl), lvl), den + w,
                  met + (cur >= lvl), blockers + (must == "t" and cur < lvl))
    return {k: (100 * n / d, met, b) for k, (n, d, met, b) in acc.items()}


def config():
    f = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
    f.write("[server]\nallow_writes = true\n")
    f.close()
    return f.name


class HistoryBase:
    valid_days = 0

    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        H.psql(cls.db, "UPDATE framework_setting SET value = '%d' "
                       "WHERE key = 'assessment_valid_days'" % cls.valid_days)
        cls.conf = config()
        cls.d = H.Daemon(cls.db, config=cls.conf)
        cls.c = H.Client(cls.d.endpoint)
        cls.P = H.pb()
        cls.emps = [r[0] for r in H.psql(cls.db, "SELECT external_id FROM employee "
                                                 "ORDER BY external_id COLLATE \"C\"")]
        cls.roles = [r[0] for r in H.psql(cls.db, "SELECT DISTINCT r.key FROM role r "
                                                  "JOIN role_requirement rr ON rr.role_id = r.id "
                                                  "ORDER BY 1")]

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()
        os.unlink(cls.conf)

    def instants(self):
        """Every distinct assessment time, a millisecond before each, the
        middle of each gap, and one before anything (unix ms)."""
        times = sorted(int(r[0]) for r in H.psql(
            self.db, "SELECT DISTINCT (extract(epoch FROM assessed_at) * 1000)::bigint "
                     "FROM assessment"))
        out = {times[0] - 86400000}
        for i, t in enumerate(times):
            out |= {t, t - 1}
            if i + 1 < len(times):
                out.add((t + times[i + 1]) // 2)
        # ratings expire in the middle of the history too
        if self.valid_days:
            for t in times:
                out |= {t + self.valid_days * 86400000, t + self.valid_days * 86400000 + 1}
        now = int(time.time() * 1000) - 1000
        return sorted(x for x in out if x <= now)

    def sql(self, instants):
        return expected(H.psql(self.db, AS_OF_SQL % {
            "instants": ",".join(map(str, instants)), "trusted": TRUSTED,
            "days": self.valid_days}))

    def readiness(self, emps, roles, as_of):
        h, body = self.c.call("Readiness", self.P.ReadinessRequest(
            employee_ids=emps, role_keys=roles, as_of_unix_ms=as_of))
        self.assertEqual(h.code, 0, h.message)
        return body.results

    def test_as_of_readiness_matches_sql_for_every_pair_and_many_instants(self):
        instants = self.instants()
        self.assertGreater(len(instants), 20)
        want = self.sql(instants)
        checked = 0
        for ms in instants:
            res = self.readiness(self.emps, self.roles, ms)
            self.assertEqual(len(res), len(self.emps) * len(self.roles))
            for r in res:
                exact, met, blockers = want[(ms, r.employee_id, r.role_key)]
                key = (ms, r.employee_id, r.role_key, exact)
                self.assertAlmostEqual(r.readiness, round1(exact), places=9, msg=key)
                self.assertEqual(r.met, met, key)
                self.assertEqual(len(r.blockers), blockers, key)
                self.assertEqual(self.P.Band.Name(r.band), band(exact, blockers), key)
                checked += 1
        self.assertGreater(checked, 10000)
        # the history changes the answer: not every instant scores the same
        scores = {ms: sum(v[0] for k, v in want.items() if k[0] == ms) for ms in instants}
        self.assertGreater(len(set(scores.values())), 5)

    def test_as_of_gap_gives_the_levels_of_the_instant(self):
        instants = self.instants()[::7]
        want = {}
        for ms, emp, role, w, lvl, must, cur in H.psql(self.db, AS_OF_SQL % {
                "instants": ",".join(map(str, instants)), "trusted": TRUSTED,
                "days": self.valid_days}):
            want.setdefault((int(ms), emp, role), []).append((int(lvl), int(cur)))
        exact = self.sql(instants)
        for ms in instants:
            for i, emp in enumerate(self.emps[::9]):
                role = self.roles[(i * 7 + ms // 1000) % len(self.roles)]
                h, g = self.c.call("Gap", self.P.GapRequest(employee_id=emp, role_key=role,
                                                            as_of_unix_ms=ms))
                self.assertEqual(h.code, 0, h.message)
                self.assertEqual(sorted((x.required, x.current) for x in g.gaps),
                                 sorted(want[(ms, emp, role)]), (ms, emp, role))
                self.assertAlmostEqual(g.readiness, round1(exact[(ms, emp, role)][0]), places=9)

    def test_trend_points_equal_readiness_as_of_each_point(self):
        for emp in self.emps[::4]:
            h, t = self.c.call("Trend", self.P.TrendRequest(employee_id=emp))
            self.assertEqual(h.code, 0, h.message)
            self.assertGreater(len(t.series), 0)
            for s in t.series:
                prev = None
                for i, p in enumerate(s.points):
                    [r] = self.readiness([emp], [s.role_key], p.at_unix_ms)
                    self.assertEqual((r.readiness, r.band, r.met),
                                     (p.readiness, p.band, p.met), (emp, s.role_key, i))
                    if i == 0:
                        self.assertEqual(len(p.changed), 0)
                    else:
                        # a point is a change: the instant before it still
                        # scores as the previous point
                        self.assertGreater(len(p.changed), 0)
                        self.assertGreater(p.at_unix_ms, prev.at_unix_ms)
                        [b] = self.readiness([emp], [s.role_key], p.at_unix_ms - 1)
                        self.assertEqual((b.readiness, b.met), (prev.readiness, prev.met))
                    prev = p

    def test_trend_series_come_in_order_own_role_first(self):
        own = dict(H.psql(self.db, "SELECT e.external_id, r.key FROM employee e "
                                   "JOIN role r ON r.id = e.role_id"))
        emp = self.emps[3]
        h, t = self.c.call("Trend", self.P.TrendRequest(employee_id=emp))
        self.assertEqual(h.code, 0, h.message)
        keys = [s.role_key for s in t.series]
        self.assertEqual(keys[0], own[emp])
        self.assertEqual(keys[1:], sorted(keys[1:]))
        h, t = self.c.call("Trend", self.P.TrendRequest(employee_id=emp,
                                                        role_keys=self.roles[:3][::-1]))
        self.assertEqual([s.role_key for s in t.series], self.roles[:3][::-1])

    def test_bad_instants_are_invalid_and_unknown_names_not_found(self):
        future = int(time.time() * 1000) + 3600000
        h, _ = self.c.call("Readiness", self.P.ReadinessRequest(
            employee_ids=self.emps[:1], role_keys=self.roles[:1], as_of_unix_ms=future))
        self.assertEqual(h.code, 3, h.message)
        h, _ = self.c.call("Gap", self.P.GapRequest(employee_id=self.emps[0],
                                                    role_key=self.roles[0], as_of_unix_ms=future))
        self.assertEqual(h.code, 3, h.message)
        h, _ = self.c.call("Trend", self.P.TrendRequest(employee_id=self.emps[0],
                                                        to_unix_ms=future))
        self.assertEqual(h.code, 3, h.message)
        h, _ = self.c.call("Trend", self.P.TrendRequest(employee_id=self.emps[0],
                                                        from_unix_ms=2000, to_unix_ms=1000))
        self.assertEqual(h.code, 3, h.message)
        h, _ = self.c.call("Trend", self.P.TrendRequest(employee_id="E-nobody"))
        self.assertEqual(h.code, 5)
        self.assertIn("E-nobody", h.message)
        h, _ = self.c.call("Trend", self.P.TrendRequest(employee_id=self.emps[0],
                                                        role_keys=["no-such-role"]))
        self.assertEqual(h.code, 5)
        self.assertIn("no-such-role", h.message)


class History(HistoryBase, unittest.TestCase):
    valid_days = 0

    def test_a_recorded_assessment_adds_a_point(self):
        P = self.P
        emp = self.emps[5]
        h, t0 = self.c.call("Trend", P.TrendRequest(employee_id=emp))
        s0 = t0.series[0]
        # a required competency of their own role, rated one level away
        # from where it stands now
        [req] = H.psql(self.db, """SELECT c.key, rr.level FROM employee e
            JOIN role_requirement rr ON rr.role_id = e.role_id
            JOIN competency c ON c.id = rr.competency_id
            WHERE e.external_id = '%s' ORDER BY c.key LIMIT 1""" % emp)
        h, g = self.c.call("Gap", P.GapRequest(employee_id=emp, role_key=s0.role_key))
        cur = {x.competency_key: x.current for x in g.gaps}[req[0]]
        new = cur - 1 if cur > 0 else 1
        at = int(time.time() * 1000) - 2000
        h, w = self.c.call("RecordAssessments", P.RecordAssessmentsRequest(records=[
            P.AssessmentRecord(employee_id=emp, competency_key=req[0], level=new,
                               source="manager", assessed_at_unix_ms=at)]))
        self.assertEqual(h.code, 0, h.message)
        self.assertEqual(w.written, 1)
        h, t1 = self.c.call("Trend", P.TrendRequest(employee_id=emp, role_keys=[s0.role_key]))
        s1 = t1.series[0]
        self.assertEqual(len(s1.points), len(s0.points) + 1)
        self.assertEqual([p.SerializeToString() for p in s1.points[:-1]],
                         [p.SerializeToString() for p in s0.points])
        last = s1.points[-1]
        self.assertEqual(last.at_unix_ms, at)
        self.assertEqual([(c.competency_key, c.from_level, c.to_level) for c in last.changed],
                         [(req[0], cur, new)])
        [now] = self.readiness([emp], [s0.role_key], 0)
        self.assertEqual((now.readiness, now.band, now.met), (last.readiness, last.band, last.met))
        # and the instant before it still reads the old history
        [before] = self.readiness([emp], [s0.role_key], at - 1)
        self.assertEqual(before.readiness, s0.points[-1].readiness)

    def test_the_cli_prints_a_table_sparklines_and_draws_a_chart(self):
        emp = self.emps[0]
        r = H.ctl("trend", emp, endpoint=self.d.endpoint)
        self.assertIn("READINESS", r.stdout)
        self.assertRegex(r.stdout, "[▁▂▃▄▅▆▇█]")
        r = H.ctl("readiness", emp, "--as-of", "2026-01-01", endpoint=self.d.endpoint)
        self.assertIn("READINESS", r.stdout)
        r = H.ctl("gap", emp, self.roles[0], "--as-of", "2026-01-01", endpoint=self.d.endpoint)
        self.assertIn("readiness", r.stdout)
        r = H.ctl("readiness", emp, "--as-of", "2999-01-01", endpoint=self.d.endpoint,
                  check=False)
        self.assertEqual(r.returncode, 3, r.stderr)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "trend.svg")
            H.ctl("trend", emp, "--since", "2025-09-01", "--svg", path,
                  endpoint=self.d.endpoint)
            svg = ET.parse(path).getroot()
            ns = "{http://www.w3.org/2000/svg}"
            self.assertEqual(len(svg.findall(".//%sline[@class='band']" % ns)), 3)
            h, t = self.c.call("Trend", self.P.TrendRequest(employee_id=emp,
                                                            from_unix_ms=1756684800000))
            # one note per instant where something changed, whatever the role
            changes = {p.at_unix_ms for s in t.series for p in s.points if p.changed}
            self.assertGreater(len(changes), 0)
            self.assertEqual(len(svg.findall(".//%stext[@class='change']" % ns)), len(changes))
            self.assertEqual(len(svg.findall(".//%sg[@class='series']" % ns)), len(t.series))


class HistoryExpiring(HistoryBase, unittest.TestCase):
    """The same with ratings valid 120 days: they lapse mid-history."""
    valid_days = 120


if __name__ == "__main__":
    H.main()
