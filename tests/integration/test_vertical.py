"""The vertical slice end to end: migrate and import the demo bundle into a
real PostgreSQL, start the real daemon, ask over real ZeroMQ sockets from
Python, and compare every answer with values computed independently in SQL."""
import os
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import oracle as O  # noqa: E402
import zmq  # noqa: E402

# The latest trusted assessment per competency under the default settings
# (every source but self), for the tests that import it; the oracles below
# read the organization's settings instead (oracle.py).
CURRENT = O.current_cte(O.Settings({}))

def band(x, blockers, settings=None):
    """docs/scoring.md's band of an exact readiness (oracle.band)."""
    return O.band(x, blockers, settings)


class VerticalSlice(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        # attributes a full load must read exactly as jsonb_each_text
        # gives them: escapes, non-ASCII, numbers, booleans, null, nesting
        H.psql(cls.db, r"""INSERT INTO employee (external_id, role_id, attributes)
            SELECT 'E9999', id, '{"q": "say \"hi\", \\o/", "u": "Zoë \u0001 ✓",
              "n": 3.50, "t": true, "z": null, "nest": {"k": [1, "2", {"x": "}"}]},
              "employment_type": "contractor"}'::jsonb FROM role WHERE key = 'ops-ic-1'""")
        cls.d = H.Daemon(cls.db)
        cls.c = H.Client(cls.d.endpoint)
        cls.P = H.pb()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()

    def call(self, method, req, **kw):
        return self.c.call(method, req, **kw)

    def test_health_counts_match_the_database(self):
        h, body = self.call("Health", self.P.HealthRequest())
        self.assertEqual(h.code, 0)
        self.assertTrue(body.serving)
        self.assertTrue(body.database_connected)
        self.assertGreater(body.snapshot_version, 0)
        self.assertEqual(h.snapshot_version, body.snapshot_version)
        counts = H.psql(self.db, "SELECT (SELECT count(*) FROM role), (SELECT count(*) FROM competency),"
                        " (SELECT count(*) FROM employee), (SELECT count(*) FROM assessment),"
                        " (SELECT count(*) FROM module)")[0]
        self.assertEqual([body.roles, body.competencies, body.employees, body.assessments,
                          body.modules], [int(x) for x in counts])
        self.assertGreaterEqual(body.employees, 60)
        self.assertGreaterEqual(body.roles, 25)

    def test_list_roles_matches_the_database(self):
        h, body = self.call("ListRoles", self.P.ListRolesRequest())
        self.assertEqual(h.code, 0)
        rows = H.psql(self.db, """SELECT r.key, r.title, t.key, r.grade, coalesce(a.key, ''),
                 (SELECT count(*) FROM role_requirement q WHERE q.role_id = r.id)
               FROM role r JOIN track t ON t.id = r.track_id
               LEFT JOIN functional_area a ON a.id = r.area_id ORDER BY r.key COLLATE "C" """)
        got = [[r.key, r.title, r.track, str(r.grade), r.area, str(len(r.requirements))]
               for r in body.roles]
        self.assertEqual(got, rows)

    def test_list_roles_track_and_grade_give_the_equivalents(self):
        track, grade = H.psql(self.db, "SELECT t.key, r.grade FROM role r JOIN track t ON t.id = r.track_id"
                              " WHERE t.kind = 'management' ORDER BY r.grade LIMIT 1")[0]
        h, body = self.call("ListRoles", self.P.ListRolesRequest(track=track, grade=int(grade)))
        self.assertEqual(h.code, 0)
        want = H.psql(self.db, "SELECT r.key FROM role r JOIN track t ON t.id = r.track_id WHERE t.key = '%s'"
                      " AND r.grade = %s ORDER BY r.key COLLATE \"C\"" % (track, grade))
        self.assertEqual([r.key for r in body.roles], [w[0] for w in want])
        self.assertTrue(all(r.track == track and r.grade == int(grade) for r in body.roles))

    def test_readiness_of_everyone_for_every_role_matches_the_oracle(self):
        O.check_readiness(self, self.c, self.db)

    def test_readiness_without_roles_asks_for_the_roles_one_move_away(self):
        # the moves out of each employee's role, explicit and inferred as
        # the settings say
        moves = O.edges(self.db, O.settings(self.db))
        rows = [(e, ",".join(sorted((t for f, t in moves if f == r), key=str.encode)))
                for e, r in H.psql(self.db, """SELECT e.external_id, r.key FROM employee e
                    JOIN role r ON r.id = e.role_id ORDER BY e.external_id COLLATE "C" """)]
        emps = [r[0] for r in rows]
        h, body = self.call("Readiness", self.P.ReadinessRequest(employee_ids=emps))
        self.assertEqual(h.code, 0, h.message)
        got = {}
        for res in body.results:
            got.setdefault(res.employee_id, []).append(res.role_key)
        for e, want in rows:
            self.assertEqual(",".join(got.get(e, [])), want, e)
        # employee by employee, in request order
        order = [res.employee_id for res in body.results]
        self.assertEqual(order, sorted(order, key=emps.index))

    def test_gap_matches_sql(self):
        pairs = H.psql(self.db, "SELECT e.external_id, r.key FROM employee e, role r"
                       " ORDER BY md5(e.external_id || r.key) LIMIT 25")
        for e, r in pairs:
            h, body = self.call("Gap", self.P.GapRequest(employee_id=e, role_key=r))
            self.assertEqual(h.code, 0, h.message)
            want = H.psql(self.db, O.current_cte(O.settings(self.db)) + """
                SELECT co.key, rr.level, coalesce(c.level, 0), greatest(0, rr.level - coalesce(c.level, 0)),
                       rr.weight, rr.must_have
                FROM role_requirement rr JOIN role r ON r.id = rr.role_id
                JOIN competency co ON co.id = rr.competency_id
                JOIN employee e ON e.external_id = '%s'
                LEFT JOIN cur c ON c.employee_id = e.id AND c.competency_id = rr.competency_id
                WHERE r.key = '%s' ORDER BY co.key COLLATE "C" """ % (e, r))
            got = [[g.competency_key, str(g.required), str(g.current), str(g.deficit),
                    "%g" % g.weight, "t" if g.must_have else "f"] for g in body.gaps]
            self.assertEqual(got, [[w[0], w[1], w[2], w[3], "%g" % float(w[4]), w[5]] for w in want])
            deficit = sum(float(w[4]) * int(w[3]) for w in want)
            self.assertAlmostEqual(body.weighted_deficit, deficit, places=9)
            self.assertEqual([g.competency_key for g in body.strengths],
                             [w[0] for w in want if int(w[2]) > int(w[1])])
            for g in body.gaps:
                self.assertEqual(g.met, g.current >= g.required)

    def test_attributes_are_read_as_the_database_reads_them(self):
        want = H.psql(self.db, """SELECT kv.key, coalesce(kv.value, '') FROM employee e,
            jsonb_each_text(e.attributes) kv WHERE e.external_id = 'E9999' ORDER BY 1""")
        self.assertEqual(len(want), 7)
        for key, value in want:
            h, body = self.call("Bench", self.P.BenchRequest(role_key="fin-mgr-6", limit=1,
                                                             breakdown_attribute=key))
            self.assertEqual(h.code, 0, h.message)
            values = [row.value for row in body.breakdown]
            self.assertIn(value, values, key)

    def test_unknown_ids_are_not_found_naming_them(self):
        h, _ = self.call("Readiness", self.P.ReadinessRequest(employee_ids=["NOBODY-1"]))
        self.assertEqual(h.code, 5)
        self.assertIn("NOBODY-1", h.message)
        h, _ = self.call("Gap", self.P.GapRequest(employee_id="E1001", role_key="no-such-role"))
        self.assertEqual(h.code, 5)
        self.assertIn("no-such-role", h.message)

    def test_unknown_method_is_unimplemented(self):
        P = self.P
        hdr = P.RequestHeader(method="/pathways.v1.Pathways/Teleport", request_id=77)
        self.c.send_frames([hdr.SerializeToString(), b""])
        frames = self.c.recv_frames()
        rh = P.ResponseHeader.FromString(frames[0])
        self.assertEqual((rh.request_id, rh.code), (77, 12))
        self.assertIn("Teleport", rh.message)
        self.assertEqual(frames[1], b"")

    def raw(self, frames, sock=None):
        c = sock or self.c
        c.send_frames(frames)
        reply = c.recv_frames()
        return reply, self.P.ResponseHeader.FromString(reply[-2])

    def test_garbage_frames_get_invalid_argument(self):
        P = self.P
        hdr = P.RequestHeader(method="/pathways.v1.Pathways/Readiness", request_id=5).SerializeToString()
        # an undecodable header: request_id 0
        reply, rh = self.raw([b"\xff\xff\xff\xff", b""])
        self.assertEqual((rh.code, rh.request_id), (3, 0))
        # an undecodable body
        reply, rh = self.raw([hdr, b"\x0a\xff\xff\xff"])
        self.assertEqual((rh.code, rh.request_id), (3, 5))
        # one frame, three frames, empty frames
        for frames in ([hdr], [hdr, b"", b""], [b""], [b"", b"", b"", b""]):
            reply, rh = self.raw(frames)
            self.assertEqual(rh.code, 3, frames)
            self.assertEqual(reply[-1], b"")
        # invalid UTF-8 in a string
        body = P.ReadinessRequest(employee_ids=["x"]).SerializeToString().replace(b"x", b"\xc3")
        reply, rh = self.raw([hdr, body])
        self.assertEqual(rh.code, 3)
        self.assertIn("UTF-8", rh.message)
        # the daemon is still fine
        h, body = self.call("Health", P.HealthRequest())
        self.assertEqual(h.code, 0)

    def test_an_empty_request_body_is_a_valid_empty_message(self):
        P = self.P
        hdr = P.RequestHeader(method="/pathways.v1.Pathways/Readiness", request_id=9).SerializeToString()
        reply, rh = self.raw([hdr, b""])
        self.assertEqual(rh.code, 0)
        self.assertEqual(len(P.ReadinessResponse.FromString(reply[1]).results), 0)

    def test_an_oversized_body_is_resource_exhausted(self):
        P = self.P
        hdr = P.RequestHeader(method="/pathways.v1.Pathways/Readiness", request_id=11).SerializeToString()
        body = P.ReadinessRequest(employee_ids=["E%07d" % i for i in range(150000)]).SerializeToString()
        self.assertGreater(len(body), 1 << 20)
        reply, rh = self.raw([hdr, body])
        self.assertEqual((rh.code, rh.request_id), (8, 11))
        self.assertIn("max_request_bytes", rh.message)

    def test_req_clients_get_the_delimiter_echoed(self):
        req = H.Client(self.d.endpoint, kind=zmq.REQ)
        try:
            h, body = req.call("Gap", self.P.GapRequest(employee_id="E1001", role_key="ops-ic-4"))
            self.assertEqual(h.code, 0, h.message)
            self.assertEqual(body.employee_id, "E1001")
        finally:
            req.close()


if __name__ == "__main__":
    H.main()
