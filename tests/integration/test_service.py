"""pathwaysd as a service (issue 8): the systemd unit and its hardening, the
example config and --check-config, the sd_notify protocol over a real
NOTIFY_SOCKET, a graceful stop with requests in flight, the unit run by a
real systemd manager inside its own sandbox, and the install layout and
.deb built by cmake --install and cpack."""
import os
import re
import shutil
import signal
import socket
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402

UNIT = os.path.join(H.SRC, "systemd", "pathwaysd.service")
CONF = os.path.join(H.SRC, "systemd", "pathwaysd.conf")
SYSUSERS = os.path.join(H.SRC, "systemd", "pathwaysd.sysusers")
TMPFILES = os.path.join(H.SRC, "systemd", "pathwaysd.tmpfiles")
CONFIG_C = os.path.join(H.SRC, "daemon", "config.c")
CONFIG_H = os.path.join(H.SRC, "daemon", "config.h")
MAX_EXPOSURE = 2.0


def project_version():
    with open(os.path.join(H.SRC, "CMakeLists.txt")) as f:
        m = re.search(r"project\(\s*pathwaysd\s+VERSION\s+([0-9.]+)", f.read())
    return m.group(1)


def run(cmd, timeout=60, **kw):
    return subprocess.run(cmd, capture_output=True, text=True, timeout=timeout, **kw)


def unit_directives(path):
    """{section: [(key, value), ...]} in file order (keys repeat)."""
    out, sec = {}, None
    with open(path) as f:
        for line in f:
            s = line.strip()
            if not s or s[0] in "#;":
                continue
            if s.startswith("["):
                sec = s.strip("[]")
                out.setdefault(sec, [])
                continue
            k, _, v = s.partition("=")
            out[sec].append((k.strip(), v.strip()))
    return out


def values(directives, key):
    return [v for k, v in directives if k == key]


def write(dirpath, name, text):
    p = os.path.join(dirpath, name)
    with open(p, "w") as f:
        f.write(text)
    return p


def check_config(path, *flags):
    return run([H.PATHWAYSD, "--check-config", "--config", path] + list(flags), timeout=30)


# ---------------------------------------------------------------------------
# the unit file


class UnitFile(unittest.TestCase):
    def test_security_exposure_is_ok_at_most_2(self):
        exe = shutil.which("systemd-analyze")
        if not exe:
            self.skipTest("systemd-analyze is not installed (Debian package: systemd)")
        r = run([exe, "security", "--offline=yes", "--no-pager", UNIT])
        m = re.search(r"Overall exposure level for pathwaysd\.service: ([0-9.]+) (\S+)",
                      r.stdout)
        self.assertIsNotNone(m, "no overall exposure level in:\n" + r.stdout + r.stderr)
        score, verdict = float(m.group(1)), m.group(2)
        print("\nsystemd-analyze security: pathwaysd.service exposure %.1f %s"
              % (score, verdict), file=sys.stderr)
        self.assertLessEqual(score, MAX_EXPOSURE, r.stdout)
        self.assertEqual(verdict, "OK", r.stdout)

    def test_declares_the_service_contract(self):
        d = unit_directives(UNIT)
        svc = d["Service"]
        one = {k: v for k, v in svc}
        self.assertEqual(one["Type"], "notify")
        self.assertEqual(values(svc, "ExecStart"),
                         ["/usr/bin/pathwaysd --config /etc/pathwaysd/pathwaysd.conf"])
        self.assertIn("/bin/kill -HUP $MAINPID", values(svc, "ExecReload"))
        self.assertGreater(int(one["WatchdogSec"]), 2, "WATCHDOG=1 comes every second")
        # longer than the daemon's default shutdown_timeout_ms (10 s)
        self.assertGreater(int(one["TimeoutStopSec"]), 10)
        self.assertEqual(one["StateDirectory"], "pathwaysd")
        self.assertTrue(one.get("DynamicUser") == "yes" or one.get("User") == "pathwaysd")
        for key, want in [("NoNewPrivileges", "yes"), ("ProtectSystem", "strict"),
                          ("PrivateTmp", "yes"), ("PrivateDevices", "yes"),
                          ("MemoryDenyWriteExecute", "yes"), ("ProtectHome", "yes"),
                          ("CapabilityBoundingSet", ""), ("LockPersonality", "yes"),
                          ("RestrictNamespaces", "yes"), ("SystemCallArchitectures", "native")]:
            self.assertEqual(one.get(key), want, key)
        families = " ".join(values(svc, "RestrictAddressFamilies")).split()
        self.assertLessEqual({"AF_UNIX", "AF_INET", "AF_INET6"}, set(families))
        # AF_NETLINK only because libzmq aborts without it (see the unit)
        self.assertLessEqual(set(families), {"AF_UNIX", "AF_INET", "AF_INET6", "AF_NETLINK"})
        self.assertEqual(values(svc, "SystemCallFilter")[0], "@system-service")
        self.assertEqual(values(d["Install"], "WantedBy"), ["multi-user.target"])

    def test_verifies_with_the_built_daemon(self):
        exe = shutil.which("systemd-analyze")
        if not exe:
            self.skipTest("systemd-analyze is not installed (Debian package: systemd)")
        d = tempfile.mkdtemp(prefix="pathwaysd-unit-")
        self.addCleanup(shutil.rmtree, d, True)
        with open(UNIT) as f:
            text = f.read().replace("/usr/bin/pathwaysd", H.PATHWAYSD)
        p = write(d, "pathwaysd.service", text)
        r = run([exe, "verify", p])
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        self.assertEqual(r.stderr.strip(), "", "warnings from systemd-analyze verify")

    def test_sysusers_and_tmpfiles_snippets_apply(self):
        if not (shutil.which("systemd-sysusers") and shutil.which("systemd-tmpfiles")):
            self.skipTest("systemd-sysusers/systemd-tmpfiles missing (Debian package: systemd)")
        root = tempfile.mkdtemp(prefix="pathwaysd-root-")
        self.addCleanup(shutil.rmtree, root, True)
        os.makedirs(os.path.join(root, "etc"))
        for sub, src in (("sysusers.d", SYSUSERS), ("tmpfiles.d", TMPFILES)):
            os.makedirs(os.path.join(root, "usr", "lib", sub))
            shutil.copy(src, os.path.join(root, "usr", "lib", sub, "pathwaysd.conf"))
        r = run(["systemd-sysusers", "--root=" + root, "pathwaysd.conf"])
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(os.path.join(root, "etc", "passwd")) as f:
            user = [line.split(":") for line in f if line.startswith("pathwaysd:")]
        self.assertEqual(len(user), 1)
        self.assertEqual(user[0][5], "/var/lib/pathwaysd", "home: where ~/.pgpass lives")
        self.assertIn("nologin", user[0][6])
        r = run(["systemd-tmpfiles", "--root=" + root, "--create", "pathwaysd.conf"])
        self.assertEqual(r.returncode, 0, r.stderr)
        for sub in ("var/lib/pathwaysd", "var/log/pathwaysd"):
            st = os.stat(os.path.join(root, sub))
            self.assertEqual(st.st_uid, int(user[0][2]), sub)
            self.assertEqual(st.st_mode & 0o777, 0o750, sub)


