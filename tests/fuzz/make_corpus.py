#!/usr/bin/python3
"""Writes the seed corpus of the fuzz targets (run again after the .proto
or the input format of a target changes; the files are committed):

  tests/fuzz/corpus/request/  real RequestHeader + request messages packed
                              with Python protobuf, in fuzz_request.c's
                              layout (byte 0: flags, bytes 1-2: header
                              length, header, body)
  tests/fuzz/corpus/csv/      the demo bundle's CSV files, plus a few
                              dialect corner cases (BOM, CRLF, quotes)

usage: tests/fuzz/make_corpus.py [BUILD_DIR]   (default: build; the Python
       module is generated into BUILD_DIR/python as the integration tests do)
"""
import os
import shutil
import struct
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
SRC = os.path.abspath(os.path.join(HERE, "..", ".."))
os.environ.setdefault("PATHWAYS_SOURCE_DIR", SRC)
if len(sys.argv) > 1:
    os.environ["PATHWAYS_BUILD_DIR"] = os.path.abspath(sys.argv[1])
sys.path.insert(0, os.path.join(SRC, "tests", "integration"))
import harness as H  # noqa: E402

P = H.pb()
PREFIX = "/pathways.v1.Pathways/"


def frame(flags, header, body):
    h = header.SerializeToString() if not isinstance(header, bytes) else header
    b = body.SerializeToString() if not isinstance(body, bytes) else body
    return bytes([flags]) + struct.pack("<H", len(h)) + h + b


def header(method, rid=1, deadline=0, **meta):
    h = P.RequestHeader(method=PREFIX + method, request_id=rid, deadline_ms=deadline)
    for k, v in meta.items():
        h.metadata[k] = v
    return h


def requests():
    """(name, flags, header, body) of the seeds; names are the file names."""
    yield "health", 0, header("Health"), P.HealthRequest()
    yield "health-req-delimiter", 1, header("Health", 2), P.HealthRequest()
    yield "health-no-snapshot", 4, header("Health", 3), P.HealthRequest()
    yield "stats", 0, header("Stats", 4, 1000), P.StatsRequest()
    yield "list-roles", 0, header("ListRoles", 5), P.ListRolesRequest()
    yield "list-roles-filtered", 8, header("ListRoles", 6), P.ListRolesRequest(
        track="ic", area="eng", grade=2)
    yield "path-role", 0, header("Path", 7), P.PathRequest(
        from_role="eng-ic-1", to_role="eng-ic-4", max_routes=5, max_steps=6)
    yield "path-employee", 8, header("Path", 8), P.PathRequest(
        from_employee="E1", to_role="eng-m-3", allowed_kinds=[1, 3], avoid_roles=["eng-m-2"])
    yield "explore-role", 0, header("Explore", 9), P.ExploreRequest(
        from_role="ops-ic-1", max_steps=4, limit=20)
    yield "explore-employee", 8, header("Explore", 10), P.ExploreRequest(
        from_employee="E2", max_cost=50.5)
    yield "gap", 0, header("Gap", 11), P.GapRequest(employee_id="E1", role_key="eng-ic-2")
    yield "gap-unknown", 0, header("Gap", 12), P.GapRequest(employee_id="nobody", role_key="eng-ic-2")
    yield "readiness", 0, header("Readiness", 13), P.ReadinessRequest(
        employee_ids=["E1", "E2", "E\u00e9"], role_keys=["eng-ic-2", "eng-m-2", "empty"],
        with_estimates=True)
    yield "readiness-next-moves", 8, header("Readiness", 14), P.ReadinessRequest(
        employee_ids=["E1", "E4", "x"], skip_unknown=True)
    yield "recommend", 0, header("RecommendModules", 15), P.RecommendModulesRequest(
        employee_id="E1", role_key="eng-ic-4")
    yield "recommend-budget", 8, header("RecommendModules", 16), P.RecommendModulesRequest(
        employee_id="E2", role_key="eng-m-3", max_hours=30, max_modules=2)
    yield "bench", 0, header("Bench", 17), P.BenchRequest(
        role_key="eng-ic-2", limit=5, breakdown_attribute="location", min_readiness=10)
    yield "mentors-role", 0, header("Mentors", 18), P.MentorsRequest(
        employee_id="E1", role_key="eng-ic-4", limit=3)
    yield "mentors-competency", 8, header("Mentors", 19), P.MentorsRequest(
        employee_id="E4", competency_key="e")
    yield "audit", 0, header("Audit", 20), P.AuditRequest()
    yield "placement", 0, header("Placement", 21), P.PlacementRequest(employee_id="E2")
    yield "record-assessments", 0, header("RecordAssessments", 22), P.RecordAssessmentsRequest(
        records=[P.AssessmentRecord(employee_id="E1", competency_key="a", level=3,
                                    source="manager", assessed_at_unix_ms=1700000000000)],
        all_or_nothing=True)
    yield "record-completions", 0, header("RecordCompletions", 23), P.RecordCompletionsRequest(
        records=[P.CompletionRecord(employee_id="E1", module_key="m2",
                                    completed_at_unix_ms=1700000000000)])
    yield "erase", 0, header("EraseEmployee", 24), P.EraseEmployeeRequest(employee_id="E8")
    yield "metadata", 0, header("Gap", 25, 50, trace="abc", user="\u00fc"), P.GapRequest(
        employee_id="E2", role_key="eng-m-2")
    yield "small-max-request", 3, header("Readiness", 26), P.ReadinessRequest(
        employee_ids=["E1"] * 40, role_keys=["eng-ic-1"])
    yield "unknown-method", 0, P.RequestHeader(method="/pathways.v1.Pathways/Nope",
                                               request_id=27), b""
    yield "huge-deadline", 0, header("Audit", 28, 0xffffffff), P.AuditRequest()
    # body of another method: a GapRequest sent as Path
    yield "body-of-another-method", 0, header("Path", 29), P.GapRequest(
        employee_id="E1", role_key="eng-ic-2")


