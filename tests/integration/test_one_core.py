"""One CPU and libzmq's I/O thread ([server] io_batch, server_io.c): at
rest the I/O thread keeps the default scheduling; while the frontend is
behind (many requests in flight) it runs SCHED_BATCH, and returns to the
default once the load is over; with io_batch = false it never changes.
With every thread of the daemon on one CPU (taskset -a, as in a container
with a one-CPU cpuset) 256 small requests in flight are all answered, each
as the oracle says, and a request that waited past its deadline is still
DEADLINE_EXCEEDED."""
import os
import random
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402
import oracle as O  # noqa: E402
import test_promises as TP  # noqa: E402

PREFIX = "/pathways.v1.Pathways/"
SCHED_OTHER, SCHED_BATCH = 0, 3


def policies(pid):
    """{thread name: [scheduling policy of each thread of that name]}."""
    out = {}
    for tid in os.listdir("/proc/%d/task" % pid):
        with open("/proc/%d/task/%s/stat" % (pid, tid)) as f:
            stat = f.read()
        # the name is in parentheses and may hold spaces: count after it
        name = stat[stat.index("(") + 1:stat.rindex(")")]
        fields = stat[stat.rindex(")") + 2:].split()
        out.setdefault(name, []).append(int(fields[38]))  # field 41
    return out


def pin(pid, cpu):
    """Every thread of pid on cpu (taskset -a -p)."""
    for tid in os.listdir("/proc/%d/task" % pid):
        os.sched_setaffinity(int(tid), {cpu})


def readiness_frames(P, rid, e, r):
    return [P.RequestHeader(method=PREFIX + "Readiness", request_id=rid,
                            deadline_ms=int(H.HANG * 1000)).SerializeToString(),
            P.ReadinessRequest(employee_ids=[e], role_keys=[r]).SerializeToString()]


def load_until(test, d, pred, rounds=None):
    """Rounds of 256 Readiness requests in flight on one socket; after
    sending each round (while the daemon works through it) pred() is
    asked. Until pred() is true (returned) or HANG seconds, or for
    `rounds` rounds (then whether pred() was ever true)."""
    P = H.pb()
    emp = H.psql(test.db, "SELECT external_id FROM employee ORDER BY 1 LIMIT 1")[0][0]
    role = H.psql(test.db, "SELECT key FROM role ORDER BY 1 LIMIT 1")[0][0]
    c = H.Client(d.endpoint)
    seen = False
    deadline = time.time() + H.HANG
    n = 0
    try:
        while time.time() < deadline and (rounds is None or n < rounds):
            for rid in range(1, 257):
                c.send_frames(readiness_frames(P, rid, emp, role))
            seen = seen or pred()
            for _ in range(256):
                rh = P.ResponseHeader.FromString(c.recv_frames(int(H.HANG * 1000))[0])
                test.assertEqual(rh.code, 0, rh.message)
            n += 1
            if seen and rounds is None:
                break
    finally:
        c.close()
    return seen


class OneCore(H.DemoDaemonCase):
    def test_the_io_thread_is_batched_under_load_and_only_then(self):
        pid = self.d.proc.pid
        io = lambda: policies(pid).get("ZMQbg/IO/0")  # noqa: E731
        h, _ = self.c.call("Health", self.P.HealthRequest())
        self.assertEqual(h.code, 0)
        self.assertTrue(H.wait_event(lambda: io() == [SCHED_OTHER], "at rest: default"),
                        policies(pid))
        self.assertTrue(load_until(self, self.d, lambda: io() == [SCHED_BATCH]),
                        "256 in flight and never batched: %s" % policies(pid))
        # the frontend, the workers, the writer and the loader keep the
        # default: only the thread that relays bytes waits its turn
        p = policies(pid)
        self.assertTrue(p.get("pathwaysd"), p)
        self.assertEqual(set(p["pathwaysd"]), {SCHED_OTHER}, p)
        # the load over, back to the default (within SERVER_IO_CALM_US of
        # the frontend's next wake-up: its poll wakes it every 100 ms)
        self.assertTrue(H.wait_event(lambda: io() == [SCHED_OTHER], "calm: default"),
                        policies(pid))
        # one request at a time is no backlog: the latency stays the default's
        for _ in range(50):
            h, _ = self.c.call("Health", self.P.HealthRequest())
            self.assertEqual(h.code, 0)
            self.assertEqual(io(), [SCHED_OTHER], policies(pid))

    def test_on_one_cpu_256_in_flight_are_answered_as_the_oracle_says(self):
        s = O.settings(self.db)
        want = O.requirements(self.db, s)
        pairs = random.Random(7).sample(sorted(want), 256)
        pin(self.d.proc.pid, min(os.sched_getaffinity(0)))
        P = self.P
        c = H.Client(self.d.endpoint)
        try:
            for rid, (e, r) in enumerate(pairs, 1):
                c.send_frames(readiness_frames(P, rid, e, r))
            got = {}
            while len(got) < len(pairs):
                frames = c.recv_frames(int(H.HANG * 1000))
                rh = P.ResponseHeader.FromString(frames[0])
                self.assertEqual(rh.code, 0, rh.message)
                self.assertNotIn(rh.request_id, got)
                got[rh.request_id] = P.ReadinessResponse.FromString(frames[1])
        finally:
            c.close()
        for rid, key in enumerate(pairs, 1):
            res = got[rid].results
            self.assertEqual([(x.employee_id, x.role_key) for x in res], [key])
            sc = O.Score(want[key], s)
            self.assertEqual(res[0].readiness, sc.readiness, (key, sc.exact))
            self.assertEqual(P.Band.Name(res[0].band), sc.band, key)

    def test_on_one_cpu_a_request_that_waited_past_its_deadline_is_deadline_exceeded(self):
        # test_promises' case (both workers busy with ~100,000 pairs each,
        # one more queued behind them with a 1 ms deadline), on one CPU
        pin(self.d.proc.pid, min(os.sched_getaffinity(0)))
        TP.Promises.test_a_request_that_waited_past_its_deadline_is_deadline_exceeded(self)


class IoBatchOff(unittest.TestCase):
    def test_io_batch_false_never_batches_the_io_thread(self):
        self.db = H.demo_database()
        with tempfile.NamedTemporaryFile("w", suffix=".conf") as f:
            f.write("[server]\nio_batch = false\n")
            f.flush()
            d = H.Daemon(self.db, config=f.name)
            try:
                pid = d.proc.pid
                batched = load_until(
                    self, d, lambda: policies(pid).get("ZMQbg/IO/0") != [SCHED_OTHER],
                    rounds=10)
                self.assertFalse(batched, policies(pid))
                self.assertEqual(policies(pid).get("ZMQbg/IO/0"), [SCHED_OTHER])
            finally:
                d.stop()


if __name__ == "__main__":
    H.main()