# ---------------------------------------------------------------------------
# the example config and --check-config


def code_keys():
    """{(section, key)} accepted by config_set() in daemon/config.c."""
    with open(CONFIG_C) as f:
        return set(re.findall(r'IS\("(\w+)",\s*"(\w+)"\)', f.read()))


def code_defaults():
    """{field: value} set by config_init() (everything else is 0/false/NULL)."""
    with open(CONFIG_C) as f:
        src = f.read()
    body = src[src.index("void config_init("):]
    body = body[:body.index("\n}\n")]
    out = {}
    for field, expr in re.findall(r"cfg->(\w+)\s*=\s*([^;]+);", body):
        expr = expr.strip()
        if re.fullmatch(r"[0-9 *+()]+", expr):
            out[field] = eval(expr)  # a constant product such as 1024 * 1024
        elif expr.startswith("LOG_LEVEL_"):
            out[field] = expr[len("LOG_LEVEL_"):].lower()
        else:
            out[field] = expr
    return out


def documented_keys(path):
    """{(section, key): (value, commented)} of the example's settings:
    `key = value` lines, or `#key = value` for a default left commented out
    (prose comments are `# text`), under real [section] headers."""
    out, sec = {}, None
    with open(path) as f:
        for line in f:
            s = line.strip()
            m = re.fullmatch(r"\[(\w+)\]", s)
            if m:
                sec = m.group(1)
                continue
            m = re.fullmatch(r"(#?)(\w+)\s*=\s*(.*)", s)
            if m:
                assert sec, "setting outside a section: " + s
                out[(sec, m.group(2))] = (m.group(3).strip(), bool(m.group(1)))
    return out


def parse_size(v):
    m = re.fullmatch(r"(\d+)([KMG]?)", v)
    return int(m.group(1)) * {"": 1, "K": 1024, "M": 1 << 20, "G": 1 << 30}[m.group(2)]


