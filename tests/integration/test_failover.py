"""Several daemons: one is killed mid-stream and the C client library's
calls are all answered by the other."""
import os
import signal
import subprocess
import sys
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402


class Failover(unittest.TestCase):
    def test_a_killed_daemon_loses_no_call(self):
        db = H.demo_database()
        a = H.Daemon(db)
        b = H.Daemon(db)
        try:
            loop = subprocess.Popen([os.path.join(H.BUILD, "tests", "pw_loop"), a.endpoint, b.endpoint,
                                     "--", "600"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            time.sleep(0.6)
            a.proc.send_signal(signal.SIGKILL)
            out, err = loop.communicate(timeout=120)
            ok, failed = (int(x) for x in out.split())
            print("%d calls answered, %d failed" % (ok, failed))
            self.assertEqual((ok, failed), (600, 0), err)
            self.assertEqual(loop.returncode, 0)
        finally:
            a.proc.wait()
            a.log.close()
            b.stop()


if __name__ == "__main__":
    H.main()
