"""Pipeline and Bench's successors_only on the demo organization, over real
sockets, against SQL written independently here from docs/scoring.md
("Succession, pipeline, history") and the exact-rational scorer of
oracle.py; and `pathwaysctl pipeline` (its table and its SVG)."""
import json
import os
import sys
import tempfile
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import oracle as O  # noqa: E402

BANDS = ("NOT_READY", "DEVELOPING", "READY_SOON", "READY_NOW")


class Demo:
    """The demo read straight from its tables."""

    def __init__(self, db):
        self.s = O.settings(db)
        self.roles = {k: (t, a, int(g)) for k, t, a, g in H.psql(db, """
            SELECT r.key, t.key, coalesce(a.key, ''), r.grade FROM role r
            JOIN track t ON t.id = r.track_id
            LEFT JOIN functional_area a ON a.id = r.area_id""")}
        # active employees: (id, current role, employment_type or "")
        self.active = [(e, r, kind) for e, r, kind in H.psql(db, """
            SELECT e.external_id, r.key, coalesce(e.attributes ->> 'employment_type', '')
            FROM employee e JOIN role r ON r.id = e.role_id WHERE e.active""")]
        self.reqs = O.requirements(db, self.s, "e.active")
        self.levels = {}
        for e, comp, lv in H.psql(db, O.current_cte(self.s) + """
                SELECT e.external_id, co.key, c.level FROM cur c
                JOIN employee e ON e.id = c.employee_id
                JOIN competency co ON co.id = c.competency_id WHERE e.active"""):
            self.levels[(e, comp)] = int(lv)
        self.required = {}
        for role, comp, lv in H.psql(db, """
                SELECT r.key, co.key, rr.level FROM role_requirement rr
                JOIN role r ON r.id = rr.role_id JOIN competency co ON co.id = rr.competency_id"""):
            self.required.setdefault(role, []).append((comp, int(lv)))

    def considered(self, role, successors):
        """Whom Bench considers for role: active, not holding it and, for
        successors, whose current role's grade is at most its grade."""
        g = self.roles[role][2]
        return [x for x in self.active
                if x[1] != role and (not successors or self.roles[x[1]][2] <= g)]

    def bench(self, role, successors):
        """(considered, {band: count}, {employment_type: {band: count}})."""
        counts, per = {}, {}
        people = self.considered(role, successors)
        for e, _, kind in people:
            sc = O.Score(self.reqs.get((e, role), []), self.s)
            counts[sc.band] = counts.get(sc.band, 0) + 1
            per.setdefault(kind, {})
            per[kind][sc.band] = per[kind].get(sc.band, 0) + 1
        return len(people), counts, per

    def scarce(self, roles):
        """{competency: (level, holders)} with at most one holder."""
        need = {}
        for r in roles:
            for comp, lv in self.required.get(r, []):
                need[comp] = max(need.get(comp, 0), lv)
        out = {}
        for comp, lv in need.items():
            holders = sum(1 for e, _, _ in self.active if self.levels.get((e, comp), 0) >= lv)
            if holders <= 1:
                out[comp] = (lv, holders)
        return out


def band_dict(P, bands):
    return {P.Band.Name(b.band): b.count for b in bands if b.count}


