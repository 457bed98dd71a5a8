"""xAPI idempotency is durable: a statement id is stored in PostgreSQL
(xapi_statement) in the transaction of its completion, so a repeated id
changes nothing after a restart too (the same content: answered, not
written again; other content: 409), a statement whose completion the writer
refuses is not stored, and erasing the person forgets their statements."""
import os
import tempfile
import unittest

import harness as H
import test_http as T

ANN = {"account": {"homePage": "https://lms.example.com", "name": "E1004"}}
COURSE = "https://lms.example.com/courses/LMS-1002"


class DurableXapi(unittest.TestCase):
    XAPI = {"X-Experience-API-Version": "1.0.3"}

    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.dir = tempfile.mkdtemp(prefix="pathways-xapi-")
        cls.lms = H.ctl("token", "lms", "--dir", cls.dir, "--methods",
                        "RecordCompletions").stdout.strip()
        cls.admin = H.ctl("token", "admin", "--dir", cls.dir, "--methods",
                          "EraseEmployee").stdout.strip()
        cls.conf = os.path.join(cls.dir, "pathwaysd.conf")
        with open(cls.conf, "w") as f:
            f.write("[http]\ntokens_dir = %s\n" % cls.dir)
        cls.d = T.HttpDaemon(cls.db, config=cls.conf)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def post(self, body):
        h = dict(self.XAPI, Authorization="Bearer " + self.lms)
        return T.http(self.d.base + "/xapi/statements", body, h)

    def count(self, sql):
        return int(H.psql(self.db, sql)[0][0])

    def completed_at(self, emp, module):
        rows = H.psql(self.db, "SELECT (extract(epoch FROM c.completed_at) * 1000)::bigint "
                      "FROM module_completion c JOIN employee e ON e.id = c.employee_id "
                      "JOIN module m ON m.id = c.module_id WHERE e.external_id = '%s' "
                      "AND m.key = '%s'" % (emp, module))
        return rows[0][0] if rows else None

    def statements(self, *ids):
        return self.count("SELECT count(*) FROM xapi_statement WHERE id IN (%s)"
                          % ", ".join("'%s'" % i for i in ids))

    def test_a_stored_id_survives_a_restart(self):
        sid = "0b6c2f4e-9a53-4c1e-8d3f-3f1a2b4c5d6e"
        st = T.adl_statement(sid, ANN, "completed", COURSE)
        status, _, ids = self.post(st)
        self.assertEqual((status, ids), (200, [sid]))
        self.assertEqual(self.completed_at("E1004", "comm-presenting"), "1714557600000")
        digest, emp = H.psql(self.db, "SELECT encode(digest, 'hex'), e.external_id "
                             "FROM xapi_statement x JOIN employee e ON e.id = x.employee_id "
                             "WHERE x.id = '%s'" % sid)[0]
        self.assertEqual((len(digest), emp), (64, "E1004"))
        self.d.stop()
        self.__class__.d = T.HttpDaemon(self.db, config=self.conf)
        # other content under the stored id: 409, and nothing changes
        other = T.adl_statement(sid, ANN, "completed", COURSE,
                                timestamp="2025-01-01T00:00:00Z")
        status, _, js = self.post(other)
        self.assertEqual((status, js["code"]), (409, 6), js)
        self.assertIn(sid, js["message"])
        self.assertEqual(self.completed_at("E1004", "comm-presenting"), "1714557600000")
        # the same content: answered, and not written again (an edit made
        # since stays as it is)
        H.psql(self.db, "UPDATE module_completion SET completed_at = '2024-02-01Z' "
               "WHERE employee_id = (SELECT id FROM employee WHERE external_id = 'E1004') "
               "AND module_id = (SELECT id FROM module WHERE key = 'comm-presenting')")
        status, _, ids = self.post(st)
        self.assertEqual((status, ids), (200, [sid]))
        self.assertEqual(self.completed_at("E1004", "comm-presenting"), "1706745600000")
        fam, _ = T.metrics(self.d.base)
        self.assertEqual(T.sample(fam, "pathwaysd_xapi_statements",
                                  "pathwaysd_xapi_statements_total", outcome="repeated"), 1)
        self.assertEqual(T.sample(fam, "pathwaysd_xapi_statements",
                                  "pathwaysd_xapi_statements_total", outcome="recorded"), 0)
        self.assertEqual(self.statements(sid), 1)

    def test_a_refused_completion_stores_no_statement(self):
        sid = "5d1e7a20-3c4b-4f6a-9e8d-7c6b5a4f3e2d"
        st = T.adl_statement(sid, ANN, "completed", COURSE,
                             timestamp="2999-01-01T00:00:00Z")
        status, _, js = self.post(st)
        self.assertEqual(status, 400, js)
        self.assertIn("in the future", js["message"])
        self.assertEqual(self.statements(sid), 0)

    def test_erasure_forgets_the_persons_statements(self):
        mine = {"E1005": ["1c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                          "2c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"],
                "E1006": ["3c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f",
                          "4c2d3e4f-5a6b-4c7d-8e9f-0a1b2c3d4e5f"]}
        for emp, (used, ignored) in mine.items():
            actor = {"account": {"homePage": "x", "name": emp}}
            status, _, ids = self.post([T.adl_statement(used, actor, "completed", COURSE),
                                        T.adl_statement(ignored, actor, "experienced", COURSE)])
            self.assertEqual((status, ids), (200, [used, ignored]))
            self.assertEqual(self.statements(used, ignored), 2)
        # through the daemon
        status, _, js = self.d.call("EraseEmployee", {"employeeId": "E1005"},
                                    {"Authorization": "Bearer " + self.admin})
        self.assertEqual((status, js.get("erased")), (200, True), js)
        self.assertEqual(self.statements(*mine["E1005"]), 0)
        # straight in PostgreSQL
        r = H.ctl("--db", self.db, "erase-employee", "E1006", check=False)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(self.statements(*mine["E1006"]), 0)


if __name__ == "__main__":
    H.main()
