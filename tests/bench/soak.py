#!/usr/bin/python3
"""Soak: pathwaysd under a bounded mixed load for a set time, then checks.

Load (closed loop: a fixed number of requests in flight, so it is bounded
by construction): every read method with the demo organization's keys, some
garbage (undecodable headers, wrong frame counts, unknown methods, bodies
that do not decode), a few writes (allow_writes = true in a config), and
data changes that make the daemon reload every few seconds: an UPDATE of a
framework row (full reload) and multi-row updates of assessments (deltas).

Checks at the end:
  - every request got exactly one reply (none missing, none twice);
  - RSS growth under 10% (--rss-limit) from 25% of the run to the end;
  - the daemon reloaded (full and delta) during the run;
  - SIGTERM stops it with exit 0 and no sanitizer report in its output
    (run it with a sanitizer build's pathwaysd to make that count);
  - with --valgrind: the same load, lighter and shorter, on pathwaysd under
    `valgrind --leak-check=full --error-exitcode=99`: no error, no definite
    leak.

usage: soak.py [--valgrind] [--seconds N]
  SOAK_SECONDS        duration (default 60; --seconds wins)
  PATHWAYS_BUILD_DIR  the build whose daemon runs (default build/)
  PATHWAYS_TEST_PG    a PostgreSQL conninfo (default: a private cluster)
Prints the figures and ends with "soak: PASS" or "soak: FAIL: reasons"
(exit status 0 or 1).
"""
import argparse
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, os.path.join(HERE, "..", "integration"))
import harness as H  # noqa: E402
import zmq  # noqa: E402

PREFIX = "/pathways.v1.Pathways/"
REPLY_TIMEOUT_S = 15.0


