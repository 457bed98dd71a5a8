"""Shared pieces of the integration tests: a real private PostgreSQL, the
real pathwaysd and pathwaysctl binaries, and the project's Python client
package (client/python, assembled with its protoc-generated messages in
BUILD/client/python): the interoperability proof, since nothing here uses
our C code. The raw Client below stays for what a well-behaved client
cannot send (malformed frames, REQ sockets, chosen request ids)."""
import atexit
import os
import random
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

SRC = os.environ.get("PATHWAYS_SOURCE_DIR") or os.path.abspath(
    os.path.join(os.path.dirname(__file__), "..", ".."))
BUILD = os.environ.get("PATHWAYS_BUILD_DIR") or os.path.join(SRC, "build")
PATHWAYSD = os.path.join(BUILD, "daemon", "pathwaysd")
CTL = os.path.join(BUILD, "client", "pathwaysctl")
DEMO = os.path.join(SRC, "sql", "demo")

import zmq  # noqa: E402  (Debian's python3-zmq)

_pb = None
_cluster = None

# The bound on a wait for something the code under test must do (a change
# becoming visible, a log line, a reply): only a real hang reaches it, never
# a busy machine. Latency is not asserted here: wait_event() prints it and
# scripts/bench.sh holds the targets.
HANG = float(os.environ.get("PATHWAYS_HANG_SECONDS") or 60)


def package():
    """The project's Python client package, as the build assembled it."""
    out = os.path.join(BUILD, "client", "python")
    if out not in sys.path:
        sys.path.insert(0, out)
    import pathways
    return pathways


def pb():
    """The generated pathways_pb2 module (the package's pathways.pb)."""
    global _pb
    if _pb is None:
        _pb = package().pb
    return _pb


def _own_cluster():
    global _cluster
    if _cluster is None:
        d = tempfile.mkdtemp(prefix="pathways-itest-")
        os.chmod(d, 0o755)
        out = subprocess.run(["bash", os.path.join(SRC, "scripts", "pg.sh"), "start",
                              os.path.join(d, "pg")], check=True, capture_output=True,
                             text=True).stdout.strip().splitlines()[-1]
        _cluster = (d, out)
        atexit.register(lambda: (subprocess.run(
            ["bash", os.path.join(SRC, "scripts", "pg.sh"), "destroy",
             os.path.join(d, "pg")], capture_output=True), shutil.rmtree(d, True)))
    return _cluster[1]


def base_conninfo():
    return os.environ.get("PATHWAYS_TEST_PG") or _own_cluster()


def with_db(conninfo, dbname):
    if re.search(r"dbname=\S+", conninfo):
        return re.sub(r"dbname=\S+", "dbname=" + dbname, conninfo)
    return conninfo + " dbname=" + dbname


def psql(conninfo, sql, check=True):
    """Rows of a query as lists of strings."""
    r = subprocess.run(["psql", "-X", "-q", "-A", "-t", "-F", "\t", "-v", "ON_ERROR_STOP=1",
                        "-d", conninfo, "-c", sql], capture_output=True, text=True)
    if check and r.returncode != 0:
        raise RuntimeError("psql failed: %s\n%s" % (sql[:200], r.stderr))
    return [line.split("\t") for line in r.stdout.splitlines() if line != ""]


def new_database(prefix="t"):
    """A fresh, empty database in the test cluster; dropped at exit."""
    name = "%s_%d_%d" % (prefix, os.getpid(), random.randrange(1 << 30))
    base = base_conninfo()
    psql(with_db(base, "postgres"), "CREATE DATABASE %s" % name)
    atexit.register(lambda: psql(with_db(base, "postgres"),
                                 "DROP DATABASE IF EXISTS %s WITH (FORCE)" % name, check=False))
    return with_db(base, name)


def ctl(*args, db=None, endpoint=None, check=True, timeout=120):
    cmd = [CTL]
    if db:
        cmd += ["--db", db]
    if endpoint:
        cmd += ["--endpoint", endpoint]
    cmd += list(args)
    r = subprocess.run(cmd, capture_output=True, text=True, timeout=timeout)
    if check and r.returncode != 0:
        raise AssertionError("%s exited %d\nstdout: %s\nstderr: %s" %
                             (" ".join(cmd), r.returncode, r.stdout, r.stderr))
    return r


def demo_database():
    db = new_database("demo")
    ctl("migrate", db=db)
    ctl("import", DEMO, db=db)
    return db


def free_port():
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


SANITIZER_MARKS = ("ERROR: AddressSanitizer", "runtime error:", "ERROR: LeakSanitizer",
                   "WARNING: ThreadSanitizer")


