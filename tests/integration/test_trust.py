"""Trust: erased means erased, every copy included, and the controls hold
against a determined client (issue 14). Real PostgreSQL, real daemon."""
import json
import os
import shutil
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


if __name__ == "__main__":
    H.main()
