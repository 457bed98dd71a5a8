"""Day-one flags: writes allowed by a flag (no config file needed), the main
log as JSON lines for log pipelines (and back to text on SIGHUP), and
--foreground accepted and explained."""
import json
import os
import re
import signal
import subprocess
import sys
import tempfile
import time
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402

NOW_MS = int(time.time() * 1000)
PERMISSION_DENIED = 7


def record(P, emp="E1001"):
    return P.RecordAssessmentsRequest(records=[P.AssessmentRecord(
        employee_id=emp, competency_key="communication", level=3, source="peer",
        assessed_at_unix_ms=NOW_MS - 3600 * 1000)])


class DayOne(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.P = H.pb()

    def test_writes_need_the_flag_or_the_config(self):
        d = H.Daemon(self.db)
        c = H.Client(d.endpoint)
        try:
            h, _ = c.call("RecordAssessments", record(self.P))
            self.assertEqual(h.code, PERMISSION_DENIED, h.message)
        finally:
            c.close()
            d.stop()
        d = H.Daemon(self.db, args=["--allow-writes"])
        c = H.Client(d.endpoint)
        try:
            h, body = c.call("RecordAssessments", record(self.P))
            self.assertEqual(h.code, 0, h.message)
            self.assertEqual(body.written + body.unchanged, 1)
        finally:
            c.close()
            d.stop()

    def test_json_log_lines_parse_and_sighup_switches_back_to_text(self):
        conf = tempfile.NamedTemporaryFile("w", suffix=".conf", delete=False)
        conf.write("[log]\nformat = json\n")
        conf.close()
        d = H.Daemon(self.db, config=conf.name, args=["--foreground"])
        try:
            lines = [l for l in d.output().splitlines() if l.strip()]
            self.assertGreater(len(lines), 0)
            objs = [json.loads(l) for l in lines]    # every line is JSON
            for o in objs:
                self.assertRegex(o["time"], r"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$")
                self.assertIn(o["level"], ("err", "warn", "notice", "info", "debug"))
                self.assertIsInstance(o["message"], str)
                if "component" in o:
                    self.assertTrue(o["message"].startswith(o["component"] + ": "))
            self.assertTrue(any(o.get("component") == "server" for o in objs), objs)
            # back to text: the reload's own notice is the first text line
            with open(conf.name, "w") as f:
                f.write("[log]\nformat = text\n")
            before = len(lines)
            d.signal(signal.SIGHUP)
            self.assertIsNotNone(H.wait_for(
                lambda: "config: reloaded" in d.output(), timeout=60),
                d.output())
            after = [l for l in d.output().splitlines() if l.strip()][before:]
            reloaded = [l for l in after if "config: reloaded" in l]
            self.assertEqual(len(reloaded), 1, after)
            self.assertRegex(reloaded[0], r"^\d{4}-\d\d-\d\dT[\d:.]+Z notice: config: reloaded$")
        finally:
            d.stop()
            os.unlink(conf.name)

    def test_a_bad_format_is_refused_naming_the_flag(self):
        r = subprocess.run([H.PATHWAYSD, "--check-config", "--log-format", "xml"],
                           capture_output=True, text=True, timeout=60)
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--log-format", r.stderr)
        self.assertIn("expected text or json", r.stderr)

    def test_help_says_what_foreground_means(self):
        r = subprocess.run([H.PATHWAYSD, "--help"], capture_output=True, text=True,
                           timeout=60)
        self.assertEqual(r.returncode, 0)
        self.assertIn("--foreground", r.stdout)
        self.assertTrue(re.search(r"never forks", r.stdout), r.stdout)
        self.assertIn("--allow-writes", r.stdout)


if __name__ == "__main__":
    H.main()
