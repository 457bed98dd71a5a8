"""pathwaysctl end to end: the real CLI against the real daemon and the demo
bundle in a real PostgreSQL.

1. Interoperability: `pathwaysctl --json` (our C client) and the pure-Python
   ZeroMQ + protobuf client give the very same answers, field by field.
2. Every command against the demo, its human form and its --json form; the
   DOT of map and path --dot rendered by Graphviz into SVG that names every
   role; stats --prometheus parsed as the Prometheus text format.
3. Exit statuses: 2 for usage errors (nothing sent), 3 for the daemon's
   errors (message on stderr) and for no reply within the timeout; audit 1
   when the framework has findings.
"""
import json
import os
import re
import shutil
import subprocess
import sys
import time
import unittest
import xml.etree.ElementTree as ET

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
from google.protobuf import json_format  # noqa: E402

SVG_NS = "{http://www.w3.org/2000/svg}"

# A line of the Prometheus text format (0.0.4): comments, then samples
# name{label="value",...} value.
PROM_NAME = r"[a-zA-Z_:][a-zA-Z0-9_:]*"
PROM_HELP = re.compile(r"^# HELP (%s) (.*)$" % PROM_NAME)
PROM_TYPE = re.compile(r"^# TYPE (%s) (counter|gauge|summary|histogram|untyped)$" % PROM_NAME)
PROM_SAMPLE = re.compile(r"^(%s)(\{(.*)\})? (\S+)$" % PROM_NAME)
PROM_LABEL = re.compile(r'([a-zA-Z_][a-zA-Z0-9_]*)="((?:[^"\\\n]|\\[\\"n])*)"(,|$)')


def parse_prometheus(text):
    """{(name, frozenset(labels)): value}, checking the format strictly:
    every sample after its family's TYPE line, one TYPE and HELP per
    family, families not interleaved, a final newline."""
    assert text.endswith("\n"), "no final newline"
    samples, typed, helped, done = {}, {}, set(), set()
    current = None
    for line in text[:-1].split("\n"):
        m = PROM_HELP.match(line)
        if m:
            assert m.group(1) not in helped, "second HELP for " + m.group(1)
            helped.add(m.group(1))
            continue
        m = PROM_TYPE.match(line)
        if m:
            name = m.group(1)
            assert name not in typed, "second TYPE for " + name
            typed[name] = m.group(2)
            if current:
                done.add(current)
            current = name
            continue
        assert not line.startswith("#"), "stray comment: " + line
        m = PROM_SAMPLE.match(line)
        assert m, "not a sample line: %r" % line
        name = m.group(1)
        assert name == current and name not in done, "sample outside its family: " + line
        labels = {}
        body = m.group(3) or ""
        pos = 0
        while pos < len(body):
            lm = PROM_LABEL.match(body, pos)
            assert lm, "bad labels: " + line
            labels[lm.group(1)] = lm.group(2)
            pos = lm.end()
        value = float(m.group(4))  # also accepts NaN, +Inf
        key = (name, frozenset(labels.items()))
        assert key not in samples, "duplicate sample: " + line
        samples[key] = value
    assert set(typed) == helped, "TYPE without HELP or the reverse"
    return samples, typed


def normalize(d):
    """MessageToDict writes 64-bit integers as strings; ctl_json as numbers."""
    if isinstance(d, dict):
        return {k: normalize(v) for k, v in d.items()}
    if isinstance(d, list):
        return [normalize(v) for v in d]
    if isinstance(d, str) and re.fullmatch(r"-?[0-9]+", d):
        return int(d)
    return d


def svg_texts(svg):
    """Every text of an SVG document (parsed strictly as XML)."""
    root = ET.fromstring(svg)
    assert root.tag == SVG_NS + "svg", root.tag
    return ["".join(t.itertext()) for t in root.iter(SVG_NS + "text")]


def render_svg(dot_text):
    r = subprocess.run(["dot", "-Tsvg"], input=dot_text, capture_output=True,
                       text=True, timeout=60)
    assert r.returncode == 0, "dot failed:\n%s\n%s" % (r.stderr, dot_text)
    assert "Warning" not in r.stderr and "Error" not in r.stderr, r.stderr
    return r.stdout


