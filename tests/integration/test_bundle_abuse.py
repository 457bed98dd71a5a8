"""Hostile bundles through the real CLI (`pathwaysctl --db ... import DIR`):
every broken bundle is refused with a clear `file:line:` error and exit
status 3, and leaves the database exactly as it was (a checksum of every
row of every table); a bundle with a byte order mark and CRLF line ends is
accepted. tests/unit/test_bundle.c covers the same rules at the C level;
this is the end-to-end check.

Each broken bundle is the whole demo bundle with every role retitled (so
that any leak of the earlier files into the database shows) and one fault
in one file, most of them in a file imported late."""
import os
import re
import shutil
import sys
import tempfile
import unittest

sys.path.insert(0, os.path.dirname(__file__))
import dbsum  # noqa: E402
import harness as H  # noqa: E402

ERROR = re.compile(r"^pathwaysctl: (?:[^\n]*?)([a-z_]+\.csv):(\d+): (.*)$", re.M)


def read(path):
    with open(path, "rb") as f:
        return f.read()


def write(path, data):
    with open(path, "wb") as f:
        f.write(data)


class BundleAbuse(unittest.TestCase):
    @classmethod
    def setUpClass(cls):
        cls.db = H.demo_database()
        cls.before = dbsum.table_checksums(cls.db)
        cls.tmp = tempfile.mkdtemp(prefix="pathways-bundle-abuse-")

    @classmethod
    def tearDownClass(cls):
        shutil.rmtree(cls.tmp, True)

    def bundle(self, name):
        """A copy of the demo bundle with every role retitled."""
        d = os.path.join(self.tmp, name)
        shutil.copytree(H.DEMO, d, ignore=shutil.ignore_patterns("*.py", "*.md"))
        roles = read(os.path.join(d, "roles.csv")).decode().splitlines()
        out = [roles[0]]
        for line in roles[1:]:
            f = line.split(",")
            f[1] = "Retitled " + f[1]
            out.append(",".join(f))
        write(os.path.join(d, "roles.csv"), ("\n".join(out) + "\n").encode())
        return d

    def lines(self, d, name):
        return read(os.path.join(d, name)).split(b"\n")

    def set_lines(self, d, name, lines):
        write(os.path.join(d, name), b"\n".join(lines))

    def refused(self, d, file, line, what):
        """Import fails with exit 3, 'file:line: ...what...', nothing changed."""
        r = H.ctl("import", d, db=self.db, check=False, timeout=300)
        self.assertEqual(r.returncode, 3, "exit %d\nstdout: %s\nstderr: %s" %
                         (r.returncode, r.stdout, r.stderr[:2000]))
        m = ERROR.search(r.stderr)
        self.assertIsNotNone(m, "no file:line error in: %r" % r.stderr[:2000])
        self.assertEqual((m.group(1), int(m.group(2))), (file, line), r.stderr[:2000])
        self.assertIn(what, m.group(3))
        self.assertLess(len(r.stderr), 4096, "the error is not one clear line")
        self.assertEqual(dbsum.table_checksums(self.db), self.before,
                         "a refused import changed the database")
        return m.group(3)

    def test_the_retitled_bundle_alone_would_change_the_database(self):
        # what makes the checksum comparisons below able to fail
        other = H.demo_database()
        r = H.ctl("import", self.bundle("control"), db=other)
        self.assertIn("import:", r.stdout)
        self.assertNotEqual(dbsum.table_checksums(other)["role"], self.before["role"])

    def test_invalid_utf8(self):
        d = self.bundle("utf8")
        lines = self.lines(d, "employees.csv")
        lines[5] = lines[5].replace(b"Berlin", b"Berl\xffn").replace(b"Hamburg", b"Ham\xc3burg")
        self.assertNotEqual(lines[5], self.lines(d, "employees.csv")[5])
        self.set_lines(d, "employees.csv", lines)
        self.refused(d, "employees.csv", 6, "invalid UTF-8")

    def test_an_overlong_utf8_encoding(self):
        d = self.bundle("overlong")
        lines = self.lines(d, "competencies.csv")
        lines[2] = lines[2].replace(b"Problem", b"Pr\xc0\xafblem")  # "/" in two bytes
        self.set_lines(d, "competencies.csv", lines)
        self.refused(d, "competencies.csv", 3, "invalid UTF-8")

    def test_a_nul_byte(self):
        d = self.bundle("nul")
        lines = self.lines(d, "modules.csv")
        lines[4] = lines[4].replace(b",", b"\0,", 1)
        self.set_lines(d, "modules.csv", lines)
        self.refused(d, "modules.csv", 5, "NUL byte")

    def test_a_field_over_1_mib(self):
        d = self.bundle("big")
        lines = self.lines(d, "assessments.csv")
        lines[700] = b"E1001,collaboration,4,manager,2026-03-01T08:30:00Z" + b"x" * (1 << 20)
        lines[701] = b'E1001,collaboration,4,manager,"' + b"y" * (1 << 20) + b'"'
        self.set_lines(d, "assessments.csv", lines)
        self.refused(d, "assessments.csv", 701, "longer than 1 MiB")

    def test_a_field_of_1_mb_is_read_and_judged_by_its_column(self):
        # under the limit: the reader takes it, the column refuses it
        d = self.bundle("mb")
        lines = self.lines(d, "assessments.csv")
        lines[10] = b"E1001,collaboration," + b"4" * 1000000 + b",manager,2026-03-01T08:30:00Z"
        self.set_lines(d, "assessments.csv", lines)
        self.refused(d, "assessments.csv", 11, "level")

    def test_too_many_fields(self):
        d = self.bundle("wide")
        lines = self.lines(d, "requirements.csv")
        lines[40] += b",extra"
        self.set_lines(d, "requirements.csv", lines)
        self.refused(d, "requirements.csv", 41, "expected 5 fields, found 6")

    def test_too_few_fields(self):
        d = self.bundle("narrow")
        lines = self.lines(d, "assessments.csv")
        lines[500] = lines[500].rsplit(b",", 1)[0]
        self.set_lines(d, "assessments.csv", lines)
        self.refused(d, "assessments.csv", 501, "expected 5 fields, found 4")

    def test_a_quote_left_open(self):
        d = self.bundle("quote")
        lines = self.lines(d, "moves.csv")
        lines[20] = lines[20].replace(b",promotion,", b',"promotion,')
        self.set_lines(d, "moves.csv", lines)
        self.refused(d, "moves.csv", 21, "never closed")

    def test_a_stray_quote(self):
        d = self.bundle("stray")
        lines = self.lines(d, "module_outcomes.csv")
        lines[3] = lines[3].replace(b",", b'x",', 1)
        self.set_lines(d, "module_outcomes.csv", lines)
        self.refused(d, "module_outcomes.csv", 4, "stray quote")

    def test_a_duplicate_key(self):
        d = self.bundle("dupkey")
        lines = self.lines(d, "modules.csv")
        lines.insert(12, lines[3])
        self.set_lines(d, "modules.csv", lines)
        msg = self.refused(d, "modules.csv", 13, "duplicate key")
        self.assertIn("line 4", msg)

    def test_a_duplicate_assessment(self):
        d = self.bundle("dupassess")
        lines = self.lines(d, "assessments.csv")
        lines.append(lines[1])  # the file ends with "\n": lines[-1] is ""
        lines[-1], lines[-2] = lines[-2], lines[-1]
        self.set_lines(d, "assessments.csv", lines)
        self.refused(d, "assessments.csv", len(lines) - 1, "duplicate of line 2")

    def test_an_unknown_column(self):
        d = self.bundle("unknowncol")
        lines = self.lines(d, "completions.csv")
        lines[0] += b",colour"
        for i in range(1, len(lines)):
            if lines[i]:
                lines[i] += b",red"
        self.set_lines(d, "completions.csv", lines)
        self.refused(d, "completions.csv", 1, "unknown column")

    def test_a_duplicated_column(self):
        d = self.bundle("dupcol")
        lines = self.lines(d, "tracks.csv")
        lines[0] += b",key"
        for i in range(1, len(lines)):
            if lines[i]:
                lines[i] += b",x"
        self.set_lines(d, "tracks.csv", lines)
        self.refused(d, "tracks.csv", 1, "duplicate column")

    def test_a_manager_cycle(self):
        d = self.bundle("cycle")
        lines = self.lines(d, "employees.csv")
        ids = [l.split(b",")[0] for l in lines[1:] if l]
        # the first two employees manage each other
        a, b = ids[0], ids[1]
        for i in (1, 2):
            f = lines[i].split(b",")
            f[2] = b if i == 1 else a
            lines[i] = b",".join(f)
        self.set_lines(d, "employees.csv", lines)
        msg = self.refused(d, "employees.csv", 2, "manager cycle")
        self.assertIn(a.decode(), msg)
        self.assertIn(b.decode(), msg)

    def test_a_file_that_is_not_part_of_a_bundle(self):
        d = self.bundle("stranger")
        shutil.copy(os.path.join(d, "roles.csv"), os.path.join(d, "role.csv"))
        r = H.ctl("import", d, db=self.db, check=False)
        self.assertEqual(r.returncode, 3, r.stderr)
        self.assertIn("role.csv", r.stderr)
        self.assertEqual(dbsum.table_checksums(self.db), self.before)

    def test_a_bom_and_crlf_line_ends_are_accepted(self):
        other = H.demo_database()
        d = self.bundle("bomcrlf")
        for name in os.listdir(d):
            p = os.path.join(d, name)
            write(p, b"\xef\xbb\xbf" + read(p).replace(b"\n", b"\r\n"))
        r = H.ctl("import", d, db=other)
        self.assertIn("import:", r.stdout)
        titles = H.psql(other, "SELECT DISTINCT left(title, 9) FROM role")
        self.assertEqual(titles, [["Retitled "]])
        # nothing else moved: the same bundle without BOM and CRLF gives
        # the same rows
        third = H.demo_database()
        H.ctl("import", self.bundle("plain"), db=third)
        # (schema_migration holds when each database was migrated)
        a, b = dbsum.table_checksums(other), dbsum.table_checksums(third)
        a.pop("schema_migration")
        b.pop("schema_migration")
        self.assertEqual(a, b)


if __name__ == "__main__":
    H.main()
