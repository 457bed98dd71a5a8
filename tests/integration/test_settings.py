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


class ChangedSettings(H.DemoDaemonCase):
    @classmethod
    def prepare(cls, db):
        H.ctl("import", FIXTURE, db=db)
        # expiry: a whole number of days that puts the cutoff (now - days)
        # between two of the demo's middle assessment times, an hour or more
        # from each, so that some current levels expire, some do not, and
        # none is near the edge while the test runs
        now = datetime.datetime.now(datetime.timezone.utc)
        times = sorted({datetime.datetime.fromisoformat(r[0]) for r in H.psql(
            db, "SELECT DISTINCT to_char(assessed_at AT TIME ZONE 'UTC', "
                "'YYYY-MM-DD\"T\"HH24:MI:SS+00:00') FROM assessment")})
        mid = times[len(times) // 4: 3 * len(times) // 4 + 1]
        hour, day = datetime.timedelta(hours=1), datetime.timedelta(days=1)
        days = None
        for a, b in zip(mid, mid[1:]):
            n = (now - a - hour) // day
            if a + hour <= now - n * day <= b - hour:
                days = n
                break
        assert days, "no gap in the demo's assessment times for an expiry cutoff"
        H.psql(db, "UPDATE framework_setting SET value = '%d' "
                   "WHERE key = 'assessment_valid_days'" % days)
        cls.s = O.settings(db)

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
        O.check_readiness(self, self.c, self.db)

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