class Cli:
    """pathwaysctl against one daemon; every run is checked for sanitizer
    reports."""

    def __init__(self, endpoint):
        self.endpoint = endpoint

    def run(self, *args, endpoint=None, expect=0, timeout=120):
        r = H.ctl(*args, endpoint=endpoint or self.endpoint, check=False,
                  timeout=timeout)
        for mark in H.SANITIZER_MARKS:
            assert mark not in r.stderr, "sanitizer report from pathwaysctl:\n" + r.stderr
        if expect is not None and r.returncode != expect:
            raise AssertionError("pathwaysctl %s exited %d, not %d\nstdout: %s\nstderr: %s" %
                                 (" ".join(args), r.returncode, expect, r.stdout, r.stderr))
        return r

    def json(self, *args, expect=0):
        return json.loads(self.run("--json", *args, expect=expect).stdout)


class Demo(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.d = H.Daemon(cls.db)
        cls.c = H.Client(cls.d.endpoint)
        cls.P = H.pb()
        cls.cli = Cli(cls.d.endpoint)
        cls.roles = [r[0] for r in H.psql(cls.db, "SELECT key FROM role ORDER BY key")]
        cls.employees = [r[0] for r in H.psql(
            cls.db, "SELECT external_id FROM employee WHERE active ORDER BY external_id")]

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()

    def call(self, method, req):
        h, body = self.c.call(method, req)
        self.assertEqual(h.code, 0, h.message)
        return body

    def assert_same(self, cli_json, body):
        """The CLI's JSON is the Python client's message, field by field."""
        # Parsing back checks every name and enum against the .proto ...
        parsed = json_format.ParseDict(cli_json, type(body)())
        self.assertEqual(parsed, body)
        # ... and the dict view compares every field, defaults included.
        want = normalize(json_format.MessageToDict(
            body, including_default_value_fields=True,
            preserving_proto_field_name=True))
        self.assertEqual(cli_json, want)

    def employee_role(self, emp):
        return H.psql(self.db, "SELECT r.key FROM employee e JOIN role r ON r.id = e.role_id "
                      "WHERE e.external_id = '%s'" % emp)[0][0]

    # ---- 1. interoperability ----

    def test_readiness_json_equals_python_client(self):
        emps = self.employees[:4] + self.employees[-3:]
        roles = ["ops-ic-3", "ops-mgr-4", "fin-ic-2", "mkt-mgr-6"]
        args = ["readiness"] + emps
        for r in roles:
            args += ["--role", r]
        got = self.cli.json(*args)
        body = self.call("Readiness", self.P.ReadinessRequest(employee_ids=emps, role_keys=roles))
        self.assertEqual(len(body.results), len(emps) * len(roles))
        self.assert_same(got, body)
        # No roles: the roles one move away; with estimates.
        got = self.cli.json("readiness", "--estimates", *emps[:3])
        body = self.call("Readiness", self.P.ReadinessRequest(employee_ids=emps[:3],
                                                              with_estimates=True))
        self.assertTrue(any(r.estimated_hours > 0 for r in body.results))
        self.assert_same(got, body)
        # Unknown ids skipped: error strings agree too.
        got = self.cli.json("readiness", "--skip-unknown", emps[0], "NOPE-1", "--role",
                            "ops-ic-3", "--role", "nope-role")
        body = self.call("Readiness", self.P.ReadinessRequest(
            employee_ids=[emps[0], "NOPE-1"], role_keys=["ops-ic-3", "nope-role"],
            skip_unknown=True))
        self.assertTrue(any(r.error for r in body.results))
        self.assert_same(got, body)

    def test_gap_json_equals_python_client(self):
        pairs = [(self.employees[i], self.roles[(7 * i) % len(self.roles)])
                 for i in range(0, len(self.employees), 9)]
        self.assertGreaterEqual(len(pairs), 5)
        for emp, role in pairs:
            with self.subTest(employee=emp, role=role):
                got = self.cli.json("gap", emp, role)
                body = self.call("Gap", self.P.GapRequest(employee_id=emp, role_key=role))
                self.assertTrue(body.gaps)
                self.assert_same(got, body)

    # ---- 2. every command ----

    def track_switch_pair(self):
        rows = H.psql(self.db, """
            SELECT f.key, t.key FROM role_move m
            JOIN role f ON f.id = m.from_role_id JOIN track ft ON ft.id = f.track_id
            JOIN role t ON t.id = m.to_role_id JOIN track tt ON tt.id = t.track_id
            WHERE m.kind = 'track_switch' AND ft.kind = 'ic' AND tt.kind = 'management'
              AND f.grade = t.grade ORDER BY f.key, t.key LIMIT 1""")
        self.assertTrue(rows, "the demo has no IC -> management track switch")
        return rows[0]

    def test_path_dual_ladder_switch_shows_a_track_switch_step(self):
        ic, mgr = self.track_switch_pair()
        r = self.cli.run("path", "--from-role", ic, "--to", mgr)
        lines = r.stdout.splitlines()
        self.assertRegex(lines[0], r"^route 1: cost [0-9.]+, ~[0-9]+ months?, 1 step$")
        self.assertRegex(lines[1], r"^  %s ──track_switch──▶ %s   cost [0-9.]+  ~[0-9]+ months?"
                         % (re.escape(ic), re.escape(mgr)))
        got = self.cli.json("path", "--from-role", ic, "--to", mgr)
        body = self.call("Path", self.P.PathRequest(from_role=ic, to_role=mgr))
        self.assert_same(got, body)
        self.assertEqual(got["routes"][0]["steps"][0]["kind"], "TRACK_SWITCH")

    def test_path_staircase_filters_and_no_route(self):
        ic, mgr = self.track_switch_pair()
        # From an IC role one grade lower, the switch is a step of a route.
        lower = H.psql(self.db, """
            SELECT l.key FROM role l JOIN role h ON h.track_id = l.track_id
              AND h.area_id IS NOT DISTINCT FROM l.area_id AND h.grade > l.grade
            WHERE h.key = '%s' ORDER BY l.grade DESC LIMIT 1""" % ic)[0][0]
        r = self.cli.run("path", "--from-role", lower, "--to", mgr, "--routes", "4")
        body = self.call("Path", self.P.PathRequest(from_role=lower, to_role=mgr, max_routes=4))
        self.assertEqual(r.stdout.count("\nroute ") + 1, len(body.routes))
        self.assertIn("──track_switch──▶", r.stdout)
        self.assertIn("grow: ", r.stdout)
        steps = [l for l in r.stdout.splitlines() if l.startswith("  ")]
        self.assertEqual(len(steps), sum(len(x.steps) for x in body.routes))
        # Filters reach the daemon: without track switches there is no
        # switch in any route; avoiding a role keeps it out.
        got = self.cli.json("path", "--from-role", lower, "--to", mgr,
                            "--kinds", "promotion,lateral", "--avoid", ic, "--routes", "5")
        body = self.call("Path", self.P.PathRequest(
            from_role=lower, to_role=mgr, max_routes=5,
            allowed_kinds=[self.P.PROMOTION, self.P.LATERAL], avoid_roles=[ic]))
        self.assert_same(got, body)
        for route in got["routes"]:
            for st in route["steps"]:
                self.assertNotEqual(st["kind"], "TRACK_SWITCH")
                self.assertNotEqual(st["to_role"], ic)
        # From an employee.
        emp = self.employees[0]
        got = self.cli.json("path", "--from-employee", emp, "--to", mgr, "--max-steps", "8")
        body = self.call("Path", self.P.PathRequest(from_employee=emp, to_role=mgr, max_steps=8))
        self.assert_same(got, body)
        # No route within one step.
        r = self.cli.run("path", "--from-role", lower, "--to", "mkt-mgr-6", "--max-steps", "1")
        self.assertEqual(r.stdout, "No route from %s to mkt-mgr-6 within 1 steps\n" % lower)

    def test_explore_from_role_and_employee(self):
        r = self.cli.run("explore", "--from-role", "ops-ic-1", "--max-steps", "2")
        self.assertEqual(r.stdout.splitlines()[0].split(), ["ROLE", "COST", "STEPS"])
        body = self.call("Explore", self.P.ExploreRequest(from_role="ops-ic-1", max_steps=2))
        self.assertEqual([l.split()[0] for l in r.stdout.splitlines()[1:]],
                         [x.role_key for x in body.roles])
        emp = self.employees[3]
        r = self.cli.run("explore", "--from-employee", emp, "--limit", "5", "--max-cost", "40")
        self.assertEqual(r.stdout.splitlines()[0].split(),
                         ["ROLE", "COST", "STEPS", "READINESS", "BAND"])
        got = self.cli.json("explore", "--from-employee", emp, "--limit", "5", "--max-cost", "40")
        body = self.call("Explore", self.P.ExploreRequest(from_employee=emp, limit=5, max_cost=40))
        self.assertTrue(body.roles)
        self.assert_same(got, body)
        for line, x in zip(r.stdout.splitlines()[1:], body.roles):
            cells = line.split()
            self.assertEqual(cells[0], x.role_key)
            self.assertEqual(float(cells[3]), x.readiness)
            self.assertEqual(cells[4], self.P.Band.Name(x.band))

    def test_modules_pathway_table(self):
        emp = "E1001"
        role = next(x.role_key for x in self.call("Explore", self.P.ExploreRequest(
            from_employee=emp, max_steps=1)).roles)
        body = self.call("RecommendModules", self.P.RecommendModulesRequest(
            employee_id=emp, role_key=role))
        self.assertTrue(body.modules, "E1001 needs no module for " + role)
        r = self.cli.run("modules", emp, role)
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["#", "MODULE", "TITLE", "HOURS", "CUMULATIVE",
                                            "CLOSES", "NOTE", "LMS"])
        rows = lines[1:1 + len(body.modules)]
        for i, (line, m) in enumerate(zip(rows, body.modules)):
            self.assertTrue(line.lstrip().startswith("%d  %s  " % (i + 1, m.module_key)), line)
            self.assertIn(m.title, line)
            self.assertTrue(line.endswith(m.lms_ref), line)
            for g in m.closes:
                self.assertIn("%s %d→%d" % (g.competency_key, g.from_level, g.to_level), line)
            self.assertEqual("(prerequisite)" in line, m.prerequisite)
        self.assertTrue(lines[-2].startswith("uncovered: "))
        self.assertEqual(lines[-1], "total: %g hours" % body.total_hours)
        self.assert_same(self.cli.json("modules", emp, role), body)
        # A budget reaches the daemon.
        got = self.cli.json("modules", emp, role, "--max-modules", "1", "--max-hours", "1000")
        self.assertLessEqual(len(got["modules"]), 1)
        self.assert_same(got, self.call("RecommendModules", self.P.RecommendModulesRequest(
            employee_id=emp, role_key=role, max_modules=1, max_hours=1000)))

    def test_mentors_by_role_and_by_competency(self):
        emp = "E1001"
        for opt, req in (("--role", dict(role_key="ops-ic-4")),
                         ("--competency", dict(competency_key="communication"))):
            with self.subTest(target=opt):
                value = list(req.values())[0]
                body = self.call("Mentors", self.P.MentorsRequest(employee_id=emp, limit=4, **req))
                self.assertTrue(body.mentors)
                r = self.cli.run("mentors", emp, opt, value, "--limit", "4")
                lines = r.stdout.splitlines()
                self.assertEqual(lines[0].split(), ["EMPLOYEE", "ROLE", "COVERS"])
                self.assertEqual(len(lines) - 1, len(body.mentors))
                for line, m in zip(lines[1:], body.mentors):
                    self.assertEqual(line.split()[:2], [m.employee_id, m.role_key])
                    self.assertTrue(line.endswith(", ".join(
                        "%s %d→%d" % (g.competency_key, g.from_level, g.to_level)
                        for g in m.covers)), line)
                self.assert_same(self.cli.json("mentors", emp, opt, value, "--limit", "4"), body)

    def test_bench_by_employment_type_adds_up(self):
        role = "ops-ic-4"
        got = self.cli.json("bench", role, "--by", "employment_type", "--limit", "5")
        body = self.call("Bench", self.P.BenchRequest(role_key=role, limit=5,
                                                      breakdown_attribute="employment_type"))
        self.assert_same(got, body)
        considered = got["considered"]
        self.assertGreater(considered, 0)
        self.assertEqual(sum(b["count"] for b in got["bands"]), considered)
        self.assertEqual(sum(b["count"] for row in got["breakdown"] for b in row["bands"]),
                         considered)
        self.assertEqual(considered, int(H.psql(self.db, """
            SELECT count(*) FROM employee e JOIN role r ON r.id = e.role_id
            WHERE e.active AND r.key <> '%s'""" % role)[0][0]))
        r = self.cli.run("bench", role, "--by", "employment_type", "--limit", "5")
        lines = r.stdout.splitlines()
        self.assertEqual(lines[0].split(), ["RANK", "EMPLOYEE", "CURRENT", "ROLE", "READINESS",
                                            "BAND", "BLOCKERS"])
        for i, c in enumerate(body.candidates):
            cells = lines[1 + i].split()
            self.assertEqual(cells[:3], [str(i + 1), c.employee_id, c.current_role])
        self.assertIn("%d considered" % considered, lines)
        head = next(i for i, l in enumerate(lines) if l.startswith("employment_type "))
        self.assertEqual(lines[head].split()[-1], "TOTAL")
        totals = [int(l.split()[-1]) for l in lines[head + 1:]]
        self.assertEqual(len(totals), len(body.breakdown))
        self.assertEqual(sum(totals), considered)
        # --min-readiness filters candidates only: a threshold between two
        # readiness values (0.2 or more apart, so rounding cannot cross it)
        # keeps exactly the candidates ranked above it, and some are cut
        full = self.call("Bench", self.P.BenchRequest(role_key=role, limit=1000)).candidates
        cut = next(i for i in range(1, len(full))
                   if full[i - 1].readiness - full[i].readiness >= 0.2)
        threshold = (full[cut - 1].readiness + full[cut].readiness) / 2
        got = self.cli.json("bench", role, "--min-readiness", "%.2f" % threshold,
                            "--limit", "1000")
        self.assertEqual([c["employee_id"] for c in got["candidates"]],
                         [c.employee_id for c in full[:cut]])
        self.assertEqual(got["considered"], considered)

    def test_audit_of_the_demo_is_clean(self):
        r = self.cli.run("audit", expect=None)
        if r.returncode != 0:
            print("\nthe demo does not audit clean:\n" + r.stdout, file=sys.stderr)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stdout, "no findings\n")
        self.assertEqual(self.cli.json("audit"), {"findings": []})

    def test_placement_per_track(self):
        for emp in ("E1001", self.employees[-1]):
            with self.subTest(employee=emp):
                body = self.call("Placement", self.P.PlacementRequest(employee_id=emp))
                self.assert_same(self.cli.json("placement", emp), body)
                lines = self.cli.run("placement", emp).stdout.splitlines()
                self.assertEqual(lines[0].split(), ["TRACK", "GRADE", "ROLES", "MET", "NEXT",
                                                    "ROLE", "NEXT", "READINESS"])
                self.assertEqual(len(lines) - 1, len(body.tracks))
                for line, t in zip(lines[1:], body.tracks):
                    cells = line.split()
                    self.assertEqual(cells[0], t.track)
                    self.assertEqual(cells[1], str(t.grade) if t.grade else "none")
                    self.assertEqual(cells[2], ",".join(t.roles) or "-")
                    self.assertEqual(cells[3], t.next_role or "-")
                    if t.next_role:
                        self.assertEqual(float(cells[4]), t.next_readiness)

    def test_stats_table_and_prometheus(self):
        for _ in range(3):
            self.cli.run("readiness", "E1001", "--role", "ops-ic-4")
        lines = self.cli.run("stats").stdout.splitlines()
        self.assertEqual(lines[0].split(), ["METHOD", "CALLS", "ERRORS", "P50_US", "P99_US",
                                            "MAX_US"])
        self.assertRegex(lines[-1], r"^uptime [0-9dhms ]+, reloads [0-9]+, "
                         r"reload failures [0-9]+, deltas [0-9]+$")
        text = self.cli.run("stats", "--prometheus").stdout
        samples, types = parse_prometheus(text)
        stats = self.call("Stats", self.P.StatsRequest())

        def value(name, **labels):
            return samples[(name, frozenset(labels.items()))]

        self.assertGreaterEqual(value("pathwaysd_requests_total", method="Readiness"), 3)
        self.assertEqual(types["pathwaysd_requests_total"], "counter")
        self.assertEqual(types["pathwaysd_request_latency_us"], "gauge")
        methods = {m.method for m in stats.methods}
        self.assertIn("Readiness", methods)
        for m in methods:
            for q in ("0.5", "0.99", "1"):
                value("pathwaysd_request_latency_us", method=m, quantile=q)
            value("pathwaysd_request_errors_total", method=m)
        self.assertLessEqual(value("pathwaysd_request_latency_us", method="Readiness",
                                   quantile="0.5"),
                             value("pathwaysd_request_latency_us", method="Readiness",
                                   quantile="1"))
        for name in ("pathwaysd_uptime_seconds", "pathwaysd_reloads_total",
                     "pathwaysd_reload_failures_total", "pathwaysd_deltas_total"):
            self.assertGreaterEqual(value(name), 0, name)
        self.assertEqual(value("pathwaysd_serving"), 1)
        self.assertEqual(value("pathwaysd_database_connected"), 1)
        self.assertGreaterEqual(value("pathwaysd_snapshot_version"), 1)
        self.assertGreaterEqual(value("pathwaysd_snapshot_age_seconds"), 0)
        self.assertEqual(value("pathwaysd_employees"), len(H.psql(
            self.db, "SELECT 1 FROM employee")))

    def test_health_shows_schema_and_status(self):
        out = self.cli.run("health").stdout
        h = self.call("Health", self.P.HealthRequest())
        self.assertIn("expected %d" % h.expected_schema_version, out)
        self.assertRegex(out, r"\nschema version +")
        self.assertRegex(out, r"\nstatus +%s\n" % re.escape(h.status or "-"))

    def test_map_renders_every_role_and_every_move(self):
        text = self.cli.run("map").stdout
        self.assertTrue(text.startswith("digraph pathways {"))
        texts = svg_texts(render_svg(text))
        for role in self.roles:
            self.assertIn(role, texts, "role %s missing from the SVG" % role)
        for g in {r[0] for r in H.psql(self.db, "SELECT DISTINCT grade FROM role")}:
            self.assertIn("grade %s" % g, texts)
        self.assertIn("newrank=true", text)
        self.assertIn("rank=same", text)
        # Every explicit move is on the map with its kind and months.
        got = self.cli.json("map")
        moves = {(m["from_role"], m["to_role"]): m for m in got["moves"]}
        explicit = H.psql(self.db, """
            SELECT f.key, t.key, upper(m.kind), coalesce(m.typical_months, 0) FROM role_move m
            JOIN role f ON f.id = m.from_role_id JOIN role t ON t.id = m.to_role_id""")
        self.assertGreater(len(explicit), 10)
        for f, t, kind, months in explicit:
            self.assertIn((f, t), moves)
            self.assertEqual(moves[(f, t)]["kind"], kind)
            self.assertEqual(moves[(f, t)]["typical_months"], int(months))
        self.assertEqual(sorted(r["key"] for r in got["roles"]), self.roles)
        self.assertIn('style="dotted,bold"', text)
        self.assertIn("style=dashed", text)

    def test_map_of_an_area_for_an_employee(self):
        for emp in ("E1001", "E1006"):  # one who can move on, one at the top
            with self.subTest(employee=emp):
                role = self.employee_role(emp)
                area = H.psql(self.db, "SELECT a.key FROM role r JOIN functional_area a "
                              "ON a.id = r.area_id WHERE r.key = '%s'" % role)[0][0]
                text = self.cli.run("map", "--area", area, "--employee", emp).stdout
                texts = svg_texts(render_svg(text))
                area_roles = [r[0] for r in H.psql(
                    self.db, "SELECT r.key FROM role r JOIN functional_area a ON a.id = r.area_id "
                    "WHERE a.key = '%s'" % area)]
                for r in area_roles:
                    self.assertIn(r, texts)
                for r in set(self.roles) - set(area_roles):
                    self.assertNotIn(r, texts)
                node = re.search(r'"r:%s" \[label="([^"]*)"[^\n]*' % re.escape(role), text)
                self.assertIn("current role", node.group(1))
                self.assertIn("penwidth=3", node.group(0))
                self.assertEqual(text.count("current role"), 1)
                got = self.cli.json("map", "--area", area, "--employee", emp)
                self.assertEqual(got["current_role"], role)
                body = self.call("Readiness", self.P.ReadinessRequest(
                    employee_ids=[emp], role_keys=[r["key"] for r in got["roles"]]))
                self.assertEqual(got["readiness"], normalize(json_format.MessageToDict(
                    body, including_default_value_fields=True, preserving_proto_field_name=True)))
                for res in body.results:
                    self.assertIn("%.1f%% %s" % (res.readiness, self.P.Band.Name(res.band)),
                                  "\n".join(texts))

    def test_path_dot_renders_the_routes(self):
        ic, mgr = self.track_switch_pair()
        body = self.call("Path", self.P.PathRequest(from_role="ops-ic-1", to_role=mgr,
                                                    max_routes=3, max_steps=8))
        self.assertTrue(body.routes)
        text = self.cli.run("path", "--from-role", "ops-ic-1", "--to", mgr, "--routes", "3",
                            "--max-steps", "8", "--dot").stdout
        texts = svg_texts(render_svg(text))
        on_routes = {s.from_role for r in body.routes for s in r.steps} | \
            {s.to_role for r in body.routes for s in r.steps}
        for role in on_routes:
            self.assertIn(role, texts)
        for role in set(self.roles) - on_routes:
            self.assertNotIn(role, texts)
        self.assertIn("start", texts)
        self.assertIn("goal", texts)
        edges = {(s.from_role, s.to_role) for r in body.routes for s in r.steps}
        self.assertEqual(len(re.findall(r'^\t"r:[^"]+" -> "r:', text, re.M)), len(edges))
        # No route: still a graph that renders, saying so.
        text = self.cli.run("path", "--from-role", "ops-ic-1", "--to", mgr, "--max-steps",
                            "1", "--dot").stdout
        texts = svg_texts(render_svg(text))
        self.assertIn("No route from ops-ic-1 to %s within 1 steps" % mgr, texts)

    # ---- 3. exit statuses ----

    def test_usage_errors_exit_2(self):
        cases = [
            ("bogus-command",),
            ("path", "--to", "ops-ic-3"),
            ("path", "--from-role", "ops-ic-1"),
            ("path", "--from-role", "a", "--from-employee", "E1001", "--to", "b"),
            ("path", "--from-role", "ops-ic-1", "--to", "ops-ic-3", "--kinds", "sideways"),
            ("path", "--from-role", "ops-ic-1", "--to", "ops-ic-3", "--max-steps", "x"),
            ("--json", "path", "--from-role", "ops-ic-1", "--to", "ops-ic-3", "--dot"),
            ("explore",),
            ("explore", "--from-role", "ops-ic-1", "--max-cost", "inf"),
            ("modules", "E1001"),
            ("mentors", "E1001"),
            ("mentors", "E1001", "--role", "ops-ic-4", "--competency", "communication"),
            ("bench",),
            ("bench", "ops-ic-4", "--limit", "0"),
            ("placement",),
            ("audit", "extra"),
            ("--json", "stats", "--prometheus"),
            ("map", "--area"),
            ("gap", "E1001"),
        ]
        before = self.call("Stats", self.P.StatsRequest())
        for args in cases:
            with self.subTest(args=args):
                r = self.cli.run(*args, expect=2)
                self.assertEqual(r.stdout, "")
                self.assertTrue(r.stderr.startswith("pathwaysctl: "), r.stderr)
        after = self.call("Stats", self.P.StatsRequest())
        calls = {m.method: m.calls for m in before.methods}
        for m in after.methods:
            if m.method != "Stats":
                self.assertEqual(m.calls, calls.get(m.method, 0), "a usage error sent " + m.method)

    def test_not_found_exits_3_with_the_message(self):
        cases = [
            (("gap", "NOPE-9", "ops-ic-3"), "NOPE-9"),
            (("gap", "E1001", "nope-role"), "nope-role"),
            (("readiness", "NOPE-9"), "NOPE-9"),
            (("path", "--from-role", "nope-role", "--to", "ops-ic-3"), "nope-role"),
            (("path", "--from-employee", "NOPE-9", "--to", "ops-ic-3", "--dot"), "NOPE-9"),
            (("explore", "--from-employee", "NOPE-9"), "NOPE-9"),
            (("modules", "E1001", "nope-role"), "nope-role"),
            (("mentors", "E1001", "--competency", "nope-comp"), "nope-comp"),
            (("bench", "nope-role"), "nope-role"),
            (("placement", "NOPE-9"), "NOPE-9"),
            (("map", "--employee", "NOPE-9"), "NOPE-9"),
        ]
        for args, name in cases:
            with self.subTest(args=args):
                for json_flag in ((), ("--json",)):
                    if json_flag and "--dot" in args:
                        continue  # a usage error
                    r = self.cli.run(*(json_flag + args), expect=3)
                    self.assertEqual(r.stdout, "")
                    self.assertTrue(r.stderr.startswith("pathwaysctl: NOT_FOUND: "), r.stderr)
                    self.assertIn(name, r.stderr)

    def test_no_daemon_exits_3_within_the_timeout(self):
        endpoint = "tcp://127.0.0.1:%d" % H.free_port()
        for args in (("health",), ("audit",), ("map",), ("stats", "--prometheus"),
                     ("path", "--from-role", "a", "--to", "b", "--dot")):
            with self.subTest(args=args):
                t0 = time.monotonic()
                r = self.cli.run("--timeout", "400", *args, endpoint=endpoint, expect=3,
                                 timeout=30)
                elapsed = time.monotonic() - t0
                # only a hang reaches the 30 s bound above; how soon after
                # the 400 ms it gives up is printed, not asserted
                print("%s: gave up after %.0f ms" % (args[0], elapsed * 1000))
                self.assertGreaterEqual(elapsed, 0.4)
                self.assertEqual(r.stdout, "")
                self.assertEqual(r.stderr, "pathwaysctl: no reply from %s within 400 ms\n"
                                 % endpoint)


