"""The Python client package (client/python/pathways, as built in
build/client/python) against live daemons: every method, errors as
exceptions, several endpoints with one dead or hung, CURVE certificates
from `pathwaysctl keygen`. WireFormat checks what the client puts on the
wire (ids, deadline, metadata) and that it drops late replies, against a
plain ZeroMQ ROUTER socket standing in for the daemon: only there can a
stale reply be sent on purpose."""
import os
import shutil
import signal
import sys
import tempfile
import threading
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import zmq  # noqa: E402

sys.path.insert(0, os.path.join(H.BUILD, "client", "python"))
import pathways  # noqa: E402
from pathways import pb  # noqa: E402

NOW_MS = int(time.time() * 1000)


def dead_endpoint():
    """A loopback endpoint nobody listens on."""
    return "tcp://127.0.0.1:%d" % H.free_port()


def wait_serving(c, timeout=60, settle=0.0):
    deadline = time.time() + timeout
    while True:
        try:
            if c.health(timeout=1.0).serving:
                break
        except pathways.Timeout:
            pass
        if time.time() > deadline:
            raise AssertionError("not serving within %d s" % timeout)
        time.sleep(0.05)
    # One daemon answering does not mean the client's connection to every
    # other one has finished its handshake: ZeroMQ adds a connection to the
    # round robin only then, and one added while a call waits can take the
    # turn the retry was meant for.
    time.sleep(settle)