def rss_kb(pid):
    try:
        with open("/proc/%d/status" % pid) as f:
            for line in f:
                if line.startswith("VmRSS:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


class SoakDaemon:
    """pathwaysd on a free port, optionally under valgrind."""

    def __init__(self, db, config, valgrind=False, env=None):
        self.port = H.free_port()
        self.endpoint = "tcp://127.0.0.1:%d" % self.port
        self.dir = tempfile.mkdtemp(prefix="pathways-soak-")
        self.log_path = os.path.join(self.dir, "daemon.log")
        self.log = open(self.log_path, "w")
        cmd = [H.PATHWAYSD, "--listen", self.endpoint, "--workers", "2", "--db", db,
               "--config", config]
        if valgrind:
            cmd = ["valgrind", "--leak-check=full", "--error-exitcode=99",
                   "--errors-for-leak-kinds=definite", "--show-leak-kinds=definite",
                   "--num-callers=30", "--track-origins=no"] + cmd
        e = dict(os.environ)
        e.update(env or {})
        self.proc = subprocess.Popen(cmd, stdout=self.log, stderr=subprocess.STDOUT, env=e)

    def wait_serving(self, timeout):
        c = H.Client(self.endpoint)
        try:
            deadline = time.time() + timeout
            while time.time() < deadline:
                if self.proc.poll() is not None:
                    raise RuntimeError("pathwaysd exited %d:\n%s" % (self.proc.returncode,
                                                                     self.output()))
                try:
                    h, body = c.call("Health", H.pb().HealthRequest(), timeout_ms=2000)
                    if h.code == 0 and body.serving:
                        return
                except TimeoutError:
                    pass
                time.sleep(0.1)
            raise RuntimeError("pathwaysd not serving within %ds:\n%s" % (timeout, self.output()))
        finally:
            c.close()

    def output(self):
        self.log.flush()
        with open(self.log_path, errors="replace") as f:
            return f.read()

    def stop(self, timeout):
        if self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
                return None, self.output()
        out = self.output()
        self.log.close()
        return self.proc.returncode, out

    def cleanup(self):
        if self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait()
        if not self.log.closed:
            self.log.close()
        shutil.rmtree(self.dir, True)


class Load:
    """Request mix over one DEALER per thread, `depth` requests in flight."""

    def __init__(self, endpoint, keys, depth, writes_per_s):
        self.endpoint = endpoint
        self.keys = keys
        self.depth = depth
        self.writes_per_s = writes_per_s
        self.stop = threading.Event()
        self.lock = threading.Lock()
        self.sent = 0
        self.answered = 0
        self.codes = {}
        self.missing = []       # (method, age) of requests never answered
        self.duplicates = 0     # replies to nothing outstanding
        self.errors = []        # replies that break the protocol
        self.next_write = time.monotonic()
        self.ids = iter(range(1, 1 << 62))

    def request(self, rng):
        """(method or label, frames, expected request_id or 0 when the
        daemon cannot know it)."""
        P = H.pb()
        k = self.keys
        rid = next(self.ids)
        now = time.monotonic()
        if self.writes_per_s and now >= self.next_write:
            self.next_write = now + 1.0 / self.writes_per_s
            if rng.random() < 0.7:
                body = P.RecordAssessmentsRequest(records=[P.AssessmentRecord(
                    employee_id=rng.choice(k["emps"]), competency_key=rng.choice(k["comps"]),
                    level=rng.randrange(0, 6), source="peer",
                    assessed_at_unix_ms=int(time.time() * 1000) - rng.randrange(10 ** 9))])
                method = "RecordAssessments"
            else:
                body = P.RecordCompletionsRequest(records=[P.CompletionRecord(
                    employee_id=rng.choice(k["emps"]), module_key=rng.choice(k["modules"]),
                    completed_at_unix_ms=int(time.time() * 1000))])
                method = "RecordCompletions"
            return method, self.frames(method, rid, body), rid
        x = rng.random()
        if x < 0.06:
            # garbage of several kinds
            g = rng.randrange(5)
            if g == 0:
                # field 1 with a length varint of 11 bytes: never decodes
                return "garbage:header", [b"\x0a" + b"\xff" * 10 +
                                          os.urandom(rng.randrange(0, 64)), b""], 0
            if g == 1:
                return "garbage:frames", [self.hdr("Health", rid), b"", b"x"], 0
            if g == 2:
                return "garbage:method", self.frames("Nope", rid, P.HealthRequest()), rid
            if g == 3:
                return "garbage:body", [self.hdr("Gap", rid), b"\x0a\xff\xff\xff\x0f"], rid
            return "garbage:utf8", [self.hdr("Gap", rid), b"\x0a\x02\xc3\x28"], rid
        emp, role = rng.choice(k["emps"]), rng.choice(k["roles"])
        choices = [
            ("Health", P.HealthRequest()),
            ("Stats", P.StatsRequest()),
            ("ListRoles", P.ListRolesRequest(track=rng.choice(["", "ic", "mgmt"]))),
            ("Path", P.PathRequest(from_employee=emp, to_role=role, max_routes=3)),
            ("Explore", P.ExploreRequest(from_role=role, max_steps=3, limit=20)),
            ("Gap", P.GapRequest(employee_id=emp, role_key=role)),
            ("Readiness", P.ReadinessRequest(employee_ids=rng.sample(k["emps"], 5),
                                             role_keys=rng.sample(k["roles"], 3),
                                             with_estimates=True)),
            ("Readiness", P.ReadinessRequest(employee_ids=k["emps"], role_keys=k["roles"])),
            ("RecommendModules", P.RecommendModulesRequest(employee_id=emp, role_key=role)),
            ("Bench", P.BenchRequest(role_key=role, limit=10,
                                     breakdown_attribute="location")),
            ("Mentors", P.MentorsRequest(employee_id=emp, role_key=role)),
            ("Audit", P.AuditRequest()),
            ("Placement", P.PlacementRequest(employee_id=emp)),
        ]
        method, body = rng.choice(choices)
        return method, self.frames(method, rid, body), rid

    def hdr(self, method, rid):
        return H.pb().RequestHeader(method=PREFIX + method, request_id=rid,
                                    deadline_ms=0).SerializeToString()

    def frames(self, method, rid, body):
        return [self.hdr(method, rid), body.SerializeToString()]

    def run(self, seed):
        rng = random.Random(seed)
        ctx = zmq.Context.instance()
        sock = ctx.socket(zmq.DEALER)
        sock.setsockopt(zmq.LINGER, 0)
        sock.connect(self.endpoint)
        outstanding = {}        # rid -> (method, sent at)
        anon = []               # sent times of requests answered with id 0
        P = H.pb()
        try:
            while True:
                stopping = self.stop.is_set()
                while not stopping and len(outstanding) + len(anon) < self.depth:
                    method, frames, rid = self.request(rng)
                    sock.send_multipart(frames)
                    if rid:
                        outstanding[rid] = (method, time.monotonic())
                    else:
                        anon.append(time.monotonic())
                    with self.lock:
                        self.sent += 1
                if stopping and not outstanding and not anon:
                    break
                if sock.poll(200):
                    frames = sock.recv_multipart()
                    ok = len(frames) == 2
                    try:
                        rh = P.ResponseHeader.FromString(frames[0]) if ok else None
                    except Exception as e:  # DecodeError
                        rh = None
                        self.errors.append("undecodable reply header: %s" % e)
                    with self.lock:
                        if not ok:
                            self.errors.append("reply of %d frames" % len(frames))
                        elif rh is not None:
                            self.codes[rh.code] = self.codes.get(rh.code, 0) + 1
                            if rh.request_id == 0 and anon:
                                anon.pop(0)
                                self.answered += 1
                            elif rh.request_id in outstanding:
                                outstanding.pop(rh.request_id)
                                self.answered += 1
                            else:
                                self.duplicates += 1
                            if rh.code != 0 and frames[1] != b"":
                                self.errors.append("error reply with a body")
                now = time.monotonic()
                expired = [r for r, (_, t) in outstanding.items() if now - t > REPLY_TIMEOUT_S]
                for r in expired:
                    m, t = outstanding.pop(r)
                    with self.lock:
                        self.missing.append((m, now - t))
                while anon and now - anon[0] > REPLY_TIMEOUT_S:
                    with self.lock:
                        self.missing.append(("garbage (id 0)", now - anon.pop(0)))
        finally:
            sock.close(0)


class Changer:
    """Data changes behind the daemon's back, every `period` seconds:
    alternately a framework row (full reload) and a multi-row update of
    assessments (employee-scoped: deltas)."""

    def __init__(self, db, period):
        self.db = db
        self.period = period
        self.stop = threading.Event()
        self.framework = 0
        self.bulk = 0
        self.failures = []

    def run(self):
        k = 0
        while not self.stop.wait(self.period):
            try:
                if k % 2 == 0:
                    H.psql(self.db, "UPDATE role SET title = CASE WHEN title LIKE '%% (soak)' "
                                    "THEN left(title, -7) ELSE title || ' (soak)' END "
                                    "WHERE key = (SELECT min(key) FROM role)")
                    self.framework += 1
                else:
                    H.psql(self.db, "UPDATE assessment SET level = CASE WHEN level < 5 THEN "
                                    "level + 1 ELSE 1 END WHERE id %% 5 = %d" % (k % 5))
                    self.bulk += 1
            except Exception as e:  # keep going; reported at the end
                self.failures.append(str(e)[:200])
            k += 1


def demo_keys(db):
    q = lambda sql: [r[0] for r in H.psql(db, sql)]  # noqa: E731
    return {"emps": q("SELECT external_id FROM employee WHERE active ORDER BY 1"),
            "roles": q("SELECT key FROM role ORDER BY 1"),
            "comps": q("SELECT key FROM competency ORDER BY 1"),
            "modules": q("SELECT key FROM module ORDER BY 1")}


def soak(seconds, valgrind=False, rss_limit_pct=10.0, log=print):
    """Runs one soak; returns (ok, figures dict, failure reasons)."""
    db = H.demo_database()
    keys = demo_keys(db)
    conf_dir = tempfile.mkdtemp(prefix="pathways-soak-conf-")
    conf = os.path.join(conf_dir, "pathwaysd.conf")
    with open(conf, "w") as f:
        f.write("[server]\nallow_writes = true\n")
    asan = os.environ.get("ASAN_OPTIONS", "")
    env = {"ASAN_OPTIONS": (asan + ":" if asan else "") + "quarantine_size_mb=4:thread_local_quarantine_size_kb=64:malloc_context_size=5"}
    d = SoakDaemon(db, conf, valgrind=valgrind, env=env)
    reasons = []
    fig = {"mode": "valgrind" if valgrind else "plain", "seconds": seconds}
    try:
        d.wait_serving(300 if valgrind else 60)
        load = Load(d.endpoint, keys, depth=4 if valgrind else 16,
                    writes_per_s=1 if valgrind else 4)
        changer = Changer(db, 4.0 if valgrind else 2.0)
        threads = [threading.Thread(target=load.run, args=(i,), daemon=True)
                   for i in range(1 if valgrind else 2)]
        threads.append(threading.Thread(target=changer.run, daemon=True))
        samples = []
        t0 = time.monotonic()
        for t in threads:
            t.start()
        while time.monotonic() - t0 < seconds:
            samples.append((time.monotonic() - t0, rss_kb(d.proc.pid)))
            if d.proc.poll() is not None:
                reasons.append("pathwaysd died during the run (exit %d)" % d.proc.returncode)
                break
            time.sleep(0.5)
        elapsed = time.monotonic() - t0
        load.stop.set()
        changer.stop.set()
        for t in threads:
            t.join(REPLY_TIMEOUT_S + 30)
        samples.append((time.monotonic() - t0, rss_kb(d.proc.pid)))
        c = H.Client(d.endpoint)
        try:
            h, st = c.call("Stats", H.pb().StatsRequest(), timeout_ms=30000)
            reloads, deltas = (st.reloads, st.deltas) if h.code == 0 else (0, 0)
        except TimeoutError:
            reloads = deltas = 0
            reasons.append("no Stats reply at the end")
        finally:
            c.close()
        quarter = [r for t, r in samples if t >= elapsed * 0.25]
        rss_q, rss_end = (quarter[0], samples[-1][1]) if quarter else (0, 0)
        growth = 100.0 * (rss_end - rss_q) / rss_q if rss_q else 0.0
        fig.update(requests=load.sent, answered=load.answered, rps=load.answered / elapsed,
                   rss_start_kb=samples[0][1], rss_25_kb=rss_q, rss_end_kb=rss_end,
                   rss_max_kb=max(r for _, r in samples), growth_pct=growth,
                   reloads=reloads, deltas=deltas, framework_changes=changer.framework,
                   bulk_changes=changer.bulk, codes=dict(sorted(load.codes.items())),
                   rss_series=[(round(t), r) for t, r in samples[::max(1, len(samples) // 12)]])
        if load.missing:
            reasons.append("%d requests never answered (first: %s after %.1f s)" %
                           (len(load.missing), load.missing[0][0], load.missing[0][1]))
        if load.answered != load.sent:
            reasons.append("%d sent, %d answered" % (load.sent, load.answered))
        if load.duplicates:
            reasons.append("%d replies to no outstanding request" % load.duplicates)
        if load.errors:
            reasons.append("%d protocol errors (first: %s)" % (len(load.errors), load.errors[0]))
        if load.sent < 10 * seconds / (10 if valgrind else 1):
            reasons.append("too few requests (%d): the load did not run" % load.sent)
        if not valgrind and growth >= rss_limit_pct:
            reasons.append("RSS grew %.1f%% from 25%% of the run to the end (limit %g%%)" %
                           (growth, rss_limit_pct))
        if changer.failures:
            reasons.append("data changes failed: %s" % changer.failures[0])
        if reloads < 1 or deltas < 1:
            reasons.append("the daemon did not reload (reloads %d, deltas %d)" % (reloads, deltas))
        code, out = d.stop(600 if valgrind else 60)
        if code is None:
            reasons.append("pathwaysd did not stop on SIGTERM")
        elif code == 99 and valgrind:
            reasons.append("valgrind found errors or definite leaks")
        elif code != 0:
            reasons.append("pathwaysd exited %d" % code)
        for mark in H.SANITIZER_MARKS:
            if mark in out:
                reasons.append("sanitizer report in the daemon's output: " + mark)
        if valgrind:
            summary = [l for l in out.splitlines() if "==" in l and (
                "ERROR SUMMARY" in l or "lost:" in l or "in use at exit" in l or
                "no leaks are possible" in l)]
            if not summary:
                reasons.append("no valgrind summary in the output")
            fig["valgrind"] = [l.split("== ", 1)[-1] for l in summary]
        if reasons:
            tail = "\n".join(out.splitlines()[-60:])
            log("---- daemon output (last lines) ----\n" + tail)
    finally:
        d.cleanup()
        shutil.rmtree(conf_dir, True)
    return not reasons, fig, reasons


def report(fig, log=print):
    log("soak (%s, %d s): %d requests, %d answered, %.0f rps; replies by code %s" %
        (fig["mode"], fig["seconds"], fig.get("requests", 0), fig.get("answered", 0),
         fig.get("rps", 0), fig.get("codes", {})))
    if "rss_end_kb" in fig:
        log("  RSS: start %d kB, at 25%% %d kB, end %d kB, max %d kB; growth %.1f%%" %
            (fig["rss_start_kb"], fig["rss_25_kb"], fig["rss_end_kb"], fig["rss_max_kb"],
             fig["growth_pct"]))
        log("  reloads %d (deltas %d) after %d framework changes and %d assessment updates" %
            (fig["reloads"], fig["deltas"], fig["framework_changes"], fig["bulk_changes"]))
    if os.environ.get("SOAK_VERBOSE") and "rss_series" in fig:
        log("  RSS over time (s: kB): " + ", ".join("%d: %d" % x for x in fig["rss_series"]))
    for line in fig.get("valgrind", []):
        log("  valgrind: " + line)


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--valgrind", action="store_true")
    ap.add_argument("--rss-limit", type=float, default=10.0,
                    help="RSS growth allowed from 25%% of the run to the end, in %% (10)")
    ap.add_argument("--seconds", type=float,
                    default=float(os.environ.get("SOAK_SECONDS", "60")))
    a = ap.parse_args()
    ok, fig, reasons = soak(a.seconds, valgrind=a.valgrind, rss_limit_pct=a.rss_limit)
    report(fig)
    if ok:
        print("soak: PASS")
        return 0
    print("soak: FAIL: " + "; ".join(reasons))
    return 1


if __name__ == "__main__":
    sys.exit(main())