class NotServing(unittest.TestCase):
    """A daemon that answers Health but serves nothing (its database does
    not exist, no saved snapshot): health exits 4 so an exec probe fails."""

    @classmethod
    def setUpClass(cls):
        cls.d = H.Daemon(H.with_db(H.base_conninfo(), "no_such_database_%d" % os.getpid()),
                         wait=False)
        cls.cli = Cli(cls.d.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_health_exits_4_when_not_serving(self):
        c = H.Client(self.d.endpoint)
        try:
            got = H.wait_for(lambda: (lambda hb: hb if hb[0].code == 0 else None)(
                c.call("Health", H.pb().HealthRequest(), timeout_ms=2000)), timeout=H.HANG)
        finally:
            c.close()
        self.assertIsNotNone(got, "no Health answer")
        self.assertFalse(got[1].serving)
        r = self.cli.run("health", expect=4)
        self.assertRegex(r.stdout, r"(^|\n)serving +no\n")
        self.assertEqual(r.stderr, "")
        self.assertFalse(self.cli.json("health", expect=4).get("serving", False))


class AuditFindings(unittest.TestCase):
    """A framework with a finding: audit exits 1 and groups it by kind."""

    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        # A prerequisite cycle: imports fine, audit reports it.
        a, b = H.psql(cls.db, """
            SELECT m.key, r.key FROM module_prereq p JOIN module m ON m.id = p.module_id
            JOIN module r ON r.id = p.requires_id ORDER BY m.key LIMIT 1""")[0]
        cls.cycle = ",".join(sorted([a, b]))
        H.psql(cls.db, """
            INSERT INTO module_prereq (module_id, requires_id)
            SELECT r.id, m.id FROM module m, module r WHERE m.key = '%s' AND r.key = '%s'"""
               % (a, b))
        cls.d = H.Daemon(cls.db)
        cls.cli = Cli(cls.d.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def test_audit_exits_1_with_findings_grouped_by_kind(self):
        r = self.cli.run("audit", expect=1)
        lines = r.stdout.splitlines()
        got = self.cli.json("audit", expect=1)
        kinds = [f["kind"] for f in got["findings"]]
        self.assertIn("prerequisite_cycle", kinds)
        self.assertEqual(kinds, sorted(kinds))
        self.assertEqual(lines[-1], "%d finding%s" % (len(kinds), "" if len(kinds) == 1 else "s"))
        for kind in set(kinds):
            self.assertIn("%s (%d)" % (kind, kinds.count(kind)), lines)
        i = lines.index("prerequisite_cycle (%d)" % kinds.count("prerequisite_cycle"))
        self.assertTrue(lines[i + 1].startswith("  " + self.cycle), lines[i + 1])


if __name__ == "__main__":
    if not shutil.which("dot"):
        print("graphviz (dot) is needed", file=sys.stderr)
        sys.exit(1)
    H.main()