class Live(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
        cls.conf.write("[server]\nallow_writes = true\n")
        cls.conf.close()
        cls.d = H.Daemon(cls.db, config=cls.conf.name)
        cls.c = pathways.Client(cls.d.endpoint, timeout=10.0)

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()
        os.unlink(cls.conf.name)

    def test_every_method_of_the_service_is_a_method_of_the_client(self):
        names = pathways.method_names()
        self.assertEqual(len(names), 16)
        for name in names:
            snake = "".join("_" + ch.lower() if ch.isupper() else ch for ch in name)[1:]
            self.assertTrue(callable(getattr(pathways.Client, snake, None)), snake)

    def test_reads(self):
        c = self.c
        h = c.health()
        self.assertTrue(h.serving)
        self.assertEqual(h.version, pathways.__version__)
        self.assertEqual(c.snapshot_version, h.snapshot_version)
        self.assertIsInstance(c.stats(), pb.StatsResponse)
        roles = c.list_roles()
        self.assertEqual(len(roles.roles), h.roles)
        self.assertTrue(all(r.area == "fin" for r in c.list_roles(area="fin").roles))
        r = c.readiness(employee_ids=["E1002"], role_keys=["fin-ic-3"])
        self.assertEqual([(x.employee_id, x.role_key) for x in r.results], [("E1002", "fin-ic-3")])
        g = c.gap(employee_id="E1002", role_key="fin-ic-3")
        self.assertEqual((g.employee_id, g.role_key), ("E1002", "fin-ic-3"))
        self.assertGreater(len(g.gaps), 0)
        p = c.path(from_employee="E1002", to_role="fin-ic-3")
        self.assertGreater(len(p.routes), 0)
        self.assertGreater(len(c.explore(from_employee="E1002").roles), 0)
        self.assertIsInstance(c.recommend_modules(employee_id="E1002", role_key="fin-ic-3"),
                              pb.RecommendModulesResponse)
        self.assertGreater(len(c.bench(role_key="fin-ic-3", limit=5).candidates), 0)
        self.assertIsInstance(c.mentors(employee_id="E1002", role_key="fin-ic-3"),
                              pb.MentorsResponse)
        self.assertIsInstance(c.audit(), pb.AuditResponse)
        self.assertEqual(c.placement(employee_id="E1002").employee_id, "E1002")
        # a ready message instead of keyword arguments; the generic call()
        req = pb.ReadinessRequest(employee_ids=["E1002"], role_keys=["fin-ic-3"])
        self.assertEqual(c.readiness(req), r)
        self.assertEqual(c.call("/pathways.v1.Pathways/Readiness", req), r)

    def test_writes_with_metadata(self):
        c = self.c
        rec = pb.AssessmentRecord(employee_id="E1003", competency_key="communication", level=4,
                                  source="manager", assessed_at_unix_ms=NOW_MS - 5000)
        w = c.record_assessments(records=[rec], metadata={"trace": "python-client-1"})
        self.assertEqual((w.written, w.unchanged), (1, 0))
        self.assertEqual(c.record_assessments(records=[rec]).unchanged, 1)
        module = H.psql(self.db, "SELECT key FROM module ORDER BY key LIMIT 1")[0][0]
        done = pb.CompletionRecord(employee_id="E1003", module_key=module,
                                   completed_at_unix_ms=NOW_MS - 1000)
        self.assertEqual(c.record_completions(records=[done]).written, 1)
        e = c.erase_employee(employee_id="E1071")
        self.assertTrue(e.erased)
        with self.assertRaises(pathways.NotFound):
            c.placement(employee_id="E1071")

    def test_errors_are_exceptions_with_the_grpc_code(self):
        with self.assertRaises(pathways.NotFound) as cm:
            self.c.readiness(employee_ids=["NOBODY"], role_keys=["fin-ic-3"])
        e = cm.exception
        self.assertIsInstance(e, pathways.Error)
        self.assertEqual((e.code, e.code_name, e.method), (5, "NOT_FOUND", "Readiness"))
        self.assertIn("NOBODY", e.message)
        self.assertGreater(e.snapshot_version, 0)
        with self.assertRaises(pathways.Error) as cm:
            self.c.gap(employee_id="", role_key="")
        self.assertIn(cm.exception.code, (3, 5))
        with self.assertRaises(ValueError):
            self.c.call("NoSuchMethod")
        with self.assertRaises(TypeError):
            self.c.call("Readiness", pb.GapRequest())
        with self.assertRaises(TypeError):
            self.c.readiness(pb.ReadinessRequest(), employee_ids=["E1002"])
        # the client stays usable
        self.assertTrue(self.c.health().serving)

    def test_no_daemon_is_a_timeout(self):
        with pathways.Client(dead_endpoint(), timeout=0.3) as c:
            t0 = time.monotonic()
            with self.assertRaises(pathways.Timeout) as cm:
                c.health()
            self.assertLess(time.monotonic() - t0, 5)
        self.assertIsInstance(cm.exception, TimeoutError)
        self.assertIsInstance(cm.exception, pathways.DeadlineExceeded)
        self.assertEqual(cm.exception.code, 4)

    def test_one_dead_endpoint_among_several(self):
        with pathways.Client([dead_endpoint(), self.d.endpoint, dead_endpoint()],
                             timeout=5.0) as c:
            for _ in range(6):
                self.assertTrue(c.health().serving)
                self.assertEqual(len(c.readiness(employee_ids=["E1002"],
                                                 role_keys=["fin-ic-3"]).results), 1)


class Failover(unittest.TestCase):
    """Two daemons over one database; one stops answering (SIGSTOP: its
    connection stays up, so ZeroMQ keeps handing it requests)."""

    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.a = H.Daemon(cls.db)
        cls.b = H.Daemon(cls.db)

    @classmethod
    def tearDownClass(cls):
        cls.a.stop()
        cls.b.stop()

    def test_a_read_is_sent_again_to_the_other_daemon(self):
        with pathways.Client([self.a.endpoint, self.b.endpoint], timeout=3.0) as c:
            wait_serving(c, settle=1.0)
            self.b.signal(signal.SIGSTOP)
            try:
                for _ in range(4):
                    t0 = time.monotonic()
                    r = c.readiness(employee_ids=["E1002"], role_keys=["fin-ic-3"])
                    self.assertEqual(len(r.results), 1)
                    self.assertLess(time.monotonic() - t0, 3.0)
            finally:
                self.b.signal(signal.SIGCONT)

    def test_a_write_is_never_sent_twice(self):
        with pathways.Client([self.a.endpoint, self.b.endpoint], timeout=1.0) as c:
            wait_serving(c, settle=1.0)
            self.b.signal(signal.SIGSTOP)
            answered = timeouts = 0
            try:
                # round robin: of two writes, one goes to the stopped daemon
                # and is not handed to the other one (writes are off on
                # these daemons: the live one answers PERMISSION_DENIED)
                for _ in range(2):
                    try:
                        c.erase_employee(employee_id="NOBODY")
                    except pathways.Timeout:
                        timeouts += 1
                    except pathways.PermissionDenied:
                        answered += 1
            finally:
                self.b.signal(signal.SIGCONT)
            self.assertEqual((answered, timeouts), (1, 1))


class Curve(unittest.TestCase):
    """Certificates made by `pathwaysctl keygen`, as an operator would."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pathways-pyc-")
        clients = os.path.join(cls.dir, "clients")
        os.mkdir(clients)
        H.ctl("keygen", "server", "--dir", cls.dir)
        H.ctl("keygen", "app", "--dir", clients)
        H.ctl("keygen", "lms", "--dir", clients, "--methods", "RecommendModules")
        conf = os.path.join(cls.dir, "pathwaysd.conf")
        with open(conf, "w") as f:
            f.write("[security]\ncurve_secret_key_file = %s\nallowed_clients_dir = %s\n"
                    % (os.path.join(cls.dir, "server.key"), clients))
        cls.server_pub = os.path.join(cls.dir, "server.pub")
        cls.clients = clients
        cls.d = H.Daemon(H.demo_database(), config=conf, wait=False)
        with pathways.Client(cls.d.endpoint, server_key=cls.server_pub,
                             client_key=os.path.join(clients, "app.key")) as c:
            wait_serving(c)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.dir, True)

    @classmethod
    def key(cls, name):
        return os.path.join(cls.clients, name + ".key")

    def test_an_allowed_certificate_calls(self):
        with pathways.Client(self.d.endpoint, server_key=self.server_pub,
                             client_key=self.key("app"), timeout=5.0) as c:
            self.assertTrue(c.health().serving)
            self.assertEqual(len(c.readiness(employee_ids=["E1002"],
                                             role_keys=["fin-ic-3"]).results), 1)
        # the keys themselves (Z85) instead of the certificate files
        pub, sec = pathways.read_certificate(self.key("app"))
        server = pathways.read_certificate(self.server_pub)[0]
        with pathways.Client(self.d.endpoint, server_key=server, client_key=(pub, sec),
                             timeout=5.0) as c:
            self.assertTrue(c.health().serving)

    def test_a_method_the_certificate_does_not_allow_is_permission_denied(self):
        with pathways.Client(self.d.endpoint, server_key=self.server_pub,
                             client_key=self.key("lms"), timeout=5.0) as c:
            c.recommend_modules(employee_id="E1002", role_key="fin-ic-3")
            with self.assertRaises(pathways.PermissionDenied) as cm:
                c.bench(role_key="fin-ic-3")
            self.assertEqual(cm.exception.code, 7)

    def test_an_unknown_key_gets_no_answer(self):
        with pathways.Client(self.d.endpoint, server_key=self.server_pub,
                             timeout=1.0) as c:
            with self.assertRaises(pathways.Timeout):
                c.health()

    def test_a_public_certificate_is_not_a_client_key(self):
        with self.assertRaises(ValueError):
            pathways.Client(self.d.endpoint, server_key=self.server_pub,
                            client_key=os.path.join(self.dir, "clients", "app.pub"))


class WireFormat(unittest.TestCase):
    def setUp(self):
        self.router = zmq.Context.instance().socket(zmq.ROUTER)
        self.router.setsockopt(zmq.LINGER, 0)
        port = self.router.bind_to_random_port("tcp://127.0.0.1")
        self.endpoint = "tcp://127.0.0.1:%d" % port
        self.seen = []

    def tearDown(self):
        self.router.close(0)

    def peer(self, replies):
        """Answer one request with replies(header) -> [(ResponseHeader, body)]."""
        def run():
            if not self.router.poll(10000):
                return
            ident, header, body = self.router.recv_multipart()
            h = pb.RequestHeader.FromString(header)
            self.seen.append((h, body))
            for rh, rbody in replies(h):
                self.router.send_multipart([ident, rh.SerializeToString(), rbody])
        t = threading.Thread(target=run)
        t.start()
        return t

    def test_the_header_carries_id_deadline_and_merged_metadata(self):
        ok = pb.HealthResponse(serving=True).SerializeToString()
        with pathways.Client(self.endpoint, timeout=4.0,
                             metadata={"trace": "t-1", "min_lsn": "0/16B3748"}) as c:
            for meta, want in (({}, {"trace": "t-1", "min_lsn": "0/16B3748"}),
                               ({"trace": "t-2", "min_lsn": None}, {"trace": "t-2"})):
                t = self.peer(lambda h: [(pb.ResponseHeader(request_id=h.request_id), ok)])
                self.assertTrue(c.health(metadata=meta).serving)
                t.join()
                h, body = self.seen[-1]
                self.assertEqual(h.method, "/pathways.v1.Pathways/Health")
                self.assertEqual(h.deadline_ms, 4000)
                self.assertEqual(dict(h.metadata), want)
                self.assertEqual(body, b"")
        self.assertEqual([h.request_id for h, _ in self.seen], [1, 2])

    def test_a_late_reply_to_another_request_is_dropped(self):
        late = pb.HealthResponse(serving=False, version="late").SerializeToString()
        ok = pb.HealthResponse(serving=True, version="ok").SerializeToString()
        with pathways.Client(self.endpoint, timeout=4.0) as c:
            t = self.peer(lambda h: [(pb.ResponseHeader(request_id=h.request_id + 100), late),
                                     (pb.ResponseHeader(request_id=h.request_id,
                                                        snapshot_version=7), ok)])
            self.assertEqual(c.health().version, "ok")
            t.join()
            self.assertEqual(c.snapshot_version, 7)
            t = self.peer(lambda h: [(pb.ResponseHeader(request_id=h.request_id, code=8,
                                                        message="overloaded"), b"")])
            with self.assertRaises(pathways.ResourceExhausted) as cm:
                c.health()
            t.join()
            self.assertEqual(cm.exception.message, "overloaded")


if __name__ == "__main__":
    H.main()
