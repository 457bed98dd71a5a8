"""Bench, Mentors and RecommendModules over real sockets on the demo
organization, checked against SQL written independently here."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import oracle as O  # noqa: E402


def bench_rows(db, s, role):
    """(employee, current role, exact readiness, blockers, employment
    type) of everyone Bench considers for role (oracle.py)."""
    who = H.psql(db, """SELECT e.external_id, cr.key, coalesce(e.attributes ->> 'employment_type', '')
        FROM employee e JOIN role cr ON cr.id = e.role_id
        WHERE e.active AND cr.key <> '%s'""" % role)
    reqs = O.requirements(db, s, "r.key = '%s'" % role)
    out = []
    for e, cur, kind in who:
        sc = O.Score(reqs.get((e, role), []), s)
        out.append((e, cur, sc.exact, len(sc.blockers), kind))
    return out


class Development(H.DemoDaemonCase):
    def test_bench_ranks_and_counts_like_sql(self):
        for role in ("ops-mgr-4", "fin-ic-3", "mkt-ic-2"):
            s = O.settings(self.db)
            rows = bench_rows(self.db, s, role)
            ranked = sorted(rows, key=lambda r: (-r[2], r[3], r[0].encode()))
            h, body = self.c.call("Bench", self.P.BenchRequest(role_key=role, limit=20,
                                                               breakdown_attribute="employment_type"))
            self.assertEqual(h.code, 0, h.message)
            self.assertEqual(body.considered, len(rows))
            got = [(c.employee_id, c.current_role, c.readiness, c.blockers) for c in body.candidates]
            want = [(r[0], r[1], H.round1(r[2]), r[3]) for r in ranked[:20]]
            self.assertEqual(got, want, role)
            counts = {}
            per_value = {}
            for r in rows:
                b = O.band(r[2], r[3], s)
                counts[b] = counts.get(b, 0) + 1
                per_value.setdefault(r[4], {})
                per_value[r[4]][b] = per_value[r[4]].get(b, 0) + 1
            self.assertEqual({self.P.Band.Name(b.band): b.count for b in body.bands if b.count}, counts)
            self.assertEqual([row.value for row in body.breakdown], sorted(per_value))
            for row in body.breakdown:
                self.assertEqual({self.P.Band.Name(b.band): b.count for b in row.bands if b.count},
                                 per_value[row.value])
            # min_readiness: exactly the ranked candidates at or above it
            # (the threshold lies between two readiness values, 0.2 apart
            # or more, so float noise cannot decide), and it cuts some
            cut = next(i for i in range(1, len(ranked))
                       if ranked[i - 1][2] - ranked[i][2] >= 0.2)
            threshold = (ranked[cut - 1][2] + ranked[cut][2]) / 2
            h, body2 = self.c.call("Bench", self.P.BenchRequest(role_key=role, limit=1000,
                                                                min_readiness=threshold))
            self.assertEqual([c.employee_id for c in body2.candidates],
                             [r[0] for r in ranked[:cut]])
            self.assertEqual(body2.considered, len(rows))

    def test_mentors_like_sql(self):
        learner, role = "E1001", "ops-mgr-3"
        s = O.settings(self.db)
        CURRENT = O.current_cte(s)
        needs = H.psql(self.db, CURRENT + """
            SELECT co.key, rr.level FROM role_requirement rr JOIN role r ON r.id = rr.role_id
            JOIN competency co ON co.id = rr.competency_id JOIN employee e ON e.external_id = '%s'
            LEFT JOIN cur c ON c.employee_id = e.id AND c.competency_id = rr.competency_id
            WHERE r.key = '%s' AND coalesce(c.level, 0) < rr.level""" % (learner, role))
        self.assertTrue(needs)
        levels = H.psql(self.db, CURRENT + """
            SELECT e.external_id, r.key, co.key, c.level FROM cur c JOIN employee e ON e.id = c.employee_id
            JOIN role r ON r.id = e.role_id JOIN competency co ON co.id = c.competency_id
            WHERE e.active AND e.external_id <> '%s'""" % learner)
        by_emp = {}
        for emp, r, comp, lv in levels:
            by_emp.setdefault((emp, r), {})[comp] = int(lv)
        cands = []
        for (emp, r), lv in by_emp.items():
            covers = [(comp, int(req), lv[comp]) for comp, req in needs
                      if lv.get(comp, 0) >= max(int(req), s.mentor_min_level)]
            if covers:
                cands.append((-max(c[2] for c in covers), -len(covers), emp.encode(), emp, r,
                              sorted(covers)))
        cands.sort()
        h, body = self.c.call("Mentors", self.P.MentorsRequest(employee_id=learner, role_key=role, limit=50))
        self.assertEqual(h.code, 0, h.message)
        got = [(m.employee_id, m.role_key, sorted((g.competency_key, g.from_level, g.to_level) for g in m.covers))
               for m in body.mentors]
        self.assertEqual(got, [(c[3], c[4], c[5]) for c in cands[:50]])
        self.assertNotIn(learner, [m.employee_id for m in body.mentors])

    def test_a_learning_pathway_closes_what_it_says(self):
        P = self.P
        pairs = H.psql(self.db, "SELECT e.external_id, r.key FROM employee e, role r "
                       "ORDER BY md5(e.external_id || r.key) LIMIT 30")
        checked = 0
        hours = {r[0]: float(r[1]) for r in H.psql(self.db, "SELECT key, hours FROM module")}
        prereq = {}
        for m, q in H.psql(self.db, """SELECT m.key, q.key FROM module_prereq p
                JOIN module m ON m.id = p.module_id JOIN module q ON q.id = p.requires_id"""):
            prereq.setdefault(m, set()).add(q)
        completed = {}
        for e, m in H.psql(self.db, """SELECT e.external_id, m.key FROM module_completion mc
                JOIN module m ON m.id = mc.module_id JOIN employee e ON e.id = mc.employee_id"""):
            completed.setdefault(e, set()).add(m)
        for emp, role in pairs:
            h, body = self.c.call("RecommendModules", P.RecommendModulesRequest(employee_id=emp, role_key=role))
            self.assertEqual(h.code, 0, h.message)
            h, gap = self.c.call("Gap", P.GapRequest(employee_id=emp, role_key=role))
            needs = {g.competency_key: g for g in gap.gaps if not g.met}
            done = completed.get(emp, set())
            level = {k: g.current for k, g in needs.items()}
            total = 0.0
            taken = set()
            for step in body.modules:
                self.assertNotIn(step.module_key, done, "a completed module was offered")
                self.assertNotIn(step.module_key, taken, "a module offered twice")
                taken.add(step.module_key)
                total += hours[step.module_key]
                self.assertAlmostEqual(step.cumulative_hours, total, places=6)
                prereqs = prereq.get(step.module_key, set())
                self.assertTrue(prereqs <= taken | done, "%s before its prerequisites" % step.module_key)
                for gain in step.closes:
                    self.assertIn(gain.competency_key, needs)
                    self.assertEqual(gain.from_level, level[gain.competency_key])
                    self.assertGreater(gain.to_level, gain.from_level)
                    level[gain.competency_key] = gain.to_level
            self.assertAlmostEqual(body.total_hours, total, places=6)
            self.assertAlmostEqual(gap.estimated_hours, total, places=6)
            uncovered = sorted(k for k, g in needs.items() if level[k] < g.required)
            self.assertEqual(sorted(u.competency_key for u in body.uncovered), uncovered)
            checked += bool(body.modules)
        self.assertGreater(checked, 5)

    def test_a_budget_is_honoured(self):
        P = self.P
        h, full = self.c.call("RecommendModules", P.RecommendModulesRequest(employee_id="E1005", role_key="fin-ic-3"))
        self.assertGreater(len(full.modules), 1)
        budget = full.modules[0].cumulative_hours
        h, cut = self.c.call("RecommendModules", P.RecommendModulesRequest(
            employee_id="E1005", role_key="fin-ic-3", max_hours=budget))
        self.assertLessEqual(cut.total_hours, budget)
        self.assertLess(len(cut.modules), len(full.modules))
        h, _ = self.c.call("RecommendModules", P.RecommendModulesRequest(
            employee_id="E1005", role_key="fin-ic-3", max_hours=-1))
        self.assertEqual(h.code, 3)


if __name__ == "__main__":
    H.main()
