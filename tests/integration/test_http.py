"""The HTTP side door over real sockets: probes before and after the first
load, /metrics through a real Prometheus text parser, every method through
JSON equal field by field to the protobuf answer on the demo, malformed,
oversized and unauthorized requests, bearer tokens (and SIGHUP reading new
ones), the loopback rule, TLS with a self-signed certificate, and curl."""
import json
import os
import signal
import socket
import ssl
import subprocess
import tempfile
import time
import unittest
import urllib.error
import urllib.request

import harness as H
from google.protobuf import json_format
from prometheus_client.parser import text_string_to_metric_families


def http(url, body=None, headers=None, method=None, context=None, timeout=30):
    """(status, headers, decoded JSON or text) of one request."""
    data = body if isinstance(body, (bytes, type(None))) else json.dumps(body).encode()
    req = urllib.request.Request(url, data=data, headers=headers or {},
                                 method=method or ("POST" if data is not None else "GET"))
    try:
        with urllib.request.urlopen(req, timeout=timeout, context=context) as r:
            status, hdrs, raw = r.status, r.headers, r.read()
    except urllib.error.HTTPError as e:
        status, hdrs, raw = e.code, e.headers, e.read()
    text = raw.decode()
    if hdrs.get("Content-Type", "").startswith("application/json"):
        return status, hdrs, json.loads(text)
    return status, hdrs, text


class HttpDaemon(H.Daemon):
    """A pathwaysd with its HTTP door on a free loopback port."""

    def __init__(self, db, args=(), scheme="http", **kw):
        self.http_port = H.free_port()
        self.base = "%s://127.0.0.1:%d" % (scheme, self.http_port)
        super().__init__(db, args=["--http", "127.0.0.1:%d" % self.http_port] + list(args),
                         **kw)

    def call(self, method, body=None, headers=None, context=None):
        return http(self.base + "/v1/" + method, body if body is not None else {},
                    headers, context=context)


def metrics(base, context=None):
    status, _, text = http(base + "/metrics", context=context)
    assert status == 200, status
    return {f.name: f for f in text_string_to_metric_families(text)}, text


def sample(families, family, name, **labels):
    for s in families[family].samples:
        if s.name == name and all(s.labels.get(k) == v for k, v in labels.items()):
            return s.value
    return None


class Probes(unittest.TestCase):
    def test_probes_before_the_first_load_and_after(self):
        db = H.new_database("http_probe")
        d = HttpDaemon(db, wait=False)   # not migrated: nothing to load
        try:
            H.wait_for(lambda: self._up(d.base), timeout=20)
            status, _, body = http(d.base + "/healthz")
            self.assertEqual(status, 200)
            status, _, body = http(d.base + "/readyz")
            self.assertEqual(status, 503)
            self.assertEqual(body["code"], 14)
            self.assertTrue(body["message"], body)
            H.ctl("migrate", db=db)
            H.ctl("import", H.DEMO, db=db)
            d.signal(signal.SIGHUP)
            self.assertTrue(H.wait_for(lambda: http(d.base + "/readyz")[0] == 200,
                                       timeout=30), d.output())
            status, _, body = http(d.base + "/readyz")
            self.assertEqual(body, {"status": "serving"})
        finally:
            d.stop()

    @staticmethod
    def _up(base):
        try:
            return http(base + "/healthz", timeout=2)[0] == 200
        except OSError:
            return False


