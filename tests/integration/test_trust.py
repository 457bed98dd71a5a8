"""Trust: erased means erased, every copy included, and the controls hold
against a determined client (issue 14). Real PostgreSQL, real daemon."""
import json
import os
import shutil
import signal
import stat
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402


def code_of(c, method, req):
    h, _ = c.call(method, req)
    return h.code


class ErasureReachesTheSavedSnapshot(unittest.TestCase):
    """Once EraseEmployee answers OK the saved snapshot no longer holds the
    person: a restart while the database is down serves everyone else and
    not them. The same for an erasure made straight in the database."""

    def setUp(self):
        self.cluster = H.Cluster()
        self.db = H.with_db(self.cluster.conninfo, "pathways")
        H.ctl("migrate", db=self.db)
        H.ctl("import", H.DEMO, db=self.db)
        self.dir = tempfile.mkdtemp(prefix="pathways-trust-")
        self.path = os.path.join(self.dir, "snapshot.bin")
        self.conf = os.path.join(self.dir, "w.conf")
        with open(self.conf, "w") as f:
            f.write("[server]\nallow_writes = true\n")

    def tearDown(self):
        shutil.rmtree(self.dir, True)

    def saved(self):
        with open(self.path, "rb") as f:
            return f.read()

    def test_an_erased_employee_is_not_served_from_the_saved_snapshot(self):
        P = H.pb()
        d = H.Daemon(self.db, args=["--snapshot-path", self.path], config=self.conf)
        c = H.Client(d.endpoint)
        try:
            self.assertIsNotNone(H.wait_for(lambda: os.path.exists(self.path)
                                            and b"E1050" in self.saved(), timeout=10))
            self.assertIn(b"E1051", self.saved())
            h, body = c.call("EraseEmployee", P.EraseEmployeeRequest(employee_id="E1050"))
            self.assertEqual((h.code, body.erased), (0, True), h.message)
            # at the OK, not later (grep -a E1050 snapshot.bin)
            self.assertFalse(b"E1050" in self.saved(), "E1050 still in the saved snapshot")
            # erased behind the daemon's back: gone from the file by the
            # time the daemon stops serving them
            H.ctl("erase-employee", "E1051", db=self.db)
            self.assertIsNotNone(H.wait_for(lambda: code_of(
                c, "Readiness", P.ReadinessRequest(employee_ids=["E1051"])) == 5, timeout=10))
            self.assertFalse(b"E1051" in self.saved(), "E1051 still in the saved snapshot")
            self.assertIn(b"E1003", self.saved())
        finally:
            c.close()
            d.proc.kill()  # no orderly shutdown to tidy up after us
            d.proc.wait()
            d.log.close()
        self.cluster.stop()
        d = H.Daemon(self.db, args=["--snapshot-path", self.path], wait=False)
        c = H.Client(d.endpoint)
        try:
            h, body = H.wait_for(lambda: (lambda hb: hb if hb[0].code == 0 and hb[1].serving else None)(
                c.call("Health", P.HealthRequest(), timeout_ms=2000)), timeout=20)
            self.assertFalse(body.database_connected)
            for emp in ("E1050", "E1051"):
                h, _ = c.call("Readiness", P.ReadinessRequest(employee_ids=[emp]))
                self.assertEqual(h.code, 5, "%s served again from the saved snapshot" % emp)
                h, _ = c.call("Gap", P.GapRequest(employee_id=emp, role_key="mkt-ic-5"))
                self.assertEqual(h.code, 5)
            h, body = c.call("Readiness", P.ReadinessRequest(employee_ids=["E1003"],
                                                             role_keys=["mkt-ic-5"]))
            self.assertEqual(h.code, 0, h.message)
            self.assertEqual(len(body.results), 1)
        finally:
            c.close()
            d.stop()

    def test_a_group_writable_snapshot_directory_is_refused(self):
        os.chmod(self.dir, 0o770)
        d = H.Daemon(self.db, args=["--snapshot-path", self.path], wait=False)
        try:
            d.proc.wait(30)
        except subprocess.TimeoutExpired:
            d.proc.kill()
            d.proc.wait()
        out = d.output()
        d.log.close()
        self.assertNotEqual(d.proc.returncode, 0)
        self.assertIn("group- or world-writable", out)
        self.assertFalse(os.path.exists(self.path))


