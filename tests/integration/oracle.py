"""docs/scoring.md's rules (Scoring, Paths, Bench and mentors) written again for
the tests, from the text and not from the C: exact rationals
(fractions.Fraction) instead of the daemon's doubles and sixtieths, and the
organization's settings read from its framework_setting table, so that an
oracle never passes a daemon that ignores them.

Binary readiness (`readiness_mode` binary) is defined in docs/scoring.md
too: here it is the share of requirements met,
100 x met / required."""
import os
import sys
from fractions import Fraction

sys.path.insert(0, os.path.dirname(__file__))
import harness as H  # noqa: E402

# docs/bundle.md, settings.csv: the value of each key the table does not hold
DEFAULTS = {
    "band_ready_now": "90", "band_ready_soon": "70", "band_developing": "40",
    "step_penalty": "1", "infer_promotions": "true", "infer_lateral": "false",
    "trusted_sources": "manager,peer,certification", "mentor_min_level": "4",
    "inferred_move_months": "12", "readiness_mode": "proportional",
    "assessment_valid_days": "0",
}


class Settings:
    def __init__(self, raw):
        self.raw = dict(DEFAULTS)
        self.raw.update(raw)
        r = self.raw
        self.ready_now = Fraction(r["band_ready_now"])
        self.ready_soon = Fraction(r["band_ready_soon"])
        self.developing = Fraction(r["band_developing"])
        self.step_penalty = Fraction(r["step_penalty"])
        self.infer_promotions = r["infer_promotions"] == "true"
        self.infer_lateral = r["infer_lateral"] == "true"
        self.trusted = sorted(s.strip() for s in r["trusted_sources"].split(",") if s.strip())
        self.mentor_min_level = int(r["mentor_min_level"])
        self.inferred_move_months = int(r["inferred_move_months"])
        self.binary = r["readiness_mode"] == "binary"
        self.valid_days = int(r["assessment_valid_days"])


def settings(db):
    return Settings({k: v for k, v in H.psql(db, "SELECT key, value FROM framework_setting")})


def current_cte(s):
    """A WITH clause `cur (employee_id, competency_id, level)`: per employee
    and competency the latest assessment from a trusted source (ties on
    assessed_at: the higher level), whose level counts as 0 once it is
    older than assessment_valid_days (0: never)."""
    sources = ",".join("'%s'" % x.replace("'", "''") for x in s.trusted) or "NULL"
    expired = ("assessed_at < now() - interval '%d days'" % s.valid_days
               if s.valid_days else "false")
    return """
WITH latest AS (
  SELECT DISTINCT ON (employee_id, competency_id) employee_id, competency_id, level, assessed_at
  FROM assessment WHERE source IN (%s)
  ORDER BY employee_id, competency_id, assessed_at DESC, level DESC),
cur AS (
  SELECT employee_id, competency_id, CASE WHEN %s THEN 0 ELSE level END AS level FROM latest)
""" % (sources, expired)


def requirements(db, s, where="true"):
    """{(employee, role): [(competency, L, w, cur, must_have)]} for every
    employee and every role with requirements (where: an SQL condition on
    e and r)."""
    rows = H.psql(db, current_cte(s) + """
SELECT e.external_id, r.key, co.key, rr.level, rr.weight, coalesce(c.level, 0), rr.must_have
FROM employee e CROSS JOIN role r
JOIN role_requirement rr ON rr.role_id = r.id
JOIN competency co ON co.id = rr.competency_id
LEFT JOIN cur c ON c.employee_id = e.id AND c.competency_id = rr.competency_id
WHERE %s""" % where)
    out = {}
    for e, r, comp, lvl, w, cur, must in rows:
        out.setdefault((e, r), []).append((comp, int(lvl), Fraction(float(w)), int(cur),
                                           must == "t"))
    return out