class CheckConfig(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pathwaysd-conf-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def test_example_config_is_valid(self):
        r = check_config(CONF)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("is valid", r.stdout)

    def test_example_documents_exactly_the_keys_the_daemon_accepts(self):
        doc = documented_keys(CONF)
        self.assertEqual(set(doc), code_keys(),
                         "keys in systemd/pathwaysd.conf vs config_set() in daemon/config.c")

    def test_example_shows_the_defaults(self):
        doc = documented_keys(CONF)
        init = code_defaults()
        with open(CONFIG_H) as f:
            default_listen = re.search(r'CONFIG_DEFAULT_LISTEN\s+"([^"]+)"', f.read()).group(1)
        self.assertEqual(doc[("server", "listen")][0], default_listen)
        checked = 0
        for (sec, key), (value, commented) in doc.items():
            field = "log_level" if (sec, key) == ("log", "level") else key
            if value in ("true", "false"):
                self.assertTrue(commented, key)
                self.assertEqual(value == "true", bool(init.get(field, False)), key)
            elif re.fullmatch(r"\d+[KMG]?", value):
                self.assertTrue(commented, key + ": a default is shown commented out")
                self.assertEqual(parse_size(value), init.get(field, 0), key)
            elif field == "log_level":
                self.assertEqual(value, init[field])
            else:
                continue
            checked += 1
        self.assertGreaterEqual(checked, 8)

    def secret_certificate(self, name):
        """A real secret certificate: --check-config reads it."""
        import zmq
        pub, sec = zmq.curve_keypair()
        return write(self.dir, name, 'curve\n    public-key = "%s"\n    secret-key = "%s"\n'
                     % (pub.decode(), sec.decode()))

    def test_every_commented_example_value_is_accepted(self):
        with open(CONF) as f:
            text = re.sub(r"(?m)^#(\w+\s*=)", r"\1", f.read())
        # --check-config opens the paths: give it real ones
        for folder in ("/etc/pathwaysd/", "/var/lib/pathwaysd/", "/var/log/pathwaysd/"):
            text = text.replace(" " + folder, " " + self.dir + "/")
        self.secret_certificate("server.key_secret")
        os.mkdir(os.path.join(self.dir, "clients"))
        # [http]: the TLS files (opened, not parsed, by the check), tokens
        write(self.dir, "http.crt", "certificate\n")
        write(self.dir, "http.key", "key\n")
        os.mkdir(os.path.join(self.dir, "tokens"))
        p = write(self.dir, "all.conf", text)
        r = check_config(p)
        self.assertEqual(r.returncode, 0, r.stderr)

    ERRORS = [
        # name, file, line at fault, words the message must have
        ("unknown key", "[server]\n# comment\nbogus = 1\n", 3, "unknown key"),
        ("unknown section", "[database]\nconninfo = x\n\n[nope]\n", 4, "unknown section"),
        ("bad number", "[server]\nworkers = many\n", 2, "whole number"),
        ("number out of range", "[cache]\nreconnect_max_ms = 5\n", 2, "whole number"),
        ("bad size", "[server]\nmax_request_bytes = 12Q\n", 2, "size"),
        ("bad bool", "; c\n[server]\nallow_writes = maybe\n", 3, "true or false"),
        ("bad log level", "[log]\nlevel = loud\n", 2, "info"),
        ("bad endpoint", "[server]\nlisten = 127.0.0.1:5555\n", 2, "endpoint"),
        ("malformed line", "[server]\nworkers 4\n", 2, "key = value"),
        ("malformed section header", "[server]\n[cache\n", 2, "section"),
        ("key outside a section", "# c\nworkers = 4\n[server]\n", 2, "section"),
        ("non-loopback listen without CURVE",
         "[server]\nlisten = tcp://127.0.0.1:5555\n\nlisten = tcp://0.0.0.0:5555\n"
         "[database]\nconninfo = dbname=x\n", 4, "loopback"),
    ]

    def test_each_kind_of_error_exits_1_naming_file_and_line(self):
        for name, text, line, words in self.ERRORS:
            with self.subTest(name):
                p = write(self.dir, "bad.conf", text)
                r = check_config(p)
                self.assertEqual(r.returncode, 1, "%s: exit %d\n%s" % (name, r.returncode, r.stderr))
                self.assertIn("%s:%d:" % (p, line), r.stderr, name)
                self.assertIn(words, r.stderr, name)
                self.assertNotIn("is valid", r.stdout)

    def test_missing_database_names_the_file(self):
        p = write(self.dir, "nodb.conf", "[server]\nworkers = 2\n")
        r = check_config(p)
        self.assertEqual(r.returncode, 1)
        self.assertIn(p, r.stderr)
        self.assertIn("conninfo", r.stderr)

    def test_non_loopback_listen_with_curve_or_allow_insecure_is_valid(self):
        base = "[server]\nlisten = tcp://0.0.0.0:5555\n%s[database]\nconninfo = dbname=x\n"
        key = self.secret_certificate("server.key_secret")
        for extra in ("allow_insecure = true\n",
                      "[security]\ncurve_secret_key_file = %s\n" % key):
            with self.subTest(extra):
                r = check_config(write(self.dir, "ok.conf", base % extra))
                self.assertEqual(r.returncode, 0, r.stderr)

    def test_flags_override_the_file(self):
        bad_listen = write(self.dir, "wide.conf",
                           "[server]\nlisten = tcp://0.0.0.0:5555\n[database]\nconninfo = x\n")
        self.assertEqual(check_config(bad_listen).returncode, 1)
        # --listen replaces the file's list as a whole
        r = check_config(bad_listen, "--listen", "tcp://127.0.0.1:6000")
        self.assertEqual(r.returncode, 0, r.stderr)
        # a flag can also be what is wrong
        r = check_config(CONF, "--listen", "tcp://0.0.0.0:6000")
        self.assertEqual(r.returncode, 1)
        self.assertIn("tcp://0.0.0.0:6000", r.stderr)
        # --db supplies what the file lacks
        nodb = write(self.dir, "nodb.conf", "[server]\nworkers = 1\n")
        self.assertEqual(check_config(nodb).returncode, 1)
        self.assertEqual(check_config(nodb, "--db", "dbname=x").returncode, 0)
        # a flag's value is checked like the file's, and named
        r = check_config(CONF, "--workers", "100000")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--workers", r.stderr)
        r = check_config(CONF, "--log-level", "loud")
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("--log-level", r.stderr)


class FlagsAtRunTime(unittest.TestCase):
    def test_flags_override_the_file_in_the_running_daemon(self):
        db = H.demo_database()
        d = tempfile.mkdtemp(prefix="pathwaysd-conf-")
        self.addCleanup(shutil.rmtree, d, True)
        file_port, flag_port = H.free_port(), H.free_port()
        p = write(d, "p.conf", "[server]\nlisten = tcp://127.0.0.1:%d\nworkers = 1\n"
                  "[database]\nconninfo = dbname=nonexistent host=/nonexistent\n"
                  "[log]\nlevel = err\n" % file_port)
        log = open(os.path.join(d, "stderr"), "w+")
        self.addCleanup(log.close)
        proc = subprocess.Popen([H.PATHWAYSD, "--config", p, "--workers", "3",
                                 "--listen", "tcp://127.0.0.1:%d" % flag_port,
                                 "--db", db, "--log-level", "info"],
                                stdout=log, stderr=subprocess.STDOUT)
        self.addCleanup(lambda: proc.poll() is None and (proc.kill(), proc.wait()))
        c = H.Client("tcp://127.0.0.1:%d" % flag_port)
        self.addCleanup(c.close)
        serving = H.wait_event(lambda: self._serving(c), "serving with flags")
        log.seek(0)
        out = log.read()
        self.assertTrue(serving, out)
        self.assertIn("3 workers", out)  # --workers over workers = 1
        self.assertIn("listening on tcp://127.0.0.1:%d" % flag_port, out)
        self.assertNotIn(":%d" % file_port, out)
        self.assertIn("info:", out, "--log-level info over level = err")
        other = H.Client("tcp://127.0.0.1:%d" % file_port)
        self.addCleanup(other.close)
        with self.assertRaises(TimeoutError):
            other.call("Health", H.pb().HealthRequest(), timeout_ms=500)
        proc.send_signal(signal.SIGTERM)
        self.assertEqual(proc.wait(30), 0)

    @staticmethod
    def _serving(c):
        try:
            h, body = c.call("Health", H.pb().HealthRequest(), timeout_ms=300)
            return h.code == 0 and body.serving
        except TimeoutError:
            return False


# ---------------------------------------------------------------------------
# sd_notify over a real NOTIFY_SOCKET


class NotifySocket:
    """An AF_UNIX datagram socket where pathwaysd sends its sd_notify
    messages; every message is kept with its arrival time."""

    def __init__(self, abstract=False):
        self.dir = tempfile.mkdtemp(prefix="pathwaysd-notify-")
        self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_DGRAM)
        if abstract:
            name = "pathwaysd-itest-%d-%d" % (os.getpid(), id(self))
            self.sock.bind("\0" + name)
            self.address = "@" + name
        else:
            self.address = os.path.join(self.dir, "notify")
            self.sock.bind(self.address)
        self.messages = []  # (monotonic time, "KEY=value")

    def close(self):
        self.sock.close()
        shutil.rmtree(self.dir, True)

    def _receive(self, timeout):
        self.sock.settimeout(max(timeout, 0.001))
        try:
            data = self.sock.recv(4096)
        except socket.timeout:
            return False
        now = time.monotonic()
        for line in data.decode().split("\n"):
            if line:
                self.messages.append((now, line))
        return True

    def wait(self, pred, timeout, start=0):
        """Index of the first message from start on that satisfies pred, or
        None after timeout."""
        deadline = time.monotonic() + timeout
        i = start
        while True:
            while i < len(self.messages):
                if pred(self.messages[i][1]):
                    return i
                i += 1
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            self._receive(left)

    def drain(self, seconds):
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            self._receive(deadline - time.monotonic())

    def lines(self, start=0):
        return [m for _, m in self.messages[start:]]