class Daemon:
    """A real pathwaysd process on a free loopback port."""

    def __init__(self, db, args=(), wait=True, config=None, env=None):
        self.port = free_port()
        self.endpoint = "tcp://127.0.0.1:%d" % self.port
        self.logdir = tempfile.mkdtemp(prefix="pathwaysd-log-")
        self.log_path = os.path.join(self.logdir, "stderr.log")
        self.log = open(self.log_path, "w")
        cmd = [PATHWAYSD, "--listen", self.endpoint, "--workers", "2"]
        if db:
            cmd += ["--db", db]
        if config:
            cmd += ["--config", config]
        cmd += list(args)
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=e)
        if wait:
            try:
                self.wait_serving()
            except BaseException:
                # never leave a daemon behind a failed start
                self.proc.kill()
                self.proc.wait()
                self.log.close()
                raise

    def wait_serving(self, timeout=60):
        P = package()
        c = P.Client(self.endpoint, timeout=0.5)
        deadline = time.time() + timeout
        try:
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise AssertionError("pathwaysd exited %d:\n%s" %
                                         (self.proc.returncode, self.output()))
                try:
                    body = c.health()
                    if body.serving:
                        return body
                except P.Timeout:
                    pass
                time.sleep(0.05)
            raise AssertionError("pathwaysd not serving within %ds:\n%s" %
                                 (timeout, self.output()))
        finally:
            c.close()

    def output(self):
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def signal(self, sig):
        self.proc.send_signal(sig)

    def stop(self, timeout=30):
        """SIGTERM, wait, and check: exit 0, no sanitizer report."""
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                raise AssertionError("pathwaysd did not stop on SIGTERM:\n" + self.output())
        out = self.output()
        self.log.close()
        shutil.rmtree(self.logdir, True)
        for mark in SANITIZER_MARKS:
            if mark in out:
                raise AssertionError("sanitizer report from pathwaysd:\n" + out)
        if self.proc.returncode != 0:
            raise AssertionError("pathwaysd exited %d:\n%s" % (self.proc.returncode, out))
        return out


_request_ids = iter(range(1, 1 << 62))


class Client:
    """A gRPC-style client over a plain ZeroMQ DEALER (or REQ) socket."""

    def __init__(self, endpoint, kind=zmq.DEALER, curve=None, sockopts=()):
        """curve: (server public key, client public key, client secret
        key), Z85; sockopts: (option, value) pairs set before connecting."""
        self.ctx = zmq.Context.instance()
        self.sock = self.ctx.socket(kind)
        self.sock.setsockopt(zmq.LINGER, 0)
        for opt, value in sockopts:
            self.sock.setsockopt(opt, value)
        if curve:
            (self.sock.curve_serverkey, self.sock.curve_publickey,
             self.sock.curve_secretkey) = curve
        self.sock.connect(endpoint)
        self.kind = kind

    def close(self):
        self.sock.close(0)

    def send_frames(self, frames):
        self.sock.send_multipart(frames)

    def recv_frames(self, timeout_ms=5000):
        if not self.sock.poll(timeout_ms):
            raise TimeoutError("no reply within %d ms" % timeout_ms)
        return self.sock.recv_multipart()

    def call(self, method, req, timeout_ms=10000, deadline_ms=None, request_id=None):
        """(ResponseHeader, response message or None)."""
        P = pb()
        rid = request_id if request_id is not None else next(_request_ids)
        h = P.RequestHeader(method="/pathways.v1.Pathways/" + method, request_id=rid,
                            deadline_ms=deadline_ms if deadline_ms is not None else timeout_ms)
        self.send_frames([h.SerializeToString(), req.SerializeToString()])
        while True:
            frames = self.recv_frames(timeout_ms)
            assert len(frames) == 2, "reply has %d frames" % len(frames)
            rh = P.ResponseHeader.FromString(frames[0])
            if rh.request_id != rid:
                continue  # a late reply to an earlier call
            body = None
            if rh.code == 0:
                body = getattr(P, method + "Response").FromString(frames[1])
            else:
                assert frames[1] == b"", "error reply with a body"
            return rh, body


class DemoDaemonCase(unittest.TestCase):
    """A test class over the demo database (prepare(db) may change it
    first), one daemon serving it (with the config file config(folder)
    writes, if any) and a client: cls.db, cls.d, cls.c, cls.P (the
    protobuf module), cls.dir (a scratch folder, removed at the end)."""

    @classmethod
    def prepare(cls, db):
        pass

    @classmethod
    def config(cls, folder):
        """The daemon's config file text, None for none; folder is
        cls.dir, for the files it names."""
        return None

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pathways-case-")
        cls.db = demo_database()
        cls.prepare(cls.db)
        text, conf = cls.config(cls.dir), None
        if text is not None:
            conf = os.path.join(cls.dir, "c.conf")
            with open(conf, "w") as f:
                f.write(text)
        cls.d = Daemon(cls.db, config=conf)
        cls.c = Client(cls.d.endpoint)
        cls.P = pb()

    @classmethod
    def tearDownClass(cls):
        cls.c.close()
        cls.d.stop()
        shutil.rmtree(cls.dir, True)