class Score:
    def __init__(self, reqs, s):
        self.required = len(reqs)
        self.met = sum(1 for _, L, _, cur, _ in reqs if cur >= L)
        self.blockers = sorted((c for c, L, _, cur, must in reqs if must and cur < L),
                               key=lambda k: k.encode())
        if not reqs:
            self.exact = Fraction(100)
        elif s.binary:
            self.exact = Fraction(100 * self.met, self.required)
        else:
            self.exact = 100 * sum(w * Fraction(min(cur, L), L) for _, L, w, cur, _ in reqs) / \
                sum(w for _, _, w, _, _ in reqs)
        self.readiness = round1(self.exact)
        self.band = band(self.exact, self.blockers, s)


round1 = H.round1


def check_readiness(test, client, db):
    """Readiness of every employee for every role (with requirements), as
    the daemon serving db answers it, equals the oracle's on test."""
    s = settings(db)
    want = requirements(db, s)
    emps = sorted({k[0] for k in want})
    roles = sorted({k[1] for k in want})
    h, body = client.call("Readiness", H.pb().ReadinessRequest(employee_ids=emps,
                                                               role_keys=roles))
    test.assertEqual(h.code, 0, h.message)
    test.assertEqual([(r.employee_id, r.role_key) for r in body.results],
                     [(e, r) for e in emps for r in roles])
    for res in body.results:
        key = (res.employee_id, res.role_key)
        sc = Score(want[key], s)
        test.assertEqual(res.readiness, sc.readiness, (key, sc.exact))
        test.assertEqual((res.met, res.required), (sc.met, sc.required), key)
        test.assertEqual(list(res.blockers), sc.blockers, key)
        test.assertEqual(H.pb().Band.Name(res.band), sc.band, (key, sc.exact))


def band(exact, blockers, s=None):
    s = s or Settings({})
    if exact >= s.ready_now and not blockers:
        return "READY_NOW"
    if exact >= s.ready_soon:
        return "READY_SOON"
    if exact >= s.developing:
        return "DEVELOPING"
    return "NOT_READY"


def edges(db, s):
    """{(from role, to role): (kind, months)}: role_move rows, plus the
    inferred moves the settings enable (explicit rows win)."""
    roles = {k: (t, a, int(g)) for k, t, a, g in H.psql(db, """
        SELECT r.key, t.key, coalesce(a.key, ''), r.grade FROM role r
        JOIN track t ON t.id = r.track_id LEFT JOIN functional_area a ON a.id = r.area_id""")}
    out = {}
    for f, (t, a, g) in roles.items():
        if s.infer_promotions:
            up = [x for x in roles.values() if x[0] == t and x[1] == a and x[2] > g]
            if up:
                nxt = min(x[2] for x in up)
                for k, x in roles.items():
                    if x == (t, a, nxt):
                        out[(f, k)] = ("PROMOTION", s.inferred_move_months)
        if s.infer_lateral:
            for k, (t2, a2, g2) in roles.items():
                if k == f or g2 != g:
                    continue
                if a2 == a and t2 != t:
                    out[(f, k)] = ("TRACK_SWITCH", s.inferred_move_months)
                elif t2 == t and a2 != a:
                    out[(f, k)] = ("LATERAL", s.inferred_move_months)
    for f, t, kind, months in H.psql(db, """
            SELECT f.key, t.key, m.kind, m.typical_months FROM role_move m
            JOIN role f ON f.id = m.from_role_id JOIN role t ON t.id = m.to_role_id"""):
        out[(f, t)] = (kind.upper(), int(months) if months else None)
    return out


def edge_costs(db, s, origin):
    """{target: cost} of the moves out of role origin: the growth the
    target needs over the origin's requirements, plus step_penalty."""
    req = {}
    for r, c, lvl, w in H.psql(db, """SELECT r.key, co.key, rr.level, rr.weight
            FROM role_requirement rr JOIN role r ON r.id = rr.role_id
            JOIN competency co ON co.id = rr.competency_id"""):
        req.setdefault(r, {})[c] = (int(lvl), Fraction(float(w)))
    mine = req.get(origin, {})
    out = {}
    for (f, t), _ in edges(db, s).items():
        if f != origin:
            continue
        out[t] = sum(w * max(0, L - mine.get(c, (0,))[0]) for c, (L, w) in req.get(t, {}).items()) \
            + s.step_penalty
    return out