def generic(frames):
    """Layout 2: u16 length + bytes per frame."""
    out = bytes([2])
    for f in frames:
        out += struct.pack("<H", len(f)) + f
    return out


def main():
    req_dir = os.path.join(HERE, "corpus", "request")
    csv_dir = os.path.join(HERE, "corpus", "csv")
    for d in (req_dir, csv_dir):
        shutil.rmtree(d, True)
        os.makedirs(d)
    n = 0
    for name, flags, h, b in requests():
        with open(os.path.join(req_dir, name), "wb") as f:
            f.write(frame(flags, h, b))
        n += 1
    hb = header("Gap", 30).SerializeToString()
    gb = P.GapRequest(employee_id="E1", role_key="eng-ic-1").SerializeToString()
    for name, frames in (("frames-three", [hb, gb, b"extra"]),
                         ("frames-one", [hb]),
                         ("frames-zero-length", [b"", b"", b""]),
                         ("frames-nine", [hb] * 9),
                         ("frames-delimited", [b"", hb, gb])):
        with open(os.path.join(req_dir, name), "wb") as f:
            f.write(generic(frames))
        n += 1
    m = 0
    for name in sorted(os.listdir(H.DEMO)):
        if name.endswith(".csv"):
            shutil.copy(os.path.join(H.DEMO, name), os.path.join(csv_dir, name))
            m += 1
    extra = {
        "bom-crlf.csv": b"\xef\xbb\xbfkey,name\r\nic,\"Individual, \"\"IC\"\"\"\r\nmgmt,M\r\n",
        "multiline.csv": b"key,description\na,\"line one\nline two\r\nthree\"\n\n\nb,\xc3\xa9\xe2\x82\xac\xf0\x9f\x98\x80\n",
        "lone-cr.csv": b"key,level,assessed_at\ra,3,2024-02-29T23:59:59.9999995+02:00\rb,-0,1999-12-31\r",
        "typed.csv": b"value,hours,active,assessed_at\n1e3,-0.5,true,2026-03-01 08:30:00Z\n"
                     b"999999999999999999,1e308,false,9999-12-31T23:59:59.999999-23:59\n",
    }
    for name, data in extra.items():
        with open(os.path.join(csv_dir, name), "wb") as f:
            f.write(data)
        m += 1
    print("make_corpus: %d request seeds, %d csv seeds" % (n, m))


if __name__ == "__main__":
    main()
