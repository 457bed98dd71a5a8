"""pathwaysctl for operators and systems of record, end to end against the
real daemon and a real PostgreSQL:

1. keygen writes certificates a real daemon with CURVE accepts: its
   server .key as curve_secret_key_file, the clients' .pub files in
   allowed_clients_dir; --server-key/--client-key (and their environment
   variables) get answers, no key gets no reply, a key's methods bound
   what it may call, a bad key file is a usage error.
2. record-assessment and record-completion, one record or a CSV file (a
   bad row reported as FILE:LINE, the good rows written), in batches,
   --all-or-nothing.
3. erase-employee through the daemon and straight in PostgreSQL.
4. export, then import into a fresh database: the same rows.
"""
import datetime
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


def run(*args, env=None, timeout=180):
    """pathwaysctl with args; env adds to (None values remove from) the
    environment."""
    e = dict(os.environ)
    for k in ("PATHWAYS_SERVER_KEY", "PATHWAYS_CLIENT_KEY", "PATHWAYS_DB",
              "PATHWAYS_ENDPOINT"):
        e.pop(k, None)
    for k, v in (env or {}).items():
        if v is None:
            e.pop(k, None)
        else:
            e[k] = v
    r = subprocess.run([H.CTL] + list(args), capture_output=True, text=True,
                       timeout=timeout, env=e)
    for mark in H.SANITIZER_MARKS:
        assert mark not in r.stderr, "sanitizer report from pathwaysctl:\n" + r.stderr
    return r


def iso(dt):
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def recent(seconds_ago):
    return datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(seconds=seconds_ago)


def write_csv(path, text):
    with open(path, "w") as f:
        f.write(text)
    return path


