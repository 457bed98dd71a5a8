"""Several daemons: one hangs, then is killed, mid-stream, and the C client
library's calls are all answered, the hung daemon's by a resend to the
other."""
import os
import signal
import subprocess
import sys
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402

CALLS = 600
TIMEOUT_MS = 4000  # per call; a call waiting half of it is resent


def readiness_calls(d):
    c = H.Client(d.endpoint)
    try:
        h, st = c.call("Stats", H.pb().StatsRequest(), timeout_ms=int(H.HANG * 1000))
    finally:
        c.close()
    assert h.code == 0, h.message
    return sum(m.calls for m in st.methods if m.method == "Readiness")


class Failover(unittest.TestCase):
    def test_a_hung_then_killed_daemon_loses_no_call(self):
        db = H.demo_database()
        a = H.Daemon(db)
        b = H.Daemon(db)
        loop = None
        try:
            loop = subprocess.Popen([os.path.join(H.BUILD, "tests", "pw_loop"), a.endpoint,
                                     b.endpoint, "--", str(CALLS), str(TIMEOUT_MS)],
                                    stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
            # a has served calls before it fails (counted, not timed)
            self.assertTrue(H.wait_event(lambda: loop.poll() is not None or
                                         readiness_calls(a) >= 20, "a serving"))
            self.assertIsNone(loop.poll(), "pw_loop ended before the failure")
            served_by_a = readiness_calls(a)
            # a hangs: the calls ZeroMQ hands it get no reply and must be
            # resent to b; then a dies for good
            a.proc.send_signal(signal.SIGSTOP)
            b0 = readiness_calls(b)
            self.assertTrue(H.wait_event(lambda: loop.poll() is not None or
                                         readiness_calls(b) >= b0 + 3, "b serving alone"))
            a.proc.send_signal(signal.SIGKILL)
            out, err = loop.communicate(timeout=H.HANG + CALLS * TIMEOUT_MS / 1000)
            ok, failed, slow = (int(x) for x in out.split())
            print("a served %d calls before it hung; %d answered, %d failed, %d resent"
                  % (served_by_a, ok, failed, slow))
            self.assertEqual((ok, failed), (CALLS, 0), err)
            self.assertEqual(loop.returncode, 0)
            self.assertGreater(slow, 0, "no call was resent: the failure was never met")
        finally:
            if loop and loop.poll() is None:
                loop.kill()
                loop.wait()
            if a.proc.poll() is None:
                a.proc.kill()
            a.proc.wait()
            a.log.close()
            b.stop()


if __name__ == "__main__":
    H.main()