class AccessLogKeepsEveryId(unittest.TestCase):
    """Every employee id a request named is in its access-log line, as a
    JSON array of strings, with the request_id and the caller's trace_id."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pathways-trust-")
        cls.access = os.path.join(cls.dir, "access.log")
        conf = os.path.join(cls.dir, "c.conf")
        with open(conf, "w") as f:
            f.write("[log]\naccess_log = %s\n" % cls.access)
        cls.d = H.Daemon(H.demo_database(), config=conf)
        cls.c = H.Client(cls.d.endpoint)

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()
        shutil.rmtree(cls.dir, True)

    def lines(self):
        with open(self.access) as f:
            return [json.loads(line) for line in f]

    def test_a_large_batch_and_odd_ids_are_logged_whole(self):
        P = H.pb()
        ids = ["E%d" % (1001 + i % 70) for i in range(70)] + \
              ["X%04d" % i for i in range(130)] + ['a,b', 'say "hi"', "back\\slash", "\u00e9t\u00e9"]
        rid = 987654321012
        h = P.RequestHeader(method="/pathways.v1.Pathways/Readiness", request_id=rid,
                            deadline_ms=10000)
        h.metadata["trace_id"] = "4bf92f3577b34da6a3ce929d0e0e4736"
        self.c.send_frames([h.SerializeToString(),
                            P.ReadinessRequest(employee_ids=ids,
                                               role_keys=["mkt-ic-5"]).SerializeToString()])
        rh = P.ResponseHeader.FromString(self.c.recv_frames()[0])
        self.assertEqual(rh.request_id, rid)
        mine = [l for l in self.lines() if l.get("request_id") == rid]
        self.assertEqual(len(mine), 1, mine)
        self.assertEqual(mine[0]["employees"], ids)
        self.assertEqual(mine[0]["trace_id"], "4bf92f3577b34da6a3ce929d0e0e4736")
        self.assertEqual(mine[0]["method"], "Readiness")

    def test_without_a_trace_id_the_line_has_none(self):
        P = H.pb()
        h, _ = self.c.call("Gap", P.GapRequest(employee_id="E1003", role_key="mkt-ic-5"),
                           request_id=4242)
        self.assertEqual(h.code, 0, h.message)
        mine = [l for l in self.lines() if l.get("request_id") == 4242]
        self.assertEqual(len(mine), 1)
        self.assertNotIn("trace_id", mine[0])
        self.assertEqual(mine[0]["employees"], ["E1003"])

    def test_the_access_log_is_readable_by_its_owner_only(self):
        self.assertEqual(stat.S_IMODE(os.stat(self.access).st_mode), 0o600)


class OnlyLoopbackWithoutCurve(unittest.TestCase):
    def test_an_endpoint_with_a_semicolon_is_refused(self):
        port = H.free_port()
        r = subprocess.run([H.PATHWAYSD, "--db", "dbname=none", "--listen",
                            "tcp://127.0.0.1:0;0.0.0.0:%d" % port],
                           capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("';' is not allowed", r.stderr)
        r = subprocess.run([H.PATHWAYSD, "--check-config", "--db", "dbname=none",
                            "--listen", "tcp://127.0.0.1:0;0.0.0.0:%d" % port],
                           capture_output=True, text=True, timeout=30)
        self.assertNotEqual(r.returncode, 0)


def cert(path, public, secret=None, methods=None):
    with open(path, "w") as f:
        if methods is not None:
            f.write('metadata\n    methods = "%s"\n' % methods)
        f.write('curve\n    public-key = "%s"\n' % public.decode())
        if secret:
            f.write('    secret-key = "%s"\n' % secret.decode())


class ClientKeysReloadOnSighup(unittest.TestCase):
    """SIGHUP re-reads allowed_clients_dir: a key added gets in, a key
    removed is refused, each is logged; a bad folder keeps the old list."""

    def setUp(self):
        import zmq
        self.zmq = zmq
        self.dir = tempfile.mkdtemp(prefix="pathways-trust-")
        self.server_pub, server_sec = zmq.curve_keypair()
        cert(os.path.join(self.dir, "server.key"), self.server_pub, server_sec)
        self.clients = os.path.join(self.dir, "clients")
        os.mkdir(self.clients)
        self.keys = {n: zmq.curve_keypair() for n in ("old", "new")}
        cert(os.path.join(self.clients, "old.pub"), self.keys["old"][0])
        conf = os.path.join(self.dir, "c.conf")
        with open(conf, "w") as f:
            f.write("[security]\ncurve_secret_key_file = %s\nallowed_clients_dir = %s\n"
                    % (os.path.join(self.dir, "server.key"), self.clients))
        self.d = H.Daemon(H.demo_database(), config=conf, wait=False)
        c = self.client("old")
        try:
            H.wait_for(lambda: c.call("Health", H.pb().HealthRequest(),
                                      timeout_ms=1000)[1].serving, timeout=30)
        finally:
            c.close()

    def tearDown(self):
        self.d.stop()
        shutil.rmtree(self.dir, True)

    def client(self, name):
        zmq = self.zmq
        c = H.Client.__new__(H.Client)
        c.ctx = zmq.Context.instance()
        c.sock = c.ctx.socket(zmq.DEALER)
        c.sock.setsockopt(zmq.LINGER, 0)
        c.kind = zmq.DEALER
        pub, sec = self.keys[name]
        c.sock.curve_serverkey = self.server_pub
        c.sock.curve_publickey = pub
        c.sock.curve_secretkey = sec
        c.sock.connect(self.d.endpoint)
        return c

    def reloaded(self, mark, count):
        self.d.signal(signal.SIGHUP)
        self.assertIsNotNone(H.wait_for(lambda: self.d.output().count(mark) >= count,
                                        timeout=10), self.d.output())

    def test_keys_follow_the_folder_and_a_bad_folder_keeps_the_list(self):
        P = H.pb()
        old = self.client("old")
        try:
            h, _ = old.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 0, h.message)
            os.unlink(os.path.join(self.clients, "old.pub"))
            cert(os.path.join(self.clients, "new.pub"), self.keys["new"][0],
                 methods="Readiness")
            self.reloaded("config: reloaded", 1)
            out = self.d.output()
            self.assertIn("client new.pub", out)
            self.assertIn("may call Readiness", out)
            # revoked: its open connection is refused from now on
            h, _ = old.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 7)
        finally:
            old.close()
        new = self.client("new")
        try:
            h, _ = new.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]),
                            timeout_ms=5000)
            self.assertEqual(h.code, 0, h.message)
            h, _ = new.call("Bench", P.BenchRequest(role_key="ops-ic-4"))
            self.assertEqual(h.code, 7)
            with open(os.path.join(self.clients, "bad.pub"), "w") as f:
                f.write("not a certificate\n")
            self.reloaded("reload failed", 1)
            self.assertIn("bad.pub", self.d.output())
            h, _ = new.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 0, h.message)
        finally:
            new.close()


if __name__ == "__main__":
    H.main()
