"""CURVE: an unknown key gets nothing, a known key only its methods; the
access log records who read whose data."""
import json
import os
import shutil
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import zmq  # noqa: E402


def cert(path, public, secret=None, methods=None):
    with open(path, "w") as f:
        f.write("#   ZeroMQ CURVE %s Certificate\n\n" % ("Secret" if secret else "Public"))
        if methods is not None:
            f.write('metadata\n    methods = "%s"\n' % methods)
        f.write('curve\n    public-key = "%s"\n' % public.decode())
        if secret:
            f.write('    secret-key = "%s"\n' % secret.decode())


class Curve(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pathways-curve-")
        cls.server_pub, server_sec = zmq.curve_keypair()
        cert(os.path.join(cls.dir, "server.key"), cls.server_pub, server_sec)
        clients = os.path.join(cls.dir, "clients")
        os.mkdir(clients)
        cls.keys = {}
        for name, methods in (("lms", "RecommendModules"), ("perf", "Readiness,Gap"),
                              ("reader", None), ("hr", "RecordAssessments,Readiness")):
            pub, sec = zmq.curve_keypair()
            cls.keys[name] = (pub, sec)
            cert(os.path.join(clients, name + ".pub"), pub, methods=methods)
        cls.access = os.path.join(cls.dir, "access.log")
        cls.conf = os.path.join(cls.dir, "pathwaysd.conf")
        with open(cls.conf, "w") as f:
            f.write("[security]\ncurve_secret_key_file = %s\nallowed_clients_dir = %s\n"
                    "[log]\naccess_log = %s\n" % (os.path.join(cls.dir, "server.key"), clients, cls.access))
        cls.db = H.demo_database()
        cls.d = H.Daemon(cls.db, config=cls.conf, wait=False)
        c = cls.client("reader")
        try:
            def serving():
                try:
                    return c.call("Health", H.pb().HealthRequest(), timeout_ms=1000)[1].serving
                except TimeoutError:  # the CURVE handshake, a busy machine
                    return False
            if not H.wait_event(serving, "serving over CURVE"):
                raise AssertionError("pathwaysd not serving:\n" + cls.d.output())
        finally:
            c.close()

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.dir, True)

    @classmethod
    def client(cls, name=None):
        keys = cls.keys[name] if name else zmq.curve_keypair()
        return H.Client(cls.d.endpoint, curve=(cls.server_pub,) + tuple(keys))

    def test_an_unknown_key_gets_nothing(self):
        c = self.client()
        try:
            with self.assertRaises(TimeoutError):
                c.call("Health", H.pb().HealthRequest(), timeout_ms=1500)
        finally:
            c.close()
        self.assertIn("unknown key was refused", self.d.output())

    def test_a_plaintext_client_gets_nothing(self):
        c = H.Client(self.d.endpoint)
        try:
            with self.assertRaises(TimeoutError):
                c.call("Health", H.pb().HealthRequest(), timeout_ms=1500)
        finally:
            c.close()

    def test_a_known_key_gets_only_its_methods(self):
        P = H.pb()
        lms = self.client("lms")
        perf = self.client("perf")
        reader = self.client("reader")
        try:
            h, body = lms.call("RecommendModules", P.RecommendModulesRequest(employee_id="E1001", role_key="ops-ic-4"))
            self.assertEqual(h.code, 0, h.message)
            h, _ = lms.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 7)
            self.assertIn("Readiness", h.message)
            h, _ = lms.call("Health", P.HealthRequest())
            self.assertEqual(h.code, 0)
            h, _ = perf.call("Readiness", P.ReadinessRequest(employee_ids=["E1001"]))
            self.assertEqual(h.code, 0)
            h, _ = perf.call("Bench", P.BenchRequest(role_key="ops-ic-4"))
            self.assertEqual(h.code, 7)
            # no methods line: the read methods, never a write
            h, _ = reader.call("Bench", P.BenchRequest(role_key="ops-ic-4"))
            self.assertEqual(h.code, 0)
            h, _ = reader.call("RecordAssessments", P.RecordAssessmentsRequest())
            self.assertEqual(h.code, 7)
        finally:
            lms.close()
            perf.close()
            reader.close()

    def test_a_key_allowed_to_write_may_write(self):
        P = H.pb()
        hr = self.client("hr")
        try:
            h, body = hr.call("RecordAssessments", P.RecordAssessmentsRequest(records=[
                P.AssessmentRecord(employee_id="E1007", competency_key="communication", level=4,
                                   source="manager", assessed_at_unix_ms=int(time.time() * 1000) - 1000)]))
            self.assertEqual(h.code, 0, h.message)
            self.assertEqual(body.written, 1)
        finally:
            hr.close()

    def test_the_access_log_says_who_read_whose_data(self):
        P = H.pb()
        perf = self.client("perf")
        try:
            t0 = time.monotonic()
            perf.call("Readiness", P.ReadinessRequest(employee_ids=["E1011", "E1012"], role_keys=["ops-ic-2"]))
            round_trip_us = (time.monotonic() - t0) * 1e6
            perf.call("Placement", P.PlacementRequest(employee_id="E1013"))
        finally:
            perf.close()
        fp = "key:" + self.keys["perf"][0].decode()[:12]
        with open(self.access) as f:
            lines = [json.loads(l) for l in f]
        mine = [l for l in lines if l["client"] == fp and l["method"] == "Readiness"]
        self.assertTrue(mine, lines[-5:])
        self.assertEqual(mine[-1]["employees"], ["E1011", "E1012"])
        self.assertEqual(mine[-1]["code"], 0)
        # the daemon's time for the call: some, and within the client's
        # whole round trip around it
        us = mine[-1]["us"]
        self.assertIsInstance(us, int)
        self.assertGreater(us, 0)
        self.assertLessEqual(us, round_trip_us)
        # a denied call is logged too, with what it asked about
        denied = [l for l in lines if l["client"] == fp and l["method"] == "Placement"]
        self.assertEqual([(l["code"], l["employees"]) for l in denied], [(7, [])])


class AccessLogPlain(unittest.TestCase):
    def test_without_curve_the_peer_address_is_logged_and_sighup_reopens(self):
        d0 = tempfile.mkdtemp(prefix="pathways-access-")
        access = os.path.join(d0, "access.log")
        conf = os.path.join(d0, "c.conf")
        with open(conf, "w") as f:
            f.write("[log]\naccess_log = %s\n" % access)
        db = H.demo_database()
        d = H.Daemon(db, config=conf)
        c = H.Client(d.endpoint)
        try:
            c.call("Gap", H.pb().GapRequest(employee_id="E1001", role_key="ops-ic-4"))
            with open(access) as f:
                line = json.loads(f.readlines()[-1])
            self.assertEqual(line["method"], "Gap")
            self.assertEqual(line["employees"], ["E1001"])
            self.assertTrue(line["client"].startswith("127.0.0.1"), line)
            os.rename(access, access + ".1")
            d.signal(__import__("signal").SIGHUP)
            # the reopen made a new file: from then on lines go there
            self.assertTrue(H.wait_event(lambda: os.path.exists(access), "access log reopened"))
            c.call("Gap", H.pb().GapRequest(employee_id="E1002", role_key="ops-ic-4"))
            def read(p):
                with open(p) as f:
                    return f.read()
            self.assertTrue(H.wait_for(lambda: os.path.exists(access) and "E1002" in read(access), timeout=H.HANG))
            self.assertNotIn("E1002", read(access + ".1"))
        finally:
            c.close()
            d.stop()
            shutil.rmtree(d0, True)


if __name__ == "__main__":
    H.main()