class Gateway(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.P = H.pb()
        cls.db = H.demo_database()
        cls.d = HttpDaemon(cls.db)
        cls.zmq = H.Client(cls.d.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.zmq.close()
        cls.d.stop()

    def both(self, method, req):
        """The protobuf answer (as proto3 JSON) and the HTTP one."""
        h, body = self.zmq.call(method, req)
        status, hdrs, js = self.d.call(method, json_format.MessageToDict(req))
        return h, body, status, hdrs, js

    def test_every_method_answers_as_over_zeromq(self):
        P = self.P
        cases = [
            ("ListRoles", P.ListRolesRequest(track="ic")),
            ("ListRoles", P.ListRolesRequest()),
            ("Readiness", P.ReadinessRequest(employee_ids=["E1001", "E1002"],
                                             with_estimates=True)),
            ("Readiness", P.ReadinessRequest(employee_ids=["E1001", "nobody"],
                                             role_keys=["ops-ic-4"], skip_unknown=True)),
            ("Gap", P.GapRequest(employee_id="E1001", role_key="ops-ic-4")),
            ("Path", P.PathRequest(from_employee="E1001", to_role="ops-ic-4",
                                   allowed_kinds=[P.PROMOTION, P.LATERAL])),
            ("Path", P.PathRequest(from_role="ops-ic-1", to_role="ops-ic-4", max_routes=2)),
            ("Explore", P.ExploreRequest(from_role="ops-ic-1", max_steps=2)),
            ("RecommendModules", P.RecommendModulesRequest(employee_id="E1001",
                                                           role_key="ops-ic-4")),
            ("Bench", P.BenchRequest(role_key="ops-ic-4", breakdown_attribute="location")),
            ("Mentors", P.MentorsRequest(employee_id="E1001", role_key="ops-ic-4")),
            ("Audit", P.AuditRequest()),
            ("Placement", P.PlacementRequest(employee_id="E1001")),
        ]
        for method, req in cases:
            with self.subTest(method=method):
                h, body, status, hdrs, js = self.both(method, req)
                self.assertEqual(h.code, 0, h.message)
                self.assertEqual(status, 200, js)
                self.assertEqual(js, json_format.MessageToDict(body))
                self.assertEqual(hdrs["X-Pathways-Snapshot"], str(h.snapshot_version))
                # the WAL position the snapshot reflects, as the ZeroMQ header has it
                self.assertRegex(h.snapshot_lsn, r"^[0-9A-F]+/[0-9A-F]+$")
                self.assertEqual(hdrs["X-Pathways-Snapshot-Lsn"], h.snapshot_lsn)
        # Health: every field but the age in its status line
        h, body, status, hdrs, js = self.both("Health", P.HealthRequest())
        want = json_format.MessageToDict(body)
        want.pop("status"), js.pop("status")
        self.assertEqual(js, want)
        # Stats: the same methods
        h, body, status, hdrs, js = self.both("Stats", P.StatsRequest())
        self.assertEqual([m["method"] for m in js["methods"]],
                         [m.method for m in body.methods])

    def test_errors_carry_the_grpc_code_and_grpc_gateways_status(self):
        P = self.P
        h, _, status, _, js = self.both("Gap", P.GapRequest(employee_id="nobody",
                                                              role_key="ops-ic-4"))
        self.assertEqual(h.code, 5)
        self.assertEqual(status, 404)
        self.assertEqual(js, {"code": 5, "message": h.message})
        # writes are off on this daemon ([server] allow_writes): 403, code 7
        req = P.RecordCompletionsRequest(records=[P.CompletionRecord(
            employee_id="E1001", module_key="comm-foundations",
            completed_at_unix_ms=1700000000000)])
        h, _, status, _, js = self.both("RecordCompletions", req)
        self.assertEqual((h.code, status, js["code"]), (7, 403, 7))

    def test_names_camel_and_original_are_both_accepted(self):
        a = self.d.call("Gap", {"employeeId": "E1001", "roleKey": "ops-ic-4"})
        b = self.d.call("Gap", {"employee_id": "E1001", "role_key": "ops-ic-4"})
        self.assertEqual(a[0], 200)
        self.assertEqual(a[2], b[2])

    def test_bad_requests_name_what_is_wrong(self):
        status, _, js = self.d.call("Gap", {"employeeId": "E1001", "colour": "red"})
        self.assertEqual((status, js["code"]), (400, 3))
        self.assertIn("colour", js["message"])
        status, _, js = self.d.call("Readiness", {"employeeIds": "E1001"})
        self.assertEqual(status, 400)
        self.assertIn("employeeIds", js["message"])
        status, _, js = self.d.call("Gap", b'{"employeeId": ')
        self.assertEqual(status, 400)
        self.assertIn("malformed JSON", js["message"])
        status, _, js = self.d.call("Path", {"maxRoutes": "many"})
        self.assertEqual(status, 400)
        self.assertIn("maxRoutes", js["message"])
        status, _, js = self.d.call("NoSuchMethod", {})
        self.assertEqual((status, js["code"]), (404, 12))
        status, _, js = http(self.d.base + "/v1/Gap", method="GET")
        self.assertEqual(status, 405)
        status, _, js = http(self.d.base + "/nowhere")
        self.assertEqual(status, 404)

    def test_a_body_over_max_request_bytes_is_refused_unread(self):
        big = b'{"employeeIds":["' + b"x" * (2 << 20) + b'"]}'
        # the answer comes after the headers and a first piece of the
        # body: the rest is never needed (a client that pushes it all
        # before reading may find the connection closed under it)
        with socket.create_connection(("127.0.0.1", self.d.http_port), timeout=30) as s:
            s.sendall(b"POST /v1/Readiness HTTP/1.1\r\nHost: x\r\n"
                      b"Content-Length: %d\r\n\r\n" % len(big) + big[:65536])
            reply = b""
            while b"\r\n\r\n" not in reply:
                chunk = s.recv(65536)
                if not chunk:
                    break
                reply += chunk
        self.assertTrue(reply.startswith(b"HTTP/1.1 413"), reply[:200])
        # with Expect: 100-continue (curl's way) the body is never sent
        r = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST",
                            "-H", "Expect: 100-continue", "--data-binary", "@-",
                            self.d.base + "/v1/Readiness"], input=big, capture_output=True)
        out = r.stdout.decode().splitlines()
        self.assertEqual(out[-1], "413")
        self.assertEqual(json.loads(out[-2])["code"], 8)
        # chunked, without a length: refused too
        r = subprocess.run(["curl", "-s", "-o", "-", "-w", "\n%{http_code}", "-X", "POST",
                            "-H", "Transfer-Encoding: chunked", "--data-binary", "@-",
                            self.d.base + "/v1/Readiness"], input=big, capture_output=True)
        self.assertEqual(r.stdout.decode().splitlines()[-1], "413")

    def test_request_id_deadline_and_headers(self):
        status, hdrs, js = self.d.call("Gap", {"employeeId": "E1001", "roleKey": "ops-ic-4"},
                                       headers={"X-Request-Id": "trace-42",
                                                "X-Deadline-Ms": "5000"})
        self.assertEqual(status, 200)
        self.assertEqual(hdrs["X-Request-Id"], "trace-42")
        self.assertEqual(hdrs["Content-Type"], "application/json")
        status, _, js = self.d.call("Gap", {}, headers={"X-Deadline-Ms": "soon"})
        self.assertEqual(status, 400)
        self.assertIn("X-Deadline-Ms", js["message"])

    def test_curl_and_keep_alive(self):
        r = subprocess.run(["curl", "-s", "-f", "-X", "POST", "-d",
                            '{"employeeIds":["E1001"],"roleKeys":["ops-ic-4"]}',
                            self.d.base + "/v1/Readiness",
                            "--next", "-s", "-f", self.d.base + "/healthz"],
                           capture_output=True, text=True, check=True)
        first = r.stdout[:r.stdout.index("}]}") + 3]
        self.assertEqual(json.loads(first)["results"][0]["employeeId"], "E1001")
        self.assertTrue(r.stdout.endswith('{"status":"alive"}'))

    def test_an_answer_goes_out_at_once(self):
        # the door's loop must wake when the frontend answers, not at its
        # next timeout (200 ms): 10 calls in a row take far less than 2 s
        t0 = time.monotonic()
        for _ in range(10):
            self.assertEqual(self.d.call("Health", {})[0], 200)
        self.assertLess(time.monotonic() - t0, 1.5)

    def test_metrics_parse_and_count_requests(self):
        fam, text = metrics(self.d.base)
        before = sample(fam, "pathwaysd_requests", "pathwaysd_requests_total",
                        method="Gap", code="NOT_FOUND") or 0
        count0 = sample(fam, "pathwaysd_request_duration_seconds",
                        "pathwaysd_request_duration_seconds_count", method="Gap")
        self.d.call("Gap", {"employeeId": "nobody", "roleKey": "ops-ic-4"})
        self.d.call("Gap", {"employeeId": "E1001", "roleKey": "ops-ic-4"})
        fam, text = metrics(self.d.base)
        self.assertEqual(sample(fam, "pathwaysd_requests", "pathwaysd_requests_total",
                                method="Gap", code="NOT_FOUND"), before + 1)
        self.assertGreaterEqual(sample(fam, "pathwaysd_requests", "pathwaysd_requests_total",
                                       method="Gap", code="OK"), 1)
        self.assertEqual(sample(fam, "pathwaysd_request_duration_seconds",
                                "pathwaysd_request_duration_seconds_count", method="Gap"),
                         count0 + 2)
        self.assertEqual(fam["pathwaysd_request_duration_seconds"].type, "histogram")
        inf = sample(fam, "pathwaysd_request_duration_seconds",
                     "pathwaysd_request_duration_seconds_bucket", method="Gap", le="+Inf")
        self.assertEqual(inf, count0 + 2)
        self.assertEqual(sample(fam, "pathwaysd_build_info", "pathwaysd_build_info"), 1)
        self.assertEqual(sample(fam, "pathwaysd_snapshot_loaded", "pathwaysd_snapshot_loaded"), 1)
        self.assertEqual(sample(fam, "pathwaysd_database_connected",
                                "pathwaysd_database_connected"), 1)
        self.assertGreaterEqual(sample(fam, "pathwaysd_reloads", "pathwaysd_reloads_total"), 1)
        for name in ("pathwaysd_snapshot_version", "pathwaysd_snapshot_age_seconds",
                     "pathwaysd_deltas", "pathwaysd_reload_failures",
                     "pathwaysd_requests_in_flight", "pathwaysd_write_queue"):
            self.assertIn(name, fam)
        # no personal data: no employee id anywhere
        self.assertNotIn("E1001", text)
        self.assertNotIn("nobody", text)