class Notify(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.P = H.pb()

    def start(self, db, abstract=False):
        n = NotifySocket(abstract)
        self.addCleanup(n.close)
        d = H.Daemon(db, wait=False, env={"NOTIFY_SOCKET": n.address})
        self.addCleanup(lambda: d.proc.poll() is None and (d.proc.kill(), d.proc.wait()))
        return n, d

    def health(self, d):
        c = H.Client(d.endpoint)
        try:
            h, body = c.call("Health", self.P.HealthRequest(), timeout_ms=5000)
        finally:
            c.close()
        self.assertEqual(h.code, 0)
        return body

    def test_ready_status_watchdog_reloading_stopping_in_order(self):
        n, d = self.start(self.db)
        ready = n.wait(lambda m: m == "READY=1", H.HANG)
        self.assertIsNotNone(ready, "no READY=1: %s\n%s" % (n.lines(), d.output()))
        # READY=1 only once the first snapshot is served
        self.assertTrue(self.health(d).serving, "READY=1 before the first snapshot")
        before = n.lines(0)[:ready]
        self.assertTrue(all(m.startswith(("STATUS=", "WATCHDOG=")) for m in before), before)
        status = n.wait(lambda m: m.startswith("STATUS=serving"), H.HANG)
        self.assertIsNotNone(status, n.lines())
        self.assertRegex(n.messages[status][1], r"STATUS=serving snapshot \d+: \d+ employees")

        # WATCHDOG=1 keeps coming from the main loop, about every second:
        # three beats after READY=1 are waited for (the gaps are printed;
        # only a main loop that stopped beating misses H.HANG)
        beat = ready
        for _ in range(3):
            beat = n.wait(lambda m: m == "WATCHDOG=1", H.HANG, beat + 1)
            self.assertIsNotNone(beat, "WATCHDOG=1 stopped: %s" % n.lines(ready))
        recent = [t for t, m in n.messages[ready:] if m == "WATCHDOG=1"]
        gaps = [b - a for a, b in zip(recent, recent[1:])]
        print("wait: watchdog gap after %.0f ms (largest of %d)"
              % (max(gaps) * 1000, len(gaps)))

        # SIGHUP: RELOADING=1, then READY=1 again
        mark = len(n.messages)
        d.signal(signal.SIGHUP)
        reloading = n.wait(lambda m: m == "RELOADING=1", H.HANG, mark)
        self.assertIsNotNone(reloading, n.lines(mark))
        again = n.wait(lambda m: m == "READY=1", H.HANG, reloading)
        self.assertIsNotNone(again, "no READY=1 after RELOADING=1: %s" % n.lines(mark))
        self.assertTrue(self.health(d).serving)

        # SIGTERM: STOPPING=1, exit 0, nothing claims readiness afterwards
        mark = len(n.messages)
        d.signal(signal.SIGTERM)
        stopping = n.wait(lambda m: m == "STOPPING=1", H.HANG, mark)
        self.assertIsNotNone(stopping, n.lines(mark))
        d.proc.wait(H.HANG)
        n.drain(0.2)  # whatever it sent before exiting is queued by now
        after = n.lines(stopping + 1)
        self.assertFalse([m for m in after if m in ("READY=1", "RELOADING=1")], after)
        d.stop()  # exit status 0, no sanitizer report

    def test_no_ready_while_no_snapshot_is_loaded(self):
        n, d = self.start("host=/nonexistent-pathwaysd-itest port=1 dbname=x connect_timeout=1")
        # two watchdog beats, waited for: the main loop runs, and READY=1
        # has had its chance to (wrongly) come
        beat = -1
        for _ in range(2):
            beat = n.wait(lambda m: m == "WATCHDOG=1", H.HANG, beat + 1)
            self.assertIsNotNone(beat, "no WATCHDOG=1: %s\n%s" % (n.lines(), d.output()))
        self.assertNotIn("READY=1", n.lines(), d.output())
        waiting = [m for m in n.lines() if m.startswith("STATUS=")]
        self.assertTrue(waiting and "waiting" in waiting[-1], waiting)
        self.assertFalse(self.health(d).serving)
        mark = len(n.messages)
        d.signal(signal.SIGTERM)
        self.assertIsNotNone(n.wait(lambda m: m == "STOPPING=1", H.HANG, mark), n.lines(mark))
        d.stop()

    def test_abstract_notify_socket(self):
        n, d = self.start(self.db, abstract=True)
        self.assertIsNotNone(n.wait(lambda m: m == "READY=1", H.HANG), d.output())
        d.stop()


# ---------------------------------------------------------------------------
# graceful stop


class GracefulStop(unittest.TestCase):
    N = 3000

    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.P = H.pb()

    def burst_then(self, sig):
        P = self.P
        d = H.Daemon(self.db, wait=False)
        self.addCleanup(lambda: d.proc.poll() is None and (d.proc.kill(), d.proc.wait()))
        d.wait_serving()
        c = H.Client(d.endpoint)
        self.addCleanup(c.close)
        bench = P.BenchRequest(role_key="ops-ic-4", limit=50,
                               breakdown_attribute="location").SerializeToString()
        audit = P.AuditRequest().SerializeToString()
        sent = []
        for i in range(self.N):
            rid = 1_000_000 + i
            method, body = ("Audit", audit) if i % 2 else ("Bench", bench)
            h = P.RequestHeader(method="/pathways.v1.Pathways/" + method, request_id=rid,
                                deadline_ms=60000)
            c.send_frames([h.SerializeToString(), body])
            sent.append(rid)
        replies = {}
        duplicates = 0
        # the signal lands once the daemon is at work, thousands queued
        frames = c.recv_frames(timeout_ms=10000)
        d.signal(sig)
        rh = P.ResponseHeader.FromString(frames[0])
        replies[rh.request_id] = (rh.code, rh.message)
        while len(replies) < self.N:
            try:
                frames = c.recv_frames(timeout_ms=10000)
            except TimeoutError:
                break
            rh = P.ResponseHeader.FromString(frames[0])
            duplicates += rh.request_id in replies
            replies[rh.request_id] = (rh.code, rh.message)
        try:
            rc = d.proc.wait(30)
        except subprocess.TimeoutExpired:
            self.fail("pathwaysd still running 30 s after %s" % sig.name)
        missing = [r for r in sent if r not in replies]
        self.assertEqual(len(missing), 0, "%d of %d requests got no reply after %s "
                         "(request ids %s...)\n%s" % (len(missing), self.N, sig.name,
                                                     missing[:5], d.output()[-2000:]))
        self.assertEqual(duplicates, 0)
        codes = {}
        for code, message in replies.values():
            codes[code] = codes.get(code, 0) + 1
            if code == 14:
                self.assertIn("shutting down", message)
            else:
                self.assertEqual(code, 0, message)
        self.assertGreater(codes.get(0, 0), 0, "no request was answered before the stop")
        self.assertEqual(rc, 0, d.output())
        d.stop()
        print("\n%s after %d requests: %s" % (sig.name, self.N, codes), file=sys.stderr)

    def test_sigterm_answers_every_request_in_flight(self):
        self.burst_then(signal.SIGTERM)

    def test_sigint_answers_every_request_in_flight(self):
        self.burst_then(signal.SIGINT)


# ---------------------------------------------------------------------------
# the unit, run by a real systemd manager


class UserManager:
    """A systemd manager of our own (`systemd --user`, as root) in a private
    mount namespace, for a container without systemd as PID 1. The namespace
    gets what a booted system has and the container lacks: /run/systemd/system
    (else "not booted with systemd"), the /run/systemd/inaccessible nodes the
    sandboxing mounts over hidden paths, and /run as a mount point (else
    ProtectProc= hides /run, and the notify socket with it). Its runtime
    directory and home are under /run: PrivateTmp= hides /tmp."""

    SETUP = r"""
set -e
mount --bind /run /run
mount -t tmpfs -o mode=0755 tmpfs /run/systemd
mkdir -p /run/systemd/system /run/systemd/inaccessible
cd /run/systemd/inaccessible
mkdir -m 0 dir
mknod -m 0 chr c 0 0
mknod -m 0 blk b 0 0
mkfifo -m 0 fifo
: > reg && chmod 0 reg
python3 -c 'import os, stat; os.mknod("sock", stat.S_IFSOCK)' && chmod 0 sock
cd /
exec /lib/systemd/systemd --user --log-target=console --log-level=info
"""

    def __init__(self):
        try:
            self.root = tempfile.mkdtemp(prefix="pathwaysd-sd-", dir="/run")
        except OSError as e:
            raise unittest.SkipTest("cannot run a systemd manager here: %s" % e)
        self.runtime = os.path.join(self.root, "runtime")
        self.home = os.path.join(self.root, "home")
        os.makedirs(os.path.join(self.runtime, "systemd", "user"), mode=0o700)
        os.makedirs(self.home, mode=0o700)
        self.env = {"PATH": "/usr/sbin:/usr/bin:/sbin:/bin", "HOME": self.home,
                    "XDG_RUNTIME_DIR": self.runtime, "LANG": "C.UTF-8",
                    "XDG_CONFIG_HOME": os.path.join(self.home, ".config"),
                    "XDG_STATE_HOME": os.path.join(self.home, ".local", "state"),
                    "XDG_DATA_HOME": os.path.join(self.home, ".local", "share"),
                    "XDG_CACHE_HOME": os.path.join(self.home, ".cache")}
        self.log_path = os.path.join(self.root, "manager.log")
        self.log = open(self.log_path, "w")
        self.proc = subprocess.Popen(["unshare", "--mount", "--propagation", "private",
                                      "bash", "-c", self.SETUP], env=self.env,
                                     stdout=self.log, stderr=subprocess.STDOUT)
        private = os.path.join(self.runtime, "systemd", "private")
        # (is-system-running says "offline" out here: it checks
        # /run/systemd/system in our namespace, so ask the manager)
        up = H.wait_for(lambda: self.proc.poll() is not None or (
            os.path.exists(private) and self.ctl("show", "--property=SystemState", "--value")
            .stdout.strip() in ("running", "degraded")), timeout=30, step=0.1)
        if self.proc.poll() is not None or not up:
            # (the output first: close() closes the log and removes it)
            why = self.output()[-500:]
            self.close()
            raise unittest.SkipTest("cannot run a systemd manager here: %s" % why)

    def unit_dir(self):
        return os.path.join(self.runtime, "systemd", "user")

    def state_home(self):
        """Where StateDirectory= lands in a user manager: $XDG_STATE_HOME in
        recent systemd, $XDG_CONFIG_HOME in older ones (252)."""
        r = run(["systemd-run", "--user", "--wait", "--quiet", "--property=StateDirectory=probe",
                 "/bin/true"], timeout=30, env=self.env)
        assert r.returncode == 0, r.stderr
        for var in ("XDG_STATE_HOME", "XDG_CONFIG_HOME"):
            if os.path.isdir(os.path.join(self.env[var], "probe")):
                return self.env[var]
        raise AssertionError("StateDirectory=probe created nothing under " + self.home)

    def ctl(self, *args, timeout=60):
        return run(["systemctl", "--user", "--no-pager"] + list(args), timeout=timeout,
                   env=self.env)

    def show(self, unit, *props):
        r = self.ctl("show", unit, *["--property=" + p for p in props])
        return dict(line.split("=", 1) for line in r.stdout.splitlines() if "=" in line)

    def output(self):
        if self.log.closed:
            return ""
        self.log.flush()
        with open(self.log_path) as f:
            return f.read()

    def close(self):
        if self.proc.poll() is None:
            try:
                self.ctl("exit", timeout=10)
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.log.close()
        shutil.rmtree(self.root, True)


def pg_socket_dir(conninfo):
    m = re.search(r"host=(/\S+)", conninfo)
    return m.group(1) if m else None


class Sandbox(unittest.TestCase):
    """pathwaysd.service as written (sandbox included) under systemd: it
    starts (READY=1), serves, reloads, stops with exit 0, and really runs
    confined. Catches what the sandbox breaks, such as libzmq aborting
    without AF_NETLINK or sched_setscheduler."""

    def setUp(self):
        if os.geteuid() != 0:
            self.skipTest("needs root (a private mount namespace for systemd --user)")
        for exe in ("unshare", "systemctl", "/lib/systemd/systemd", "mknod"):
            if not shutil.which(exe):
                self.skipTest("%s is missing (Debian packages: systemd, util-linux)" % exe)
        libs = run(["ldd", H.PATHWAYSD]).stdout
        if "libtsan" in libs:
            self.skipTest("ThreadSanitizer re-executes itself with another personality, "
                          "which LockPersonality= forbids")
        # LeakSanitizer stops the world with ptrace, which the system call
        # filter forbids: leak checks belong to the other tests
        self.extra = ["Environment=ASAN_OPTIONS=detect_leaks=0"] if "libasan" in libs else []
        self.m = UserManager()
        self.addCleanup(self.m.close)

    def derived_unit(self, conf, log):
        """The unit with only what cannot hold in a test changed; every
        other line is kept as is (checked)."""
        binds = [os.path.dirname(H.PATHWAYSD), os.path.dirname(conf)]
        sock = pg_socket_dir(H.base_conninfo())
        if sock:
            binds.append(sock)
        with open(UNIT) as f:
            src = f.read().splitlines()
        out, changed = [], []
        for line in src:
            new = line
            if line.startswith(("User=", "Group=")):
                new = None  # a user manager runs services as its own user
            elif line.startswith(("StandardOutput=", "StandardError=")):
                new = line.split("=")[0] + "=append:" + log  # no journal here
            elif line.startswith("Exec"):
                new = line.replace("/usr/bin/pathwaysd", H.PATHWAYSD).replace(
                    "/etc/pathwaysd/pathwaysd.conf", conf)
            elif line.strip() == "[Install]":
                # /tmp is private to the service (PrivateTmp=): the build
                # tree, the config and PostgreSQL's socket are there
                out.append("BindReadOnlyPaths=" + " ".join("-" + b for b in binds))
                out.extend(self.extra)
                out.append("")
            if new != line:
                changed.append(line)
            if new is not None:
                out.append(new)
        self.assertEqual(len([c for c in changed if c.startswith("Exec")]), 2, changed)
        self.assertEqual(len(changed), 6, changed)
        return "\n".join(out) + "\n"

    def test_the_unit_runs_in_its_sandbox_under_systemd(self):
        db = H.demo_database()
        port = H.free_port()
        cdir = tempfile.mkdtemp(prefix="pathwaysd-sdconf-")
        self.addCleanup(shutil.rmtree, cdir, True)
        os.chmod(cdir, 0o755)
        state = os.path.join(self.m.state_home(), "pathwaysd")
        snapshot = os.path.join(state, "snapshot.bin")
        conf = write(cdir, "pathwaysd.conf",
                     "[server]\nlisten = tcp://127.0.0.1:%d\nworkers = 2\n"
                     "[database]\nconninfo = %s\n[cache]\nsnapshot_path = %s\n"
                     % (port, db, snapshot))
        log = os.path.join(self.m.root, "service.log")
        name = "pathwaysd-itest.service"
        write(self.m.unit_dir(), name, self.derived_unit(conf, log))
        self.assertEqual(self.m.ctl("daemon-reload").returncode, 0)

        def service_log():
            try:
                with open(log) as f:
                    return f.read()
            except FileNotFoundError:
                return "(no log)"

        def fail(what):
            st = self.m.ctl("status", name)
            self.fail("%s\n%s\n--- service log\n%s\n--- manager\n%s"
                      % (what, st.stdout, service_log(), self.m.output()[-3000:]))

        self.addCleanup(lambda: self.m.ctl("stop", name, timeout=60))
        # Type=notify: start returns once READY=1 arrived
        r = self.m.ctl("start", name, timeout=90)
        if r.returncode != 0:
            fail("start failed: " + r.stderr)
        props = self.m.show(name, "ActiveState", "SubState", "MainPID", "StatusText")
        self.assertEqual((props["ActiveState"], props["SubState"]), ("active", "running"))
        self.assertRegex(props["StatusText"], r"^serving snapshot \d+")
        c = H.Client("tcp://127.0.0.1:%d" % port)
        self.addCleanup(c.close)
        h, body = c.call("Health", H.pb().HealthRequest(), timeout_ms=5000)
        self.assertEqual(h.code, 0)
        self.assertTrue(body.serving)
        h, body = c.call("Bench", H.pb().BenchRequest(role_key="ops-ic-4"), timeout_ms=5000)
        self.assertEqual(h.code, 0, h.message)

        # it is confined: seccomp filter, no new privileges, no capabilities
        with open("/proc/%s/status" % props["MainPID"]) as f:
            status = dict(line.split(":", 1) for line in f if ":" in line)
        self.assertEqual(status["Seccomp"].strip(), "2")
        self.assertEqual(status["NoNewPrivs"].strip(), "1")
        self.assertEqual(int(status["CapEff"].strip(), 16), 0)
        # the state directory is writable under ProtectSystem=strict
        self.assertTrue(H.wait_event(lambda: os.path.exists(snapshot), "snapshot saved"),
                        "no snapshot saved in the state directory\n" + service_log())
        # systemd took the watchdog pings
        self.assertTrue(H.wait_for(lambda: self.m.show(name, "WatchdogTimestampMonotonic")
                                   .get("WatchdogTimestampMonotonic", "0") != "0",
                                   timeout=H.HANG))

        # reload: --check-config, then SIGHUP (RELOADING=1 ... READY=1)
        r = self.m.ctl("reload", name, timeout=60)
        if r.returncode != 0:
            fail("reload failed: " + r.stderr)
        self.assertTrue(H.wait_event(lambda: "config: reloaded" in service_log(), "config reloaded"),
                        service_log())
        h, body = c.call("Health", H.pb().HealthRequest(), timeout_ms=5000)
        self.assertTrue(body.serving)

        # stop: SIGTERM, STOPPING=1, exit 0
        r = self.m.ctl("stop", name, timeout=60)
        self.assertEqual(r.returncode, 0, r.stderr)
        props = self.m.show(name, "Result", "ExecMainStatus", "ExecMainCode", "NRestarts")
        if props.get("Result") != "success" or props.get("ExecMainStatus") != "0":
            fail("stopped badly: %s" % props)
        self.assertEqual(props["NRestarts"], "0")
        out = service_log()
        for bad in ("Operation not permitted", "Assertion", "Address family not supported",
                    "Bad system call"):
            self.assertNotIn(bad, out)


# ---------------------------------------------------------------------------
# install and the .deb


EXPECTED = [  # path under the root, with the prefix /usr
    "usr/bin/pathwaysd",
    "usr/bin/pathwaysctl",
    "usr/lib/systemd/system/pathwaysd.service",
    "usr/lib/sysusers.d/pathwaysd.conf",
    "usr/lib/tmpfiles.d/pathwaysd.conf",
    "etc/pathwaysd/pathwaysd.conf",
    "usr/share/pathwaysd/sql/migrations/001_schema.sql",
    "usr/share/pathwaysd/sql/demo/roles.csv",
    "usr/share/doc/pathwaysd/README.md",
    "usr/share/doc/pathwaysd/examples/pathwaysd.conf",
]


def read(path):
    with open(path) as f:
        return f.read()


class Install(unittest.TestCase):
    def setUp(self):
        if not os.path.exists(os.path.join(H.BUILD, "cmake_install.cmake")):
            self.skipTest("no cmake_install.cmake in %s" % H.BUILD)
        self.dir = tempfile.mkdtemp(prefix="pathwaysd-install-")
        self.addCleanup(shutil.rmtree, self.dir, True)

    def install(self, prefix, destdir=None):
        env = dict(os.environ)
        env.pop("DESTDIR", None)
        if destdir:
            env["DESTDIR"] = destdir
        r = run(["cmake", "--install", H.BUILD, "--prefix", prefix], timeout=120, env=env)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        return r

    def test_prefix_usr_gives_the_debian_layout(self):
        root = os.path.join(self.dir, "root")
        self.install("/usr", destdir=root)
        for p in EXPECTED:
            self.assertTrue(os.path.isfile(os.path.join(root, p)), p)
        self.assertFalse(os.path.exists(os.path.join(root, "usr", "etc")))
        # the unit is installed as written: its paths are the real ones
        self.assertEqual(read(os.path.join(root, "usr/lib/systemd/system/pathwaysd.service")),
                         read(UNIT))
        self.assertEqual(read(os.path.join(root, "etc/pathwaysd/pathwaysd.conf")), read(CONF))
        self.assertTrue(os.access(os.path.join(root, "usr/bin/pathwaysd"), os.X_OK))

    def test_another_prefix_keeps_everything_under_it(self):
        prefix = os.path.join(self.dir, "opt")
        self.install(prefix)
        unit = read(os.path.join(prefix, "lib/systemd/system/pathwaysd.service"))
        exe = os.path.join(prefix, "bin", "pathwaysd")
        conf = os.path.join(prefix, "etc", "pathwaysd", "pathwaysd.conf")
        self.assertIn("ExecStart=%s --config %s\n" % (exe, conf), unit)
        self.assertNotIn("/usr/bin/", unit)
        r = run([exe, "--check-config", "--config", conf])
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_an_existing_config_is_kept(self):
        root = os.path.join(self.dir, "root")
        self.install("/usr", destdir=root)
        conf = os.path.join(root, "etc/pathwaysd/pathwaysd.conf")
        with open(conf, "a") as f:
            f.write("# local change\n")
        self.install("/usr", destdir=root)
        self.assertTrue(read(conf).endswith("# local change\n"))

    def test_deb_package(self):
        for exe in ("cpack", "dpkg-deb", "dpkg"):
            if not shutil.which(exe):
                self.skipTest("%s is missing" % exe)
        cfg = os.path.join(H.BUILD, "CPackConfig.cmake")
        if not os.path.exists(cfg):
            self.skipTest("no CPackConfig.cmake in %s" % H.BUILD)
        out = os.path.join(self.dir, "pkg")
        r = run(["cpack", "-G", "DEB", "--config", cfg, "-B", out], timeout=600)
        self.assertEqual(r.returncode, 0, r.stdout + r.stderr)
        # the daemon's package (the client library's and the Python
        # client's: tests/package/test_packages.sh)
        debs = [f for f in os.listdir(out) if f.startswith("pathwaysd_") and f.endswith(".deb")]
        self.assertEqual(len(debs), 1, os.listdir(out))
        deb = os.path.join(out, debs[0])
        version = project_version()
        self.assertTrue(debs[0].startswith("pathwaysd_%s_" % version), debs[0])

        fields = run(["dpkg-deb", "-f", deb, "Package", "Version", "Depends"]).stdout
        self.assertIn("Package: pathwaysd", fields)
        self.assertIn("Version: " + version, fields)
        depends = re.search(r"Depends: (.*)", fields).group(1)
        names = {d.strip().split()[0] for d in depends.split(",")}
        self.assertLessEqual({"libzmq5", "libprotobuf-c1", "libpq5"}, names, depends)

        listing = run(["dpkg-deb", "-c", deb]).stdout
        paths = {line.split()[-1].lstrip(".").lstrip("/") for line in listing.splitlines()}
        for p in EXPECTED:
            self.assertIn(p, paths)
        self.assertFalse([p for p in paths if "/tests/" in p or p.endswith((".a", ".h"))])

        ctl = os.path.join(self.dir, "control")
        self.assertEqual(run(["dpkg-deb", "-e", deb, ctl]).returncode, 0)
        self.assertEqual(read(os.path.join(ctl, "conffiles")).split(),
                         ["/etc/pathwaysd/pathwaysd.conf", "/etc/logrotate.d/pathwaysd"])
        for script in ("postinst", "prerm", "postrm"):
            p = os.path.join(ctl, script)
            self.assertTrue(os.access(p, os.X_OK), script)
            self.assertEqual(run(["sh", "-n", p]).returncode, 0, script)

        # unpacked into a root of its own, it runs from the installed paths
        root = os.path.join(self.dir, "root")
        self.assertEqual(run(["dpkg", "-x", deb, root]).returncode, 0)
        for exe, name in (("pathwaysd", "pathwaysd"), ("pathwaysctl", "pathwaysctl")):
            r = run([os.path.join(root, "usr", "bin", exe), "--version"], timeout=10)
            self.assertEqual(r.returncode, 0, r.stderr)
            self.assertEqual(r.stdout.strip(), "%s %s" % (name, version))
        r = run([os.path.join(root, "usr/bin/pathwaysd"), "--check-config", "--config",
                 os.path.join(root, "etc/pathwaysd/pathwaysd.conf")])
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(read(os.path.join(root, "usr/lib/systemd/system/pathwaysd.service")),
                         read(UNIT))


if __name__ == "__main__":
    H.main()
