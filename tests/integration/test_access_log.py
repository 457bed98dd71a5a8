"""The access log is an accountability record: a request's line is in the
file by the time its reply reaches the client, on the frontend's own path
and through the workers alike (it was once written after the reply, and a
reader checking right away missed the line about one time in seven)."""
import json
import os
import sys

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402

CALLS = 600


class AccessLogBeforeReply(H.AccessLogCase):

    def test_each_line_is_there_when_its_reply_arrives(self):
        P = H.pb()
        # one id per call, so its line cannot be confused with another's;
        # Placement and Readiness are answered on the frontend thread,
        # Path and Mentors by a worker
        kinds = [
            ("Placement", lambda e: P.PlacementRequest(employee_id=e)),
            ("Path", lambda e: P.PathRequest(from_employee=e, to_role="ops-ic-4")),
            ("Readiness", lambda e: P.ReadinessRequest(employee_ids=[e], role_keys=["ops-ic-2"])),
            ("Mentors", lambda e: P.MentorsRequest(employee_id=e, role_key="ops-ic-4")),
        ]
        missed = []
        with open(self.access) as log:
            log.read()  # what came before (the harness's Health calls)
            pending = ""
            for i in range(CALLS):
                method, make = kinds[i % len(kinds)]
                emp = "probe-%d" % i
                h, _ = self.c.call(method, make(emp))
                # no waiting: read what the file holds right now
                pending += log.read()
                lines, _, pending = pending.rpartition("\n")
                found = [l for l in (json.loads(x) for x in lines.splitlines() if x)
                         if l["method"] == method and emp in l["employees"]]
                if len(found) != 1 or found[0]["code"] != h.code:
                    missed.append((i, method, h.code, found))
        self.assertEqual(missed, [], "%d of %d calls had no line when their reply came"
                         % (len(missed), CALLS))


if __name__ == "__main__":
    H.main()