class Tokens(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.dir = tempfile.mkdtemp(prefix="pathways-tokens-")
        cls.reader = cls.token("reader")
        cls.writer = cls.token("lms", "--methods", "RecordCompletions,Gap")
        conf = os.path.join(cls.dir, "pathwaysd.conf")
        with open(conf, "w") as f:
            f.write("[http]\ntokens_dir = %s\n" % cls.dir)
        cls.d = HttpDaemon(cls.db, config=conf)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    @classmethod
    def token(cls, name, *args):
        r = H.ctl("token", name, "--dir", cls.dir, *args)
        tok = r.stdout.strip()
        assert tok.startswith("pwt_"), r.stdout
        with open(os.path.join(cls.dir, name + ".token")) as f:
            assert tok not in f.read(), "the token is stored in clear"
        return tok

    def bearer(self, tok):
        return {"Authorization": "Bearer " + tok}

    def test_no_token_or_an_unknown_one_is_401(self):
        status, hdrs, js = self.d.call("Gap", {"employeeId": "E1001", "roleKey": "ops-ic-4"})
        self.assertEqual((status, js["code"]), (401, 16))
        self.assertEqual(hdrs["WWW-Authenticate"], "Bearer")
        status, _, js = self.d.call("Gap", {}, headers=self.bearer("pwt_nope"))
        self.assertEqual(status, 401)

    def test_probes_and_metrics_need_no_token(self):
        self.assertEqual(http(self.d.base + "/healthz")[0], 200)
        self.assertEqual(http(self.d.base + "/readyz")[0], 200)
        self.assertEqual(http(self.d.base + "/metrics")[0], 200)

    def test_a_token_calls_its_methods_only(self):
        req = {"employeeId": "E1001", "roleKey": "ops-ic-4"}
        self.assertEqual(self.d.call("Gap", req, self.bearer(self.reader))[0], 200)
        self.assertEqual(self.d.call("Gap", req, self.bearer(self.writer))[0], 200)
        status, _, js = self.d.call("Readiness", {"employeeIds": ["E1001"]},
                                    self.bearer(self.writer))
        self.assertEqual((status, js["code"]), (403, 7))
        # no methods: the read methods, never a write
        status, _, js = self.d.call("RecordCompletions", {"records": []},
                                    self.bearer(self.reader))
        self.assertEqual(status, 403)
        # Health says nothing about anyone: every token may ask
        self.assertEqual(self.d.call("Health", {}, self.bearer(self.writer))[0], 200)

    def test_a_write_through_json_is_the_protobuf_write(self):
        rec = {"employeeId": "E1002", "moduleKey": "comm-presenting",
               "completedAtUnixMs": "1700000000000"}
        status, _, js = self.d.call("RecordCompletions", {"records": [rec]},
                                    self.bearer(self.writer))
        self.assertEqual(status, 200, js)
        self.assertEqual(js["written"], 1)
        self.assertIn("snapshotVersion", js)
        status, _, js = self.d.call("RecordCompletions", {"records": [rec]},
                                    self.bearer(self.writer))
        self.assertEqual((status, js.get("written", 0), js["unchanged"]), (200, 0, 1))

    def test_sighup_reads_new_tokens(self):
        late = self.token("late")
        req = {"employeeId": "E1001", "roleKey": "ops-ic-4"}
        self.assertEqual(self.d.call("Gap", req, self.bearer(late))[0], 401)
        self.d.signal(signal.SIGHUP)
        self.assertTrue(H.wait_for(
            lambda: self.d.call("Gap", req, self.bearer(late))[0] == 200, timeout=10),
            self.d.output())


def adl_statement(sid, actor, verb, activity, timestamp="2024-05-01T10:00:00.000Z"):
    """A statement in the form of ADL's examples (xAPI 1.0.3, Data 2.4)."""
    st = {
        "actor": dict(actor, objectType="Agent"),
        "verb": {"id": "http://adlnet.gov/expapi/verbs/" + verb,
                 "display": {"en-US": verb}},
        "object": {"id": activity, "objectType": "Activity",
                   "definition": {"name": {"en-US": "a course"}}},
        "result": {"completion": True, "success": True, "score": {"scaled": 0.95}},
        "timestamp": timestamp,
    }
    if sid:
        st["id"] = sid
    return st


class Xapi(unittest.TestCase):
    XAPI = {"X-Experience-API-Version": "1.0.3"}

    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        H.psql(cls.db, "UPDATE employee SET attributes = attributes || "
               "'{\"email\": \"ann@example.com\"}' WHERE external_id = 'E1003'")
        cls.dir = tempfile.mkdtemp(prefix="pathways-xapi-")
        cls.lms = H.ctl("token", "lms", "--dir", cls.dir, "--methods",
                        "RecordCompletions").stdout.strip()
        cls.reader = H.ctl("token", "reader", "--dir", cls.dir).stdout.strip()
        conf = os.path.join(cls.dir, "pathwaysd.conf")
        with open(conf, "w") as f:
            f.write("[http]\ntokens_dir = %s\nxapi_mbox_attribute = email\n" % cls.dir)
        cls.d = HttpDaemon(cls.db, config=conf)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()

    def post(self, body, token=None, headers=None):
        h = dict(self.XAPI if headers is None else headers)
        h["Authorization"] = "Bearer " + (token or self.lms)
        return http(self.d.base + "/xapi/statements", body, h)

    def completions(self, emp):
        return H.psql(self.db, "SELECT m.key, (extract(epoch FROM c.completed_at) * 1000)::bigint "
                      "FROM module_completion c JOIN employee e ON e.id = c.employee_id "
                      "JOIN module m ON m.id = c.module_id WHERE e.external_id = '%s' "
                      "ORDER BY m.key" % emp)

    def test_completions_are_recorded_once_even_when_sent_twice(self):
        sid = "fd41c918-b88b-4b20-a0a5-a4c32391aaa0"
        before = self.completions("E1002")
        batch = [adl_statement(sid, {"account": {"homePage": "https://lms.example.com",
                                                 "name": "E1002"}},
                               "completed", "https://lms.example.com/courses/LMS-1002"),
                 adl_statement("7ccd3322-e1a5-411a-a67d-6a735c76f119",
                               {"account": {"homePage": "https://lms.example.com",
                                            "name": "E1002"}},
                               "experienced", "https://lms.example.com/courses/LMS-1003")]
        status, hdrs, ids = self.post(batch)
        self.assertEqual(status, 200, ids)
        self.assertEqual(ids, [sid, "7ccd3322-e1a5-411a-a67d-6a735c76f119"])
        self.assertEqual(hdrs["X-Experience-API-Version"], "1.0.3")
        after = self.completions("E1002")
        self.assertIn(["comm-presenting", "1714557600000"], after)
        self.assertEqual(len(after), len(before) + (0 if ["comm-presenting", "1714557600000"]
                                                    in before else 1))
        fam, _ = metrics(self.d.base)
        recorded = sample(fam, "pathwaysd_xapi_statements", "pathwaysd_xapi_statements_total",
                          outcome="recorded")
        # the same again: nothing changes
        status, _, ids2 = self.post(batch)
        self.assertEqual((status, ids2), (200, ids))
        self.assertEqual(self.completions("E1002"), after)
        fam, _ = metrics(self.d.base)
        self.assertEqual(sample(fam, "pathwaysd_xapi_statements",
                                "pathwaysd_xapi_statements_total", outcome="recorded"), recorded)
        self.assertGreaterEqual(sample(fam, "pathwaysd_xapi_statements",
                                       "pathwaysd_xapi_statements_total", outcome="repeated"), 2)
        self.assertGreaterEqual(sample(fam, "pathwaysd_xapi_statements",
                                       "pathwaysd_xapi_statements_total", outcome="ignored"), 1)
        # the same id with other content: 409, and nothing changes
        other = adl_statement(sid, {"account": {"homePage": "x", "name": "E1002"}},
                              "completed", "https://lms.example.com/courses/LMS-1002",
                              timestamp="2025-01-01T00:00:00Z")
        status, _, js = self.post(other)
        self.assertEqual(status, 409, js)
        self.assertEqual(self.completions("E1002"), after)

    def test_mbox_and_module_keys_and_passed(self):
        st = adl_statement(None, {"mbox": "mailto:ann@example.com"}, "passed",
                           "https://lms.example.com/activities/comm-foundations",
                           timestamp="2024-06-01T12:00:00+02:00")
        status, _, ids = self.post(st)
        self.assertEqual(status, 200, ids)
        self.assertEqual(len(ids), 1)
        self.assertIn(["comm-foundations", "1717236000000"], self.completions("E1003"))

    def test_unknown_actor_or_activity_is_400_naming_it(self):
        st = adl_statement(None, {"account": {"homePage": "x", "name": "E9999"}}, "completed",
                           "https://lms.example.com/courses/LMS-1002")
        status, _, js = self.post(st)
        self.assertEqual(status, 400)
        self.assertIn("E9999", js["message"])
        st = adl_statement(None, {"account": {"homePage": "x", "name": "E1002"}}, "completed",
                           "https://lms.example.com/courses/NO-SUCH")
        status, _, js = self.post(st)
        self.assertEqual(status, 400)
        self.assertIn("NO-SUCH", js["message"])

    def test_the_version_header_and_a_write_token_are_required(self):
        st = adl_statement(None, {"account": {"homePage": "x", "name": "E1002"}}, "completed",
                           "https://lms.example.com/courses/LMS-1002")
        self.assertEqual(self.post(st, headers={})[0], 400)
        status, _, js = self.post(st, token=self.reader)
        self.assertEqual((status, js["code"]), (403, 7))


class Listen(unittest.TestCase):
    def check(self, *args):
        return subprocess.run([H.PATHWAYSD, "--check-config", "--db", "dbname=x"] + list(args),
                              capture_output=True, text=True)

    def test_a_wide_listen_needs_tls_and_tokens_or_allow_insecure(self):
        r = self.check("--http", "0.0.0.0:%d" % H.free_port())
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("not loopback", r.stderr)
        with tempfile.TemporaryDirectory() as d:
            conf = os.path.join(d, "c.conf")
            with open(conf, "w") as f:
                f.write("[http]\nlisten = 0.0.0.0:8080\nallow_insecure = true\n")
            r = self.check("--config", conf)
            self.assertEqual(r.returncode, 0, r.stderr)


class Tls(unittest.TestCase):
    def test_https_with_a_self_signed_certificate(self):
        db = H.demo_database()
        with tempfile.TemporaryDirectory() as d:
            cert, key = os.path.join(d, "c.pem"), os.path.join(d, "k.pem")
            self.selfsigned(cert, key)
            tok = H.ctl("token", "tls", "--dir", d).stdout.strip()
            conf = os.path.join(d, "c.conf")
            with open(conf, "w") as f:
                f.write("[http]\ntls_cert_file = %s\ntls_key_file = %s\ntokens_dir = %s\n"
                        % (cert, key, d))
            dm = HttpDaemon(db, config=conf, scheme="https")
            try:
                ctx = ssl.create_default_context(cafile=cert)
                status, _, js = dm.call("Gap", {"employeeId": "E1001", "roleKey": "ops-ic-4"},
                                        {"Authorization": "Bearer " + tok}, context=ctx)
                self.assertEqual(status, 200, js)
                self.assertEqual(js["employeeId"], "E1001")
                self.assertEqual(http(dm.base + "/healthz", context=ctx)[0], 200)
                # plain HTTP on the TLS port gets nothing useful
                with self.assertRaises(Exception):
                    http(dm.base.replace("https", "http") + "/healthz", timeout=5)
                r = subprocess.run(["curl", "-s", "--cacert", cert, dm.base + "/readyz"],
                                   capture_output=True, text=True)
                self.assertEqual(json.loads(r.stdout), {"status": "serving"})
                # SIGHUP takes new certificate files; the old one is gone
                old = os.path.join(d, "old.pem")
                os.rename(cert, old)
                self.selfsigned(cert, key)
                dm.signal(signal.SIGHUP)
                new_ctx = ssl.create_default_context(cafile=cert)
                self.assertTrue(H.wait_for(lambda: self.reaches(dm.base, new_ctx), timeout=10),
                                dm.output())
                self.assertFalse(self.reaches(dm.base, ssl.create_default_context(cafile=old)))
                # a broken certificate is refused: the one in use goes on
                with open(cert, "w") as f:
                    f.write("not a certificate\n")
                dm.signal(signal.SIGHUP)
                time.sleep(1)
                self.assertTrue(self.reaches(dm.base, new_ctx), dm.output())
            finally:
                dm.stop()

    @staticmethod
    def selfsigned(cert, key):
        subprocess.run(["openssl", "req", "-x509", "-newkey", "rsa:2048", "-nodes",
                        "-keyout", key, "-out", cert, "-days", "1", "-subj", "/CN=localhost",
                        "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost"],
                       check=True, capture_output=True)

    @staticmethod
    def reaches(base, ctx):
        try:
            return http(base + "/healthz", context=ctx, timeout=5)[0] == 200
        except (ssl.SSLError, urllib.error.URLError, OSError):
            return False


if __name__ == "__main__":
    H.main()