class Pipeline(H.DemoDaemonCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.demo = Demo(cls.db)

    def call(self, method, req):
        h, body = self.c.call(method, req)
        self.assertEqual(h.code, 0, h.message)
        return body

    def check(self, body, selected, include_all, min_ready=2, by=True):
        P, demo = self.P, self.demo
        self.assertEqual([r.role_key for r in body.roles],
                         sorted(selected, key=lambda k: k.encode()))
        thin = 0
        for rb in body.roles:
            n, counts, per = demo.bench(rb.role_key, not include_all)
            self.assertEqual(rb.considered, n, rb.role_key)
            self.assertEqual([P.Band.Name(b.band) for b in rb.bands], list(BANDS))
            self.assertEqual(band_dict(P, rb.bands), counts, rb.role_key)
            ready = counts.get("READY_NOW", 0) + counts.get("READY_SOON", 0)
            self.assertEqual(rb.ready, ready, rb.role_key)
            self.assertEqual(rb.thin, ready < min_ready, rb.role_key)
            thin += ready < min_ready
            if not by:
                self.assertEqual(len(rb.breakdown), 0)
                continue
            self.assertEqual([row.value for row in rb.breakdown],
                             sorted(per, key=lambda k: k.encode()))
            for row in rb.breakdown:
                self.assertEqual(band_dict(P, row.bands), per[row.value],
                                 (rb.role_key, row.value))
        self.assertEqual(body.thin_roles, thin)
        want = demo.scarce(selected)
        self.assertEqual([s.competency_key for s in body.scarce],
                         sorted(want, key=lambda k: k.encode()))
        for s in body.scarce:
            self.assertEqual((s.level, s.holders), want[s.competency_key])

    def test_every_role_successors_and_everyone_like_sql(self):
        for include_all in (False, True):
            body = self.call("Pipeline", self.P.PipelineRequest(
                include_all=include_all, breakdown_attribute="employment_type"))
            self.assertEqual(len(body.roles), len(self.demo.roles))
            self.check(body, list(self.demo.roles), include_all)

    def test_each_role_equals_bench(self):
        for succ in (False, True):
            body = self.call("Pipeline", self.P.PipelineRequest(include_all=not succ))
            for rb in body.roles:
                b = self.call("Bench", self.P.BenchRequest(role_key=rb.role_key,
                                                           successors_only=succ))
                self.assertEqual(rb.considered, b.considered, rb.role_key)
                self.assertEqual(list(rb.bands), list(b.bands), rb.role_key)

    def test_a_selection_by_track_area_and_grade(self):
        tracks = sorted({t for t, _, _ in self.demo.roles.values()})
        areas = sorted({a for _, a, _ in self.demo.roles.values() if a})
        for track, area, lo, hi in ((tracks[0], "", 0, 0), ("", areas[0], 2, 4),
                                    (tracks[-1], areas[-1], 3, 0), ("", "", 4, 4)):
            body = self.call("Pipeline", self.P.PipelineRequest(
                track=track, area=area, min_grade=lo, max_grade=hi, min_ready=3))
            selected = [k for k, (t, a, g) in self.demo.roles.items()
                        if (not track or t == track) and (not area or a == area)
                        and g >= lo and (not hi or g <= hi)]
            self.assertTrue(selected, (track, area, lo, hi))
            self.check(body, selected, False, min_ready=3, by=False)

    def test_errors_and_an_empty_selection(self):
        for req, code, named in ((self.P.PipelineRequest(track="no-such-track"), 5,
                                  "no-such-track"),
                                 (self.P.PipelineRequest(area="no-such-area"), 5,
                                  "no-such-area"),
                                 (self.P.PipelineRequest(min_grade=4, max_grade=3), 3, None)):
            h, _ = self.c.call("Pipeline", req)
            self.assertEqual(h.code, code, h.message)
            if named:
                self.assertIn(named, h.message)
        body = self.call("Pipeline", self.P.PipelineRequest(min_grade=999))
        self.assertEqual((len(body.roles), len(body.scarce), body.thin_roles), (0, 0, 0))

    def test_bench_successors_only_never_lists_anyone_above_the_grade(self):
        for role, (_, _, grade) in sorted(self.demo.roles.items()):
            b = self.call("Bench", self.P.BenchRequest(role_key=role, limit=1000,
                                                       successors_only=True))
            n, counts, _ = self.demo.bench(role, True)
            self.assertEqual(b.considered, n, role)
            self.assertEqual(band_dict(self.P, b.bands), counts, role)
            for c in b.candidates:
                self.assertLessEqual(self.demo.roles[c.current_role][2], grade,
                                     (role, c.employee_id))
        # the demo's VP tops the manager bench two grades below them
        # unless only successors count
        everyone = self.call("Bench", self.P.BenchRequest(role_key="ops-mgr-4"))
        self.assertIn("E1006", [c.employee_id for c in everyone.candidates])
        succ = self.call("Bench", self.P.BenchRequest(role_key="ops-mgr-4",
                                                      successors_only=True))
        self.assertNotIn("E1006", [c.employee_id for c in succ.candidates])

    def test_the_cli_table_and_svg(self):
        got = H.ctl("--json", "pipeline", "--all", endpoint=self.d.endpoint)
        j = json.loads(got.stdout)
        body = self.call("Pipeline", self.P.PipelineRequest(include_all=True))
        self.assertEqual([(r["role_key"], r["ready"]) for r in j["roles"]],
                         [(r.role_key, r.ready) for r in body.roles])
        r = H.ctl("pipeline", "--grade", "2-4", endpoint=self.d.endpoint)
        body = self.call("Pipeline", self.P.PipelineRequest(min_grade=2, max_grade=4))
        lines = r.stdout.splitlines()
        rows = [ln.split()[0] for ln in lines[1:1 + len(body.roles)]]
        thin = sorted((rb.role_key for rb in body.roles if rb.thin), key=str.encode)
        rest = sorted((rb.role_key for rb in body.roles if not rb.thin), key=str.encode)
        self.assertEqual(rows, thin + rest)
        self.assertIn("%d of %d roles thin" % (body.thin_roles, len(body.roles)), r.stdout)
        with tempfile.TemporaryDirectory() as d:
            path = os.path.join(d, "p.svg")
            H.ctl("pipeline", "--svg", path, endpoint=self.d.endpoint)
            root = ET.parse(path).getroot()
            self.assertTrue(root.tag.endswith("svg"))
            ns = "{http://www.w3.org/2000/svg}"
            titles = [t.text for t in root.iter(ns + "title")]
            body = self.call("Pipeline", self.P.PipelineRequest())
            self.assertEqual(len(titles), len(body.roles))
            for rb in body.roles:
                want = "%s: %d ready of %d considered%s" % (
                    rb.role_key, rb.ready, rb.considered, " (thin)" if rb.thin else "")
                self.assertIn(want, titles)
        bad = H.ctl("pipeline", "--grade", "5-2", endpoint=self.d.endpoint, check=False)
        self.assertEqual(bad.returncode, 2)


if __name__ == "__main__":
    H.main()
