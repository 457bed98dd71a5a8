"""Settings end to end, none at its default: the demo organization plus
tests/fixtures/changed_settings (bands, trusted sources, mentor level,
binary mode, expiry, step penalty, inferred moves all changed), every
answer compared with oracle.py, which reads the settings from the database.
A daemon whose loader ignored the settings table fails here: each setting
is also checked to make a difference on this data."""
import datetime
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import oracle as O  # noqa: E402

FIXTURE = os.path.join(H.SRC, "tests", "fixtures", "changed_settings")


class ChangedSettings(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        H.ctl("import", FIXTURE, db=cls.db)
        # expiry: a cutoff half-way through the widest gap between the
        # demo's middle assessment dates, so that some current levels
        # expire, some do not, and none is near the edge
        dates = sorted({datetime.datetime.fromisoformat(r[0]) for r in H.psql(
            cls.db, "SELECT DISTINCT date_trunc('day', assessed_at AT TIME ZONE 'UTC')::text "
                    "FROM assessment")})
        mid = dates[len(dates) // 4: 3 * len(dates) // 4 + 1]
        a, b = max(zip(mid, mid[1:]), key=lambda p: p[1] - p[0])
        cutoff = a + (b - a) / 2 + datetime.timedelta(hours=12)
        days = (datetime.datetime.utcnow() - cutoff).days
        H.psql(cls.db, "UPDATE framework_setting SET value = '%d' "
                       "WHERE key = 'assessment_valid_days'" % days)
        cls.s = O.settings(cls.db)
        cls.d = H.Daemon(cls.db)
        cls.c = H.Client(cls.d.endpoint)
        cls.P = H.pb()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()

    def call(self, method, req):
        h, body = self.c.call(method, req)
        self.assertEqual(h.code, 0, h.message)
        return body

    def test_every_setting_differs_from_its_default(self):
        got = dict(H.psql(self.db, "SELECT key, value FROM framework_setting"))
        self.assertEqual(set(got), set(O.DEFAULTS))
        for k, v in O.DEFAULTS.items():
            self.assertNotEqual(got[k], v, k)

    def test_readiness_of_everyone_for_every_role(self):
        want = O.requirements(self.db, self.s)
        emps = sorted({k[0] for k in want})
        roles = sorted({k[1] for k in want})
        body = self.call("Readiness", self.P.ReadinessRequest(employee_ids=emps, role_keys=roles))
        self.assertEqual(len(body.results), len(emps) * len(roles))
        for res in body.results:
            sc = O.Score(want[(res.employee_id, res.role_key)], self.s)
            key = (res.employee_id, res.role_key)
            self.assertEqual(res.readiness, sc.readiness, key)
            self.assertEqual((res.met, res.required), (sc.met, sc.required), key)
            self.assertEqual(list(res.blockers), sc.blockers, key)
            self.assertEqual(self.P.Band.Name(res.band), sc.band, (key, sc.exact))

    def test_each_scoring_setting_changes_some_answer(self):
        """The controls: with a default in place of each changed setting,
        the oracle would have given other answers on this data."""
        want = O.requirements(self.db, self.s)
        for key in ("band_ready_now", "band_ready_soon", "band_developing",
                    "readiness_mode", "trusted_sources", "assessment_valid_days"):
            with self.subTest(setting=key):
                raw = dict(self.s.raw)
                raw[key] = O.DEFAULTS[key]
                other = O.Settings(raw)
                alt = O.requirements(self.db, other) if key in (
                    "trusted_sources", "assessment_valid_days") else want
                differs = sum(
                    (O.Score(alt[k], other).readiness, O.Score(alt[k], other).band) !=
                    (O.Score(want[k], self.s).readiness, O.Score(want[k], self.s).band)
                    for k in want)
                self.assertGreater(differs, 0, "%s makes no difference here" % key)

    def test_gap_uses_the_trusted_unexpired_levels(self):
        want = O.requirements(self.db, self.s)
        pairs = sorted(want, key=lambda k: hash(k) % 1000)[:40]
        for e, r in pairs:
            body = self.call("Gap", self.P.GapRequest(employee_id=e, role_key=r))
            reqs = sorted(want[(e, r)], key=lambda q: q[0].encode())
            got = [(g.competency_key, g.required, g.current, g.deficit, g.must_have)
                   for g in body.gaps]
            self.assertEqual(got, [(c, L, cur, max(0, L - cur), must)
                                   for c, L, _, cur, must in reqs], (e, r))

    def test_mentors_qualify_from_mentor_min_level(self):
        learner, role = "E1001", "ops-mgr-3"
        want = O.requirements(self.db, self.s, "e.active OR e.external_id = '%s'" % learner)
        needs = [(c, L) for c, L, _, cur, _ in want[(learner, role)] if cur < L]
        self.assertTrue(needs)
        cur = {}
        for (e, r), reqs in O.requirements(self.db, self.s, "e.active").items():
            for c, _, _, lvl, _ in reqs:
                cur.setdefault(e, {})[c] = lvl
        held = dict(H.psql(self.db, "SELECT e.external_id, r.key FROM employee e "
                                    "JOIN role r ON r.id = e.role_id"))
        cands = []
        for e, lv in cur.items():
            if e == learner:
                continue
            covers = sorted((c, L, lv.get(c, 0)) for c, L in needs
                            if lv.get(c, 0) >= max(L, self.s.mentor_min_level))
            if covers:
                cands.append((-max(x[2] for x in covers), -len(covers), e.encode(), e, covers))
        cands.sort()
        body = self.call("Mentors", self.P.MentorsRequest(employee_id=learner, role_key=role,
                                                          limit=50))
        got = [(m.employee_id, m.role_key, sorted((g.competency_key, g.from_level, g.to_level)
                                                  for g in m.covers)) for m in body.mentors]
        self.assertEqual(got, [(c[3], held[c[3]], c[4]) for c in cands[:50]])
        # the control: some mentor qualifies only below the default level
        self.assertTrue(any(x[2] < int(O.DEFAULTS["mentor_min_level"])
                            for c in cands for x in c[4]), "mentor_min_level untested")

    def test_one_step_moves_cost_growth_plus_the_step_penalty(self):
        roles = [r[0] for r in H.psql(self.db, "SELECT key FROM role ORDER BY key")]
        edges = O.edges(self.db, self.s)
        kinds = {v[0] for v in edges.values()}
        self.assertIn("LATERAL", kinds | {"TRACK_SWITCH"})
        checked = 0
        for origin in roles:
            want = O.edge_costs(self.db, self.s, origin)
            body = self.call("Explore", self.P.ExploreRequest(from_role=origin, max_steps=1,
                                                              limit=1000))
            got = {r.role_key: r.cost for r in body.roles if r.role_key != origin}
            self.assertEqual(sorted(got), sorted(want), origin)
            for k, cost in want.items():
                self.assertAlmostEqual(got[k], float(cost), places=9, msg=(origin, k))
            checked += len(want)
        self.assertGreater(checked, 0)
        # the controls: inferred lateral moves exist here, and promotions
        # would add moves were they inferred
        self.assertTrue(any(v[0] in ("LATERAL", "TRACK_SWITCH") and
                            (f, t) not in O.edges(self.db, O.Settings({}))
                            for (f, t), v in edges.items()))


if __name__ == "__main__":
    H.main()