class AccessLogCase(DemoDaemonCase):
    """DemoDaemonCase with an access log: cls.access."""

    @classmethod
    def config(cls, folder):
        cls.access = os.path.join(folder, "access.log")
        return "[log]\naccess_log = %s\n" % cls.access


def round1(x):
    """docs/scoring.md: one decimal, half away from zero, of an exact value: pass
    a fractions.Fraction (or an int); a float is taken as the exact binary
    number it is, so an oracle that sums floats may land a hair off a half
    (compute it with Fraction instead, as oracle.py does)."""
    from fractions import Fraction
    q = Fraction(x) * 10
    n = (abs(q) + Fraction(1, 2)).__floor__()
    return float(Fraction(n if q >= 0 else -n, 10))


SKIP_EXIT = 77  # tests/CMakeLists.txt: ctest's SKIP_RETURN_CODE


def main():
    """unittest.main(), with skips made visible: each skipped test and the
    count are printed last, and when every test skipped the exit status is
    SKIP_EXIT (ctest then reports the test as skipped, not passed)."""
    prog = unittest.main(verbosity=2, exit=False)
    r = prog.result
    for test, reason in r.skipped:
        print("skipped: %s: %s" % (test.id(), reason))
    if r.skipped:
        print("harness: %d skipped (tests run: %d)" % (len(r.skipped), r.testsRun))
    if not r.wasSuccessful():
        sys.exit(1)
    # (a class skipped in setUpClass is one entry that ran no test)
    cases = [t for t, _ in r.skipped if not isinstance(t, unittest.suite._ErrorHolder)]
    if r.skipped and len(cases) == r.testsRun:
        sys.exit(SKIP_EXIT)
    sys.exit(0)


class Cluster:
    """A private PostgreSQL of one test's own, for outages: stop, kill,
    restart (scripts/pg.sh)."""

    def __init__(self):
        self.root = tempfile.mkdtemp(prefix="pathways-pg-")
        os.chmod(self.root, 0o755)
        self.dir = os.path.join(self.root, "pg")
        self.conninfo = self._pg("start")
        atexit.register(self.destroy)

    def _pg(self, verb):
        r = subprocess.run(["bash", os.path.join(SRC, "scripts", "pg.sh"), verb, self.dir],
                           capture_output=True, text=True, timeout=120)
        if r.returncode != 0:
            raise RuntimeError("pg.sh %s failed: %s" % (verb, r.stderr))
        out = r.stdout.strip().splitlines()
        return out[-1] if out else ""

    def kill(self):
        self._pg("kill")

    def stop(self):
        self._pg("stop")

    def restart(self):
        self.conninfo = self._pg("restart")
        return self.conninfo

    def destroy(self):
        subprocess.run(["bash", os.path.join(SRC, "scripts", "pg.sh"), "destroy", self.dir],
                       capture_output=True)
        shutil.rmtree(self.root, True)


def wait_for(pred, timeout=10.0, step=0.02):
    """Polls pred() until it returns a true value (returned) or timeout."""
    deadline = time.time() + timeout
    while True:
        v = pred()
        if v:
            return v
        if time.time() > deadline:
            return v
        time.sleep(step)


def wait_event(pred, what, timeout=None, step=0.01):
    """Polls pred() until it returns a true value, returned, or HANG (or
    timeout) seconds pass: then the last value (false). Prints
    "wait: WHAT after N ms" either way, so the slowest wait per kind of
    event can be read from the test logs."""
    t0 = time.monotonic()
    v = wait_for(pred, timeout=HANG if timeout is None else timeout, step=step)
    print("wait: %s %s %.0f ms" % (what, "after" if v else "NOT SEEN within",
                                   (time.monotonic() - t0) * 1000), flush=True)
    return v


def next_reply_is(client, rid, timeout_ms=None):
    """Reads replies on client's socket until the one to request id rid;
    returns the ResponseHeaders read before it. The barrier that makes
    "exactly one reply" checkable without a clock: send a marker request
    after the one under test and every reply to the earlier one arrives
    first (the daemon answers envelope errors before it reads the next
    message; one connection keeps its order)."""
    P = pb()
    before = []
    while True:
        frames = client.recv_frames(timeout_ms or int(HANG * 1000))
        rh = P.ResponseHeader.FromString(frames[-2])
        if rh.request_id == rid:
            return before
        before.append(rh)