class Keygen(unittest.TestCase):
    """keygen alone: files, modes, refusals."""

    def setUp(self):
        self.dir = tempfile.mkdtemp(prefix="pathways-keygen-")

    def tearDown(self):
        shutil.rmtree(self.dir, True)

    def read(self, name):
        with open(os.path.join(self.dir, name)) as f:
            return f.read()

    def test_a_key_pair_in_zeromq_certificate_format(self):
        r = run("keygen", "lms", "--dir", self.dir, "--methods", "RecommendModules, Health")
        self.assertEqual(r.returncode, 0, r.stderr)
        key = os.path.join(self.dir, "lms.key")
        self.assertEqual(stat.S_IMODE(os.stat(key).st_mode), 0o600)
        sec, pub = self.read("lms.key"), self.read("lms.pub")
        public = [l for l in r.stdout.splitlines() if l.startswith("public key: ")][0][12:]
        self.assertEqual(len(public), 40)
        self.assertIn('    public-key = "%s"\n' % public, pub)
        self.assertIn('    public-key = "%s"\n' % public, sec)
        self.assertIn("    secret-key = ", sec)
        self.assertNotIn("secret-key", pub)
        self.assertIn('metadata\n    methods = "RecommendModules,Health"\n', pub)
        # the pair belongs together (libzmq derives the public key)
        import zmq
        secret = sec.split('secret-key = "')[1][:40]
        self.assertEqual(zmq.curve_public(secret.encode()).decode(), public)

    def test_existing_files_are_not_replaced_without_force(self):
        self.assertEqual(run("keygen", "a", "--dir", self.dir).returncode, 0)
        before = self.read("a.key")
        r = run("keygen", "a", "--dir", self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertIn("exists", r.stderr)
        self.assertEqual(self.read("a.key"), before)
        # only the .pub there: still refused, nothing written
        os.unlink(os.path.join(self.dir, "a.key"))
        r = run("keygen", "a", "--dir", self.dir)
        self.assertEqual(r.returncode, 2)
        self.assertFalse(os.path.exists(os.path.join(self.dir, "a.key")))
        r = run("keygen", "a", "--dir", self.dir, "--force")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertNotEqual(self.read("a.key"), before)

    def test_bad_arguments_are_usage_errors(self):
        for args in (["keygen", "x.key"], ["keygen", "a/b"], ["keygen", ".hidden"],
                     ["keygen", "--methods", "Readines"], ["keygen", "--methods", "Gap,,Health"],
                     ["keygen", "--dir", os.path.join(self.dir, "nope")], ["keygen", "a", "b"]):
            r = run(*args, "--dir", self.dir) if "--dir" not in args else run(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
        self.assertEqual(os.listdir(self.dir), [])


class Curve(unittest.TestCase):
    """A daemon with CURVE whose certificates all come from keygen."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pathways-cli-curve-")
        cls.keys = os.path.join(cls.dir, "keys")
        clients = os.path.join(cls.dir, "clients")
        os.mkdir(cls.keys)
        os.mkdir(clients)

        def keygen(name, *extra):
            r = run("keygen", name, "--dir", cls.keys, *extra)
            assert r.returncode == 0, r.stderr
            return [l for l in r.stdout.splitlines() if l.startswith("public key: ")][0][12:]

        cls.server_z85 = keygen("server")
        for name, methods in (("reader", None), ("narrow", "Readiness"),
                              ("writer", "RecordAssessments,EraseEmployee,Readiness")):
            keygen(name, *(["--methods", methods] if methods else []))
            shutil.copy(os.path.join(cls.keys, name + ".pub"), clients)
        cls.server_pub = os.path.join(cls.keys, "server.pub")
        conf = os.path.join(cls.dir, "pathwaysd.conf")
        with open(conf, "w") as f:
            f.write("[security]\ncurve_secret_key_file = %s\nallowed_clients_dir = %s\n"
                    % (os.path.join(cls.keys, "server.key"), clients))
        cls.db = H.demo_database()
        cls.d = H.Daemon(cls.db, config=conf, wait=False)
        ok = H.wait_for(lambda: cls.ctl("reader", "health", "--timeout", "1000").returncode == 0,
                        timeout=60, step=0.2)
        if not ok:
            out = cls.d.output()
            cls.d.stop()
            raise AssertionError("no answer with the reader key:\n" + out)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.dir, True)

    @classmethod
    def key(cls, name, ext=".key"):
        return os.path.join(cls.keys, name + ext)

    @classmethod
    def ctl(cls, client, *args, env=None):
        keys = []
        if client:
            keys = ["--server-key", cls.server_pub, "--client-key", cls.key(client)]
        return run("--endpoint", cls.d.endpoint, *keys, *args, env=env)

    def test_known_keys_get_answers(self):
        r = self.ctl("reader", "health")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"serving\s+yes")
        # the daemon's key as Z85 instead of its certificate
        r = run("-e", self.d.endpoint, "--server-key", self.server_z85,
                "--client-key", self.key("reader"), "readiness", "E1001")
        self.assertEqual(r.returncode, 0, r.stderr)
        # from the environment
        r = run("-e", self.d.endpoint, "bench", "ops-ic-4",
                env={"PATHWAYS_SERVER_KEY": self.server_pub,
                     "PATHWAYS_CLIENT_KEY": self.key("reader")})
        self.assertEqual(r.returncode, 0, r.stderr)

    def test_without_a_known_key_there_is_no_reply(self):
        r = self.ctl(None, "health", "--timeout", "1500")
        self.assertEqual(r.returncode, 3)
        self.assertIn("no reply", r.stderr)
        # CURVE with a throwaway key: refused just the same
        r = run("-e", self.d.endpoint, "--server-key", self.server_pub, "health",
                "--timeout", "1500")
        self.assertEqual(r.returncode, 3)
        self.assertIn("no reply", r.stderr)

    def test_a_key_may_call_only_its_methods(self):
        r = self.ctl("narrow", "readiness", "E1001")
        self.assertEqual(r.returncode, 0, r.stderr)
        r = self.ctl("narrow", "bench", "ops-ic-4")
        self.assertEqual(r.returncode, 3)
        self.assertIn("PERMISSION_DENIED", r.stderr)
        self.assertEqual(r.stdout, "")
        # no methods line: the reads, never a write
        r = self.ctl("reader", "record-assessment", "E1001", "communication", "3")
        self.assertEqual(r.returncode, 3)
        self.assertIn("PERMISSION_DENIED", r.stderr)

    def test_a_key_allowed_to_write_writes(self):
        at = iso(recent(30))
        r = self.ctl("writer", "record-assessment", "E1009", "ownership", "4", "--at", at)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^written 1, unchanged 0, snapshot \d+\n$")
        r = self.ctl("writer", "erase-employee", "E1070")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^erased E1070: ")

    def test_bad_keys_are_usage_errors(self):
        cases = [
            (["--server-key", self.server_pub, "--client-key", self.key("reader", ".pub")],
             "has no secret-key"),
            (["--server-key", self.key("server")], "secret certificate"),
            (["--server-key", os.path.join(self.dir, "missing.pub")], "no such file"),
            (["--server-key", self.server_pub, "--client-key", os.path.join(self.dir, "nope")],
             "No such file"),
            (["--client-key", self.key("reader")], "needs --server-key"),
            (["--server-key", self.server_pub, "--client-key", os.path.join(self.dir, "pathwaysd.conf")],
             "not a ZeroMQ certificate"),
        ]
        mangled = os.path.join(self.dir, "mangled.key")
        with open(self.key("reader")) as f:
            text = f.read()
        with open(mangled, "w") as f:
            f.write(text.replace('secret-key = "', 'secret-key = "x'))
        cases.append((["--server-key", self.server_pub, "--client-key", mangled], "secret-key"))
        for opts, message in cases:
            r = run("-e", self.d.endpoint, *opts, "health", "--timeout", "1000")
            self.assertEqual(r.returncode, 2, (opts, r.stderr))
            self.assertIn(message, r.stderr)
        # a bad key in the environment too
        r = run("-e", self.d.endpoint, "health", env={"PATHWAYS_SERVER_KEY": "short"})
        self.assertEqual(r.returncode, 2, r.stderr)


class Writes(unittest.TestCase):
    """record-*, erase-employee and export against a daemon that allows
    writes (no CURVE)."""

    @classmethod
    def setUpClass(cls):
        cls.dir = tempfile.mkdtemp(prefix="pathways-cli-writes-")
        cls.db = H.demo_database()
        conf = os.path.join(cls.dir, "pathwaysd.conf")
        with open(conf, "w") as f:
            f.write("[server]\nallow_writes = true\n")
        cls.d = H.Daemon(cls.db, config=conf)

    @classmethod
    def tearDownClass(cls):
        cls.d.stop()
        shutil.rmtree(cls.dir, True)

    def ctl(self, *args, **kw):
        return run("--endpoint", self.d.endpoint, *args, **kw)

    def count(self, sql):
        return int(H.psql(self.db, sql)[0][0])

    def assessments(self, emp, comp):
        return H.psql(self.db, "SELECT a.level, a.source, (extract(epoch FROM a.assessed_at) * 1000)::bigint"
                      " FROM assessment a JOIN employee e ON e.id = a.employee_id"
                      " JOIN competency c ON c.id = a.competency_id"
                      " WHERE e.external_id = '%s' AND c.key = '%s' ORDER BY a.assessed_at" % (emp, comp))

    def test_one_assessment(self):
        at = recent(120).replace(microsecond=0)
        r = self.ctl("record-assessment", "E1002", "customer-focus", "4", "--at",
                     at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^written 1, unchanged 0, snapshot [1-9]\d*\n$")
        self.assertIn(["4", "manager", str(int(at.timestamp() * 1000))],
                      self.assessments("E1002", "customer-focus"))
        # again: already there
        r = self.ctl("record-assessment", "E1002", "customer-focus", "4", "--at",
                     at.strftime("%Y-%m-%dT%H:%M:%SZ"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^written 0, unchanged 1, ")
        # a source and unix milliseconds
        ms = int(recent(60).timestamp() * 1000)
        r = self.ctl("--json", "record-assessment", "E1002", "customer-focus", "5",
                     "--source", "peer", "--at", str(ms))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"written": 1', r.stdout)
        self.assertIn(["5", "peer", str(ms)], self.assessments("E1002", "customer-focus"))

    def test_a_record_the_daemon_refuses(self):
        r = self.ctl("record-assessment", "NOBODY", "communication", "3")
        self.assertEqual(r.returncode, 3)
        self.assertRegex(r.stderr, r"(?m)^record 1: .*NOBODY")
        self.assertRegex(r.stdout, r"^written 0, unchanged 0, ")
        r = self.ctl("record-assessment", "E1002", "communication", "3", "--source", "gossip")
        self.assertEqual(r.returncode, 3)
        self.assertIn("gossip", r.stderr)

    def test_usage_errors_send_nothing(self):
        before = self.count("SELECT count(*) FROM assessment")
        for args in (["record-assessment", "E1001", "communication", "6"],
                     ["record-assessment", "E1001", "communication"],
                     ["record-assessment", "E1001", "communication", "3", "--at", "yesterday"],
                     ["record-assessment", "E1001", "communication", "3", "--at", "1969-12-31"],
                     ["record-assessment", "--file", "x.csv", "E1001"],
                     ["record-completion", "E1001", "data-sql", "--source", "self"],
                     ["erase-employee"],
                     ["erase-employee", "E1001", "--db", self.db]):
            r = self.ctl(*args)
            self.assertEqual(r.returncode, 2, (args, r.stderr))
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before)
        self.assertEqual(self.count("SELECT count(*) FROM employee WHERE external_id = 'E1001'"), 1)

    def test_a_file_reports_bad_rows_by_line_and_writes_the_good_ones(self):
        t = [iso(recent(300 + i)) for i in range(6)]
        f = write_csv(os.path.join(self.dir, "feed.csv"),
                      "employee,competency,level,source,assessed_at\n"
                      "E1003,data-literacy,3,manager,%s\n"        # line 2: good
                      "E1003,data-literacy,9,manager,%s\n"        # line 3: bad level
                      "NOBODY,data-literacy,3,manager,%s\n"       # line 4: the daemon refuses
                      "E1003,data-literacy,2,,\n"                 # line 5: --source, --at
                      "E1003,data-literacy,4,peer,next tuesday\n"  # line 6: bad time
                      "E1003,data-literacy,1,self,%s\n"           # line 7: good
                      % (t[0], t[1], t[2], t[3]))
        at = iso(recent(1000))
        before = self.count("SELECT count(*) FROM assessment")
        r = self.ctl("record-assessment", "--file", f, "--source", "certification", "--at", at)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertRegex(r.stdout, r"^written 3, unchanged 0, snapshot \d+\n$")
        lines = r.stderr.splitlines()
        self.assertEqual([l.split(": ")[0] for l in lines],
                         [f + ":3", f + ":6", f + ":4"], r.stderr)
        self.assertIn("level", lines[0])
        self.assertIn("assessed_at", lines[1])
        self.assertIn("NOBODY", lines[2])
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before + 3)
        rows = self.assessments("E1003", "data-literacy")
        self.assertIn("certification", [row[1] for row in rows])

    def test_all_or_nothing(self):
        f = write_csv(os.path.join(self.dir, "aon.csv"),
                      "employee,competency,level,source,assessed_at\n"
                      "E1004,collaboration,3,manager,%s\n"
                      "NOBODY,collaboration,3,manager,%s\n" % (iso(recent(50)), iso(recent(51))))
        before = self.count("SELECT count(*) FROM assessment")
        r = self.ctl("record-assessment", "--file", f, "--all-or-nothing")
        self.assertEqual(r.returncode, 3)
        self.assertIn(f + ":3: ", r.stderr)
        self.assertRegex(r.stdout, r"^written 0, ")
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before)
        # a row bad here: nothing is sent at all
        write_csv(f, "employee,competency,level\nE1004,collaboration,3\nE1004,collaboration,x\n")
        r = self.ctl("record-assessment", "--file", f, "--all-or-nothing")
        self.assertEqual(r.returncode, 3)
        self.assertIn("nothing sent", r.stderr)
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before)

    def test_a_large_file_goes_in_batches(self):
        n = 10050
        base = recent(3600)
        with open(os.path.join(self.dir, "big.csv"), "w") as f:
            f.write("\ufeffemployee,competency,level,source,assessed_at\r\n")
            for i in range(n):
                f.write("E1005,problem-solving,%d,self,%s\r\n"
                        % (i % 6, iso(base + datetime.timedelta(milliseconds=i))))
        before = self.count("SELECT count(*) FROM assessment")
        r = self.ctl("--json", "record-assessment", "--file", os.path.join(self.dir, "big.csv"))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"written": %d' % n, r.stdout)
        self.assertEqual(self.count("SELECT count(*) FROM assessment"), before + n)
        r = self.ctl("record-assessment", "--file", os.path.join(self.dir, "big.csv"),
                     "--all-or-nothing")
        self.assertEqual(r.returncode, 2)
        self.assertIn("more than one call", r.stderr)

    def test_a_file_that_is_not_a_feed(self):
        f = write_csv(os.path.join(self.dir, "odd.csv"), "employee,competency,grade\nE1001,x,3\n")
        r = self.ctl("record-assessment", "--file", f)
        self.assertEqual(r.returncode, 3)
        self.assertIn("grade", r.stderr)
        r = self.ctl("record-assessment", "--file", os.path.join(self.dir, "missing.csv"))
        self.assertEqual(r.returncode, 3)
        self.assertIn("missing.csv", r.stderr)

    def test_completions(self):
        r = self.ctl("record-completion", "E1006", "data-sql", "--at", iso(recent(10)))
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^written 1, unchanged 0, ")
        f = write_csv(os.path.join(self.dir, "done.csv"),
                      "employee,module,completed_at\n"
                      "E1006,data-basics,%s\n"
                      "E1006,no-such-module,%s\n"
                      "E1007,data-basics,\n" % (iso(recent(20)), iso(recent(21))))
        r = self.ctl("record-completion", "--file", f)
        self.assertEqual(r.returncode, 3)
        self.assertRegex(r.stdout, r"^written 2, unchanged 0, ")
        self.assertRegex(r.stderr, r"^%s:3: .*no-such-module" % f)
        self.assertEqual(self.count(
            "SELECT count(*) FROM module_completion mc JOIN employee e ON e.id = mc.employee_id"
            " JOIN module m ON m.id = mc.module_id WHERE e.external_id IN ('E1006', 'E1007')"
            " AND m.key IN ('data-sql', 'data-basics')"), 3)

    def rows_of(self, emp):
        return [self.count("SELECT count(*) FROM %s x JOIN employee e ON e.id = x.employee_id"
                           " WHERE e.external_id = '%s'" % (t, emp))
                for t in ("assessment", "module_completion")]

    def test_erase_through_the_daemon(self):
        self.ctl("record-completion", "E1060", "data-sql", "--at", iso(recent(5)))
        n_a, n_c = self.rows_of("E1060")
        self.assertGreater(n_a, 0)
        r = self.ctl("erase-employee", "E1060")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertEqual(r.stdout, "erased E1060: %d assessment%s, %d completion%s\n"
                         % (n_a, "" if n_a == 1 else "s", n_c, "" if n_c == 1 else "s"))
        self.assertEqual(self.rows_of("E1060"), [0, 0])
        self.assertEqual(self.count("SELECT count(*) FROM employee WHERE external_id = 'E1060'"), 0)
        r = self.ctl("erase-employee", "E1060")
        self.assertEqual((r.returncode, r.stdout), (0, "no employee E1060\n"), r.stderr)

    def test_erase_in_the_database(self):
        n_a, _ = self.rows_of("E1061")
        self.assertGreater(n_a, 0)
        r = run("--db", self.db, "--json", "erase-employee", "E1061")
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"erased": true', r.stdout)
        self.assertIn('"assessments": %d' % n_a, r.stdout)
        self.assertEqual(self.rows_of("E1061"), [0, 0])
        self.assertEqual(self.count("SELECT count(*) FROM employee WHERE external_id = 'E1061'"), 0)
        r = run("--db", self.db, "erase-employee", "E1061")
        self.assertEqual((r.returncode, r.stdout), (0, "no employee E1061\n"), r.stderr)
        # the daemon forgets it too (NOTIFY)
        ok = H.wait_event(lambda: self.ctl("readiness", "E1061").returncode == 3, "erased employee gone")
        self.assertTrue(ok)

    def test_export_then_import_gives_the_same_rows(self):
        out = os.path.join(self.dir, "bundle", "copy")
        r = run("--db", self.db, "export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertRegex(r.stdout, r"^export: %s: tracks \d+, .*assessments \d+, .* rows\n$" % out)
        for name in ("roles.csv", "assessments.csv", "completions.csv", "settings.csv"):
            self.assertTrue(os.path.exists(os.path.join(out, name)), name)
        fresh = H.new_database("copy")
        H.ctl("migrate", db=fresh)
        r = run("--db", fresh, "import", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        # each table's rows by their keys
        queries = [
            "SELECT key, title, grade FROM role ORDER BY key",
            "SELECT e.external_id, r.key, e.active FROM employee e JOIN role r ON r.id = e.role_id"
            " ORDER BY 1",
            "SELECT e.external_id, c.key, a.level, a.source, a.assessed_at FROM assessment a"
            " JOIN employee e ON e.id = a.employee_id JOIN competency c ON c.id = a.competency_id"
            " ORDER BY 1, 2, 4, 5",
            "SELECT e.external_id, m.key, mc.completed_at FROM module_completion mc"
            " JOIN employee e ON e.id = mc.employee_id JOIN module m ON m.id = mc.module_id"
            " ORDER BY 1, 2",
        ]
        for q in queries:
            self.assertEqual(H.psql(fresh, q), H.psql(self.db, q), q)
        # into an existing folder, with --json
        r = run("--db", self.db, "--json", "export", out)
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn('"roles": ', r.stdout)
        # no database: a usage error
        r = run("export", out)
        self.assertEqual(r.returncode, 2)


class WritesRefused(unittest.TestCase):
    def test_a_daemon_without_writes_refuses_them(self):
        db = H.demo_database()
        d = H.Daemon(db)
        try:
            r = run("-e", d.endpoint, "record-completion", "E1001", "data-sql")
            self.assertEqual(r.returncode, 3)
            self.assertIn("PERMISSION_DENIED", r.stderr)
            r = run("-e", d.endpoint, "erase-employee", "E1001")
            self.assertEqual(r.returncode, 3)
            self.assertIn("PERMISSION_DENIED", r.stderr)
            # no reply at all: exit 3
            r = run("-e", "tcp://127.0.0.1:%d" % H.free_port(), "--timeout", "500",
                    "record-assessment", "E1001", "communication", "3")
            self.assertEqual(r.returncode, 3)
            self.assertIn("no reply", r.stderr)
        finally:
            d.stop()


if __name__ == "__main__":
    H.main()
