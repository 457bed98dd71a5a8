#!/usr/bin/env python3
"""Generate the demo organization (the CSV bundle in this folder).

    python3 sql/demo/generate.py             rewrite the CSV files
    python3 sql/demo/generate.py --validate  load the CSV files into a private
                                             PostgreSQL (scripts/pg.sh) with the
                                             real schema, check integrity and
                                             print readiness per employee

Deterministic: the same script always writes the same bytes. Standard library
only. The readiness arithmetic below follows docs/scoring.md and is used to
steer every employee into an intended band for their next promotion; the
--validate pass recomputes it independently in SQL.
"""

import csv
import io
import json
import os
import random
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))

# --------------------------------------------------------------------------
# Framework

TRACKS = [("ic", "Individual Contributor", "ic"),
          ("mgmt", "Management", "management")]

AREAS = [("ops", "Operations"), ("fin", "Finance"), ("mkt", "Marketing")]

COMPETENCIES = [
    ("communication", "Communication", "core", "",
     "Writes and speaks clearly; adapts the message to the audience."),
    ("problem-solving", "Problem Solving", "core", "",
     "Breaks problems down, weighs options and reaches sound decisions."),
    ("collaboration", "Collaboration", "core", "",
     "Works across teams, shares context and resolves conflict."),
    ("ownership", "Ownership", "core", "",
     "Takes responsibility for outcomes and follows through."),
    ("customer-focus", "Customer Focus", "core", "",
     "Understands customer needs and designs work around them."),
    ("data-literacy", "Data Literacy", "core", "",
     "Reads, questions and communicates with data."),
    ("process-improvement", "Process Improvement", "functional", "ops",
     "Lean and Six Sigma methods to make processes faster and safer."),
    ("supply-chain", "Supply Chain Management", "functional", "ops",
     "Planning, sourcing, inventory and logistics."),
    ("financial-modeling", "Financial Modeling", "functional", "fin",
     "Forecasts, budgets, scenario and valuation models."),
    ("accounting-controls", "Accounting & Controls", "functional", "fin",
     "Closing, reconciliations, internal controls and compliance."),
    ("brand-strategy", "Brand Strategy", "functional", "mkt",
     "Positioning, messaging and brand architecture."),
    ("digital-campaigns", "Digital Campaigns", "functional", "mkt",
     "Paid, owned and earned digital channels; experimentation."),
    ("people-leadership", "People Leadership", "leadership", "",
     "Hires, develops, coaches and gives feedback to a team."),
    ("strategic-thinking", "Strategic Thinking", "leadership", "",
     "Sets direction, makes trade-offs and aligns work with strategy."),
]

FUNCTIONAL = {"ops": ("process-improvement", "supply-chain"),
              "fin": ("financial-modeling", "accounting-controls"),
              "mkt": ("brand-strategy", "digital-campaigns")}
# The core competency each area leans on hardest.
EMPHASIS = {"ops": ("data-literacy", 1), "fin": ("data-literacy", 2),
            "mkt": ("customer-focus", 2)}

IC_NAMES = {
    "ops": ["Operations Associate", "Operations Analyst",
            "Senior Operations Analyst", "Lead Operations Analyst",
            "Principal Operations Analyst", "Distinguished Operations Expert"],
    "fin": ["Finance Associate", "Financial Analyst",
            "Senior Financial Analyst", "Lead Financial Analyst",
            "Principal Financial Analyst", "Distinguished Finance Expert"],
    "mkt": ["Marketing Associate", "Marketing Specialist",
            "Senior Marketing Specialist", "Lead Marketing Specialist",
            "Principal Marketing Specialist", "Distinguished Marketing Expert"],
}
AREA_WORD = {"ops": "Operations", "fin": "Finance", "mkt": "Marketing"}
MGMT_NAMES = ["{} Team Lead", "{} Manager", "Director of {}", "VP of {}"]

# Pay bands (EUR/year) by grade; management sits a little higher but always
# overlaps the IC band of the same grade.
IC_PAY = {1: (38000, 50000), 2: (46000, 62000), 3: (58000, 78000),
          4: (72000, 98000), 5: (92000, 125000), 6: (118000, 165000)}
MGMT_PAY = {3: (62000, 84000), 4: (78000, 106000), 5: (100000, 138000),
            6: (130000, 185000)}
AREA_PAY = {"ops": 1.0, "fin": 1.06, "mkt": 0.97}

# scope, complexity, volume, drive, influence
IC_DESC = {1: (1, 1, 2, 1, 1), 2: (2, 2, 2, 2, 1), 3: (2, 3, 3, 3, 2),
           4: (3, 4, 3, 4, 3), 5: (4, 5, 4, 4, 4), 6: (5, 5, 4, 5, 5)}
MGMT_DESC = {3: (3, 3, 3, 3, 3), 4: (3, 4, 4, 4, 4), 5: (4, 4, 5, 5, 5),
             6: (5, 5, 5, 5, 5)}


def ic_requirements(area, g):
    """(competency, level, weight, must_have) for an IC role of grade g."""
    f1, f2 = FUNCTIONAL[area]
    emph, emph_w = EMPHASIS[area]
    i = g - 1
    reqs = [
        (f1, [1, 2, 3, 4, 4, 5][i], 2, g >= 2),
        ("problem-solving", [1, 2, 3, 3, 4, 5][i], 1, False),
        ("communication", [1, 2, 2, 3, 4, 5][i], 1, g >= 5),
        ("ownership", [1, 2, 3, 3, 4, 4][i], 1, False),
        (emph, [1, 2, 3, 3, 4, 4][i], emph_w, False),
    ]
    if g >= 2:
        reqs.append((f2, [0, 1, 2, 3, 4, 5][i], 2 if g >= 5 else 1, False))
    if g >= 3:
        reqs.append(("collaboration", [0, 0, 2, 3, 4, 4][i], 1, False))
    if g >= 5:
        reqs.append(("strategic-thinking", [0, 0, 0, 0, 3, 4][i], 1, False))
    return reqs


def mgmt_requirements(area, g):
    f1, _ = FUNCTIONAL[area]
    emph, _ = EMPHASIS[area]
    i = g - 3
    return [
        ("people-leadership", [2, 3, 4, 5][i], 2, True),
        ("strategic-thinking", [2, 3, 4, 5][i], 1, g >= 5),
        ("communication", [3, 3, 4, 5][i], 1, False),
        ("collaboration", [3, 4, 4, 5][i], 1, False),
        (f1, [3, 3, 4, 4][i], 1, False),
        ("ownership", [3, 3, 4, 5][i], 1, False),
        (emph, [2, 3, 3, 4][i], 1, False),
    ]


def build_roles():
    roles = []      # dicts
    reqs = {}       # role key -> [(comp, level, weight, must)]
    for area, _ in AREAS:
        k = AREA_PAY[area]
        for g in range(1, 7):
            key = f"{area}-ic-{g}"
            lo, hi = IC_PAY[g]
            roles.append(dict(key=key, title=IC_NAMES[area][g - 1],
                              track="ic", grade=g, area=area,
                              pay_min=round(lo * k, -2),
                              pay_max=round(hi * k, -2), desc=IC_DESC[g]))
            reqs[key] = ic_requirements(area, g)
        for g in range(3, 7):
            key = f"{area}-mgr-{g}"
            lo, hi = MGMT_PAY[g]
            roles.append(dict(key=key,
                              title=MGMT_NAMES[g - 3].format(AREA_WORD[area]),
                              track="mgmt", grade=g, area=area,
                              pay_min=round(lo * k, -2),
                              pay_max=round(hi * k, -2), desc=MGMT_DESC[g]))
            reqs[key] = mgmt_requirements(area, g)
    return roles, reqs


PROMO_MONTHS = {2: 18, 3: 24, 4: 24, 5: 30, 6: 36}


def build_moves():
    moves = []
    for area, _ in AREAS:
        for g in range(1, 6):
            moves.append((f"{area}-ic-{g}", f"{area}-ic-{g + 1}",
                          "promotion", PROMO_MONTHS[g + 1]))
        for g in range(3, 6):
            moves.append((f"{area}-mgr-{g}", f"{area}-mgr-{g + 1}",
                          "promotion", PROMO_MONTHS[g + 1] + 6))
        for g in range(3, 6):
            moves.append((f"{area}-ic-{g}", f"{area}-mgr-{g}",
                          "track_switch", 12))
            moves.append((f"{area}-mgr-{g}", f"{area}-ic-{g}",
                          "track_switch", 12))
    moves += [
        ("ops-ic-2", "fin-ic-2", "lateral", 12),
        ("fin-ic-2", "ops-ic-2", "lateral", 12),
        ("mkt-ic-2", "ops-ic-2", "lateral", 12),
        ("ops-ic-3", "mkt-ic-3", "lateral", 18),
        ("fin-ic-3", "ops-ic-3", "lateral", 18),
        ("mkt-mgr-4", "ops-mgr-4", "lateral", 18),
        ("ops-mgr-5", "fin-mgr-5", "lateral", 24),
    ]
    return moves


# key, title, kind, hours, lms_ref, outcomes [(comp, entry, level)], prereqs
MODULES = [
    ("comm-foundations", "Business Communication Foundations", "course", 8,
     [("communication", 0, 2)], []),
    ("comm-presenting", "Presenting with Impact", "workshop", 12,
     [("communication", 2, 3)], ["comm-foundations"]),
    ("comm-executive", "Executive Communication Coaching", "mentorship", 20,
     [("communication", 3, 5)], ["comm-presenting"]),
    ("ps-structured", "Structured Problem Solving", "course", 10,
     [("problem-solving", 0, 2)], []),
    ("ps-root-cause", "Root Cause Analysis Lab", "workshop", 16,
     [("problem-solving", 2, 4), ("process-improvement", 1, 2)],
     ["ps-structured"]),
    ("collab-teams", "Working Across Teams", "workshop", 6,
     [("collaboration", 0, 3)], []),
    ("collab-stakeholders", "Stakeholder Management", "course", 14,
     [("collaboration", 2, 4), ("communication", 2, 3)], []),
    ("own-accountability", "Ownership and Accountability", "workshop", 6,
     [("ownership", 0, 3)], []),
    ("own-initiative", "Leading a Cross-Functional Initiative", "project", 40,
     [("ownership", 3, 5), ("collaboration", 3, 5)], ["own-accountability"]),
    ("cust-voice", "Voice of the Customer", "course", 8,
     [("customer-focus", 0, 3)], []),
    ("cust-journeys", "Customer Journey Mapping", "workshop", 12,
     [("customer-focus", 2, 4)], ["cust-voice"]),
    ("data-basics", "Data Literacy Basics", "course", 12,
     [("data-literacy", 0, 2)], []),
    ("data-sql", "SQL and Dashboards", "course", 24,
     [("data-literacy", 2, 4)], ["data-basics"]),
    ("data-analytics-project", "Advanced Analytics Project", "project", 40,
     [("data-literacy", 3, 5), ("problem-solving", 3, 5)], ["data-sql"]),
    ("ops-lean", "Lean Fundamentals", "course", 16,
     [("process-improvement", 0, 2)], []),
    ("ops-six-sigma", "Six Sigma Green Belt", "course", 40,
     [("process-improvement", 2, 4)], ["ops-lean"]),
    ("ops-kaizen", "Kaizen Improvement Project", "project", 60,
     [("process-improvement", 3, 5)], ["ops-six-sigma"]),
    ("ops-supply-chain", "Supply Chain Essentials", "course", 20,
     [("supply-chain", 0, 3)], []),
    ("ops-planning", "Demand and Supply Planning", "workshop", 24,
     [("supply-chain", 2, 4)], ["ops-supply-chain"]),
    ("fin-modeling", "Financial Modeling Fundamentals", "course", 20,
     [("financial-modeling", 0, 2)], []),
    ("fin-modeling-advanced", "Advanced Financial Modeling", "course", 32,
     [("financial-modeling", 2, 4)], ["fin-modeling"]),
    ("fin-valuation-project", "Valuation and Scenario Project", "project", 48,
     [("financial-modeling", 4, 5), ("strategic-thinking", 2, 3)],
     ["fin-modeling-advanced"]),
    ("fin-controls", "Internal Controls and Compliance", "course", 16,
     [("accounting-controls", 0, 3)], []),
    ("fin-audit-readiness", "Audit Readiness Project", "project", 40,
     [("accounting-controls", 3, 5)], ["fin-controls"]),
    ("biz-acumen", "Business Acumen for Non-Finance Staff", "course", 12,
     [("financial-modeling", 0, 1), ("strategic-thinking", 0, 2)], []),
    ("mkt-brand", "Brand Strategy Essentials", "course", 16,
     [("brand-strategy", 0, 3)], []),
    ("mkt-brand-architecture", "Brand Architecture Workshop", "workshop", 20,
     [("brand-strategy", 3, 4)], ["mkt-brand"]),
    ("mkt-digital", "Digital Campaigns Bootcamp", "workshop", 24,
     [("digital-campaigns", 0, 3), ("data-literacy", 1, 2)], []),
    ("mkt-growth-lab", "Growth Experimentation Lab", "project", 40,
     [("digital-campaigns", 3, 5)], ["mkt-digital"]),
    ("lead-first-time", "First-Time Manager Program", "course", 24,
     [("people-leadership", 0, 3)], []),
    ("lead-coaching", "Coaching Circle with a Senior Leader", "mentorship",
     30, [("people-leadership", 3, 4)], ["lead-first-time"]),
    ("strat-thinking", "Strategic Thinking Workshop", "workshop", 16,
     [("strategic-thinking", 0, 3)], []),
    ("lead-executive", "Executive Leadership Program", "course", 60,
     [("people-leadership", 4, 5), ("strategic-thinking", 3, 5)],
     ["lead-coaching", "strat-thinking"]),
]

SETTINGS = [
    ("band_ready_now", "90"),
    ("band_ready_soon", "70"),
    ("band_developing", "40"),
    ("step_penalty", "1"),
    ("infer_promotions", "true"),
    ("infer_lateral", "false"),
    ("trusted_sources", "manager,peer,certification"),
    ("mentor_min_level", "4"),
    ("inferred_move_months", "12"),
    ("readiness_mode", "proportional"),
    ("assessment_valid_days", "0"),
]

# --------------------------------------------------------------------------
# Scoring (docs/scoring.md)

NOW, SOON, DEV = 90.0, 70.0, 40.0


def readiness(levels, reqs):
    if not reqs:
        return 100.0, 0
    num = sum(w * min(levels.get(c, 0), lv) / lv for c, lv, w, _ in reqs)
    den = sum(w for _, _, w, _ in reqs)
    blockers = sum(1 for c, lv, _, m in reqs if m and levels.get(c, 0) < lv)
    return 100.0 * num / den, blockers


def band(r, blockers):
    if r >= NOW and blockers == 0:
        return "READY_NOW"
    if r >= SOON:
        return "READY_SOON"
    if r >= DEV:
        return "DEVELOPING"
    return "NOT_READY"


# --------------------------------------------------------------------------
# People

# Per area: (role suffix, head count) from the top down.
ORG = {
    "ops": [("mgr-6", 1), ("mgr-5", 2), ("mgr-4", 3), ("mgr-3", 3),
            ("ic-6", 1), ("ic-5", 1), ("ic-4", 2), ("ic-3", 4), ("ic-2", 6),
            ("ic-1", 5)],
    "fin": [("mgr-6", 1), ("mgr-5", 1), ("mgr-4", 2), ("mgr-3", 2),
            ("ic-5", 1), ("ic-4", 2), ("ic-3", 4), ("ic-2", 5), ("ic-1", 4)],
    "mkt": [("mgr-6", 1), ("mgr-5", 1), ("mgr-4", 2), ("mgr-3", 2),
            ("ic-6", 1), ("ic-5", 1), ("ic-4", 2), ("ic-3", 3), ("ic-2", 5),
            ("ic-1", 4)],
}

# Who reports to which level of management.
REPORTS_TO = {"mgr-6": None, "mgr-5": "mgr-6", "mgr-4": "mgr-5",
              "mgr-3": "mgr-4", "ic-6": "mgr-6", "ic-5": "mgr-5",
              "ic-4": "mgr-4", "ic-3": "mgr-3", "ic-2": "mgr-3",
              "ic-1": "mgr-3"}

# The first employee ids are the showcase of the demo (scripts/demo.sh):
# role, intended band for the next promotion, and special treatment.
SHOWCASE = [
    ("ops-ic-3", "READY_SOON", "gap-to-manager"),   # E1001
    ("fin-ic-2", "READY_NOW", "certified"),         # E1002
    ("mkt-ic-4", "DEVELOPING", None),               # E1003
    ("ops-mgr-4", "READY_SOON", "blocked"),         # E1004 >=90 + blocker
    ("fin-ic-1", "NOT_READY", "new-hire"),          # E1005
]

LOCATIONS = {"ops": ["Hamburg", "Hamburg", "Rotterdam", "Berlin"],
             "fin": ["Berlin", "Berlin", "Lisbon"],
             "mkt": ["Berlin", "Lisbon", "Remote"]}

TARGET = {"READY_NOW": (NOW, 100.01), "READY_SOON": (SOON, NOW),
          "DEVELOPING": (DEV + 2, SOON - 2), "NOT_READY": (15.0, DEV - 2)}


def next_promotion(role_key, moves):
    for f, t, kind, _ in moves:
        if f == role_key and kind == "promotion":
            return t
    return None


def steer(rng, levels, nreqs, target, blocked=False):
    """Move levels until readiness for nreqs falls in the target band."""
    lo, hi = TARGET[target]
    for _ in range(200):
        r, b = readiness(levels, nreqs)
        if target == "READY_NOW":
            for c, lv, _, m in nreqs:
                if m and levels.get(c, 0) < lv:
                    levels[c] = lv
            r, b = readiness(levels, nreqs)
        if blocked:
            # Ready on paper (>= 90) but a must-have is one level short.
            musts = sorted(c for c, _, _, m in nreqs if m)
            c = musts[0]
            lv = [x[1] for x in nreqs if x[0] == c][0]
            levels[c] = lv - 1
            others = [x for x in nreqs if x[0] != c]
            for oc, olv, _, _ in others:
                levels[oc] = max(levels.get(oc, 0), olv)
            return
        if lo <= r < hi and band(r, b) == target:
            return
        short = [c for c, lv, _, _ in nreqs if levels.get(c, 0) < lv]
        # Lower the strongest first and keep everyone assessed (level >= 1)
        # unless only "never assessed" can get that low (new hires).
        top = max(levels.get(c, 0) for c, _, _, _ in nreqs)
        have = [c for c, _, _, _ in nreqs
                if levels.get(c, 0) == top and top > 1]
        if not have and target == "NOT_READY":
            have = [c for c, _, _, _ in nreqs if levels.get(c, 0) > 0]
        if r < lo and short:
            c = rng.choice(short)
            levels[c] = levels.get(c, 0) + 1
        elif r >= lo and have:
            c = rng.choice(have)
            levels[c] = levels[c] - 1
        else:
            break
    raise RuntimeError(f"could not steer to {target}")


def build_people(roles, reqs, moves):
    rng = random.Random(20260315)
    by_key = {r["key"]: r for r in roles}

    # Slots: (area, suffix), top-down per area.
    slots = []
    for area, _ in AREAS:
        for suffix, n in ORG[area]:
            slots += [(area, suffix)] * n
    # The showcase takes the first slots of its roles.
    taken = []
    for role_key, _, _ in SHOWCASE:
        area, rest = role_key.split("-", 1)
        idx = slots.index((area, rest))
        taken.append(slots.pop(idx))
    order = taken + slots
    people = []
    for i, (area, suffix) in enumerate(order):
        people.append(dict(id=f"E{1001 + i}", area=area, suffix=suffix,
                           role=f"{area}-{suffix}"))

    # Manager tree: each person reports to someone of the level above in
    # the same area, spread round-robin; VPs are the roots.
    for area, _ in AREAS:
        bosses = {}
        for p in people:
            if p["area"] == area:
                bosses.setdefault(p["suffix"], []).append(p)
        for suffix, members in bosses.items():
            up = REPORTS_TO[suffix]
            for j, p in enumerate(members):
                if up is None:
                    p["manager"] = ""
                else:
                    cands = bosses[up]
                    p["manager"] = cands[j % len(cands)]["id"]

    # Attributes and activity.
    ics = [p["id"] for p in people[len(SHOWCASE):]
           if p["suffix"] in ("ic-1", "ic-2", "ic-3", "ic-4")]
    arng = random.Random(1)
    part_time = set(arng.sample(ics, 9))
    for p in people:
        loc = arng.choice(LOCATIONS[p["area"]])
        et = "part_time" if p["id"] in part_time else "full_time"
        p["attributes"] = {"employment_type": et, "location": loc}
    inactive = ["ops-ic-2", "mkt-ic-1"]
    for key in inactive:
        cands = [p for p in people[len(SHOWCASE):] if p["role"] == key]
        cands[-1]["active"] = False
    for p in people:
        p.setdefault("active", True)

    # Competency levels, steered to an intended band for the next promotion.
    for i, p in enumerate(people):
        cur = reqs[p["role"]]
        nxt_key = next_promotion(p["role"], moves)
        nreqs = reqs[nxt_key] if nxt_key else []
        special = None
        if i < len(SHOWCASE):
            target, special = SHOWCASE[i][1], SHOWCASE[i][2]
        elif p["suffix"] in ("ic-1", "ic-2", "mgr-3") and \
                rng.random() < 0.25:
            # New in the role: few assessments yet.
            target = "NOT_READY"
        else:
            target = rng.choices(["READY_NOW", "READY_SOON", "DEVELOPING"],
                                 [0.2, 0.4, 0.4])[0]
        levels = {}
        for c, lv, _, _ in cur:
            d = rng.choice([-1, 0, 0, 0, 0, 0, 0, 1, 1])
            levels[c] = max(0, min(5, lv + d))
        for c, lv, _, _ in nreqs:
            if c not in levels:
                levels[c] = max(0, lv - rng.choice([1, 2]))
        if target != "NOT_READY":
            # Everyone settled in has been assessed on everything.
            for c in levels:
                levels[c] = max(1, levels[c])
        if special == "new-hire":
            # Three months in: barely assessed yet.
            for c in sorted(levels):
                levels[c] = min(levels[c], 1)
            levels["ownership"] = 0
            levels["problem-solving"] = 0
        if nreqs:
            steer(rng, levels, nreqs, target, blocked=(special == "blocked"))
        if special == "gap-to-manager":
            levels["people-leadership"] = 0
            levels["strategic-thinking"] = 1
        p["levels"] = levels
        p["next"] = nxt_key
        p["target"] = target if nreqs else None
        p["special"] = special
    return people


def build_assessments(people, reqs):
    rng = random.Random(4242)
    rows = []
    mgr_at = "2026-03-{:02d}T10:00:00Z"
    for p in people:
        levels = p["levels"]
        wanted = set(c for c, _, _, _ in reqs[p["role"]])
        if p["next"]:
            wanted |= set(c for c, _, _, _ in reqs[p["next"]])
        day = 10 + int(p["id"][1:]) % 10
        for c in sorted(wanted):
            lv = levels.get(c, 0)
            if lv == 0:
                # Never assessed by anyone trusted; sometimes a self view.
                if rng.random() < 0.4:
                    rows.append((p["id"], c, rng.choice([1, 2]), "self",
                                 "2026-03-01T08:30:00Z"))
                continue
            r = rng.random()
            if p["special"] == "certified" and c == "financial-modeling":
                r = 0.0
            if r < 0.10 and c in ("data-literacy", "process-improvement",
                                  "supply-chain", "financial-modeling",
                                  "accounting-controls", "digital-campaigns"):
                # Manager rated lower in March; a certification in April
                # is the latest trusted assessment and wins.
                rows.append((p["id"], c, max(0, lv - 1), "manager",
                             mgr_at.format(day)))
                rows.append((p["id"], c, lv, "certification",
                             "2026-04-20T09:00:00Z"))
            elif r < 0.18 and c in ("collaboration", "communication",
                                    "customer-focus"):
                # Only a peer review covers this one.
                rows.append((p["id"], c, lv, "peer", "2026-02-10T14:00:00Z"))
            else:
                rows.append((p["id"], c, lv, "manager", mgr_at.format(day)))
                if rng.random() < 0.25:
                    # An older review: usually lower (growth), sometimes
                    # higher (a regression the latest review records).
                    old = lv - 1 if rng.random() < 0.8 else lv + 1
                    if 0 <= old <= 5:
                        rows.append((p["id"], c, old, "manager",
                                     "2025-09-30T10:00:00Z"))
            if rng.random() < 0.5:
                # Self assessments run optimistic and are not trusted.
                rows.append((p["id"], c, min(5, lv + rng.choice([0, 1, 1, 2])),
                             "self", "2026-03-01T08:30:00Z"))
    # A tie on assessed_at between two trusted sources: the higher wins.
    p = people[5]
    c = sorted(p["levels"])[0]
    lv = p["levels"][c]
    same = [r for r in rows if r[0] == p["id"] and r[1] == c and
            r[3] == "manager" and r[2] == lv]
    if same and lv >= 1:
        rows.append((p["id"], c, lv - 1, "peer", same[0][4]))
    rows.sort(key=lambda r: (r[0], r[1], r[4], r[3]))
    return rows


def build_completions(people):
    rng = random.Random(777)
    rows = []
    for p in people:
        done = []
        for key, _, _, _, outcomes, prereqs in MODULES:
            # A module whose outcomes the employee already shows, whose
            # prerequisites they completed: plausible history.
            ok = all(p["levels"].get(c, 0) >= lv for c, _, lv in outcomes)
            if ok and all(q in done for q in prereqs) and \
                    rng.random() < 0.15:
                done.append(key)
        # Prerequisites first: one module every two months from February.
        start = rng.randint(1, 4)
        for j, key in enumerate(done):
            month = start + 2 * j
            year = 2025 + (month - 1) // 12
            month = (month - 1) % 12 + 1
            rows.append((p["id"], key, f"{year}-{month:02d}-"
                         f"{rng.randint(1, 28):02d}T16:00:00Z"))
        if len(rows) >= 30:
            break
    rows.sort()
    return rows


# --------------------------------------------------------------------------
# Output

def write_csv(name, header, rows):
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow(header)
    for r in rows:
        w.writerow(["true" if v is True else "false" if v is False else v
                    for v in r])
    with open(os.path.join(HERE, name), "w", encoding="utf-8",
              newline="") as f:
        f.write(buf.getvalue())


def num(x):
    return str(int(x)) if float(x).is_integer() else str(x)


def generate():
    roles, reqs = build_roles()
    moves = build_moves()
    people = build_people(roles, reqs, moves)

    write_csv("tracks.csv", ["key", "name", "kind"], TRACKS)
    write_csv("areas.csv", ["key", "name"], AREAS)
    write_csv("competencies.csv",
              ["key", "name", "kind", "area", "description"], COMPETENCIES)
    write_csv("roles.csv",
              ["key", "title", "track", "grade", "area", "pay_min",
               "pay_max", "scope", "complexity", "volume", "drive",
               "influence"],
              [[r["key"], r["title"], r["track"], r["grade"], r["area"],
                num(r["pay_min"]), num(r["pay_max"]), *r["desc"]]
               for r in roles])
    write_csv("requirements.csv",
              ["role", "competency", "level", "weight", "must_have"],
              [[r["key"], c, lv, w, m] for r in roles
               for c, lv, w, m in sorted(reqs[r["key"]])])
    write_csv("moves.csv", ["from", "to", "kind", "typical_months"],
              sorted(moves))
    write_csv("modules.csv", ["key", "title", "kind", "hours", "lms_ref"],
              [[k, t, kind, h, f"LMS-{1001 + i}"]
               for i, (k, t, kind, h, _, _) in enumerate(MODULES)])
    write_csv("module_outcomes.csv",
              ["module", "competency", "entry_level", "level"],
              sorted([k, c, e, lv] for k, _, _, _, outs, _ in MODULES
                     for c, e, lv in outs))
    write_csv("module_prereqs.csv", ["module", "requires"],
              sorted([k, q] for k, _, _, _, _, pre in MODULES for q in pre))
    write_csv("employees.csv", ["id", "role", "manager", "attributes",
                                "active"],
              [[p["id"], p["role"], p["manager"],
                json.dumps(p["attributes"], separators=(",", ":")),
                p["active"]] for p in people])
    write_csv("assessments.csv",
              ["employee", "competency", "level", "source", "assessed_at"],
              build_assessments(people, reqs))
    write_csv("completions.csv", ["employee", "module", "completed_at"],
              build_completions(people))
    write_csv("settings.csv", ["key", "value"], SETTINGS)

    counts = {}
    for p in people:
        if p["target"]:
            counts[p["target"]] = counts.get(p["target"], 0) + 1
    print(f"generate: {len(roles)} roles, {len(moves)} moves, "
          f"{len(MODULES)} modules, {len(people)} employees; intended "
          f"bands for the next promotion: {counts}")


# --------------------------------------------------------------------------
# Validation against the real schema

VALIDATE_SQL = r"""
\set ON_ERROR_STOP 1
\i {schema}
CREATE TEMP TABLE s_tracks (key text, name text, kind text);
CREATE TEMP TABLE s_areas (key text, name text);
CREATE TEMP TABLE s_competencies (key text, name text, kind text, area text,
	description text);
CREATE TEMP TABLE s_roles (key text, title text, track text, grade text,
	area text, pay_min text, pay_max text, scope text, complexity text,
	volume text, drive text, influence text);
CREATE TEMP TABLE s_requirements (role text, competency text, level text,
	weight text, must_have text);
CREATE TEMP TABLE s_moves ("from" text, "to" text, kind text,
	typical_months text);
CREATE TEMP TABLE s_modules (key text, title text, kind text, hours text,
	lms_ref text);
CREATE TEMP TABLE s_module_outcomes (module text, competency text,
	entry_level text, level text);
CREATE TEMP TABLE s_module_prereqs (module text, requires text);
CREATE TEMP TABLE s_employees (id text, role text, manager text,
	attributes text, active text);
CREATE TEMP TABLE s_assessments (employee text, competency text, level text,
	source text, assessed_at text);
CREATE TEMP TABLE s_completions (employee text, module text,
	completed_at text);
CREATE TEMP TABLE s_settings (key text, value text);
\copy s_tracks FROM '{d}/tracks.csv' WITH (FORMAT csv, HEADER match)
\copy s_areas FROM '{d}/areas.csv' WITH (FORMAT csv, HEADER match)
\copy s_competencies FROM '{d}/competencies.csv' WITH (FORMAT csv, HEADER match)
\copy s_roles FROM '{d}/roles.csv' WITH (FORMAT csv, HEADER match)
\copy s_requirements FROM '{d}/requirements.csv' WITH (FORMAT csv, HEADER match)
\copy s_moves FROM '{d}/moves.csv' WITH (FORMAT csv, HEADER match)
\copy s_modules FROM '{d}/modules.csv' WITH (FORMAT csv, HEADER match)
\copy s_module_outcomes FROM '{d}/module_outcomes.csv' WITH (FORMAT csv, HEADER match)
\copy s_module_prereqs FROM '{d}/module_prereqs.csv' WITH (FORMAT csv, HEADER match)
\copy s_employees FROM '{d}/employees.csv' WITH (FORMAT csv, HEADER match)
\copy s_assessments FROM '{d}/assessments.csv' WITH (FORMAT csv, HEADER match)
\copy s_completions FROM '{d}/completions.csv' WITH (FORMAT csv, HEADER match)
\copy s_settings FROM '{d}/settings.csv' WITH (FORMAT csv, HEADER match)
\o /dev/null

CREATE FUNCTION pg_temp.expect(what text, n bigint, want bigint) RETURNS void
LANGUAGE plpgsql AS $$ BEGIN
	IF n <> want THEN
		RAISE EXCEPTION '%: % rows, expected %', what, n, want;
	END IF;
END $$;

BEGIN;
INSERT INTO track (key, name, kind) SELECT key, name, kind FROM s_tracks;
INSERT INTO functional_area (key, name) SELECT key, name FROM s_areas;
INSERT INTO competency (key, name, kind, area_id, description)
	SELECT s.key, s.name, s.kind, a.id, s.description
	FROM s_competencies s LEFT JOIN functional_area a ON a.key = s.area
	WHERE s.area = '' OR s.area IS NULL OR a.id IS NOT NULL;
SELECT pg_temp.expect('competency areas', (SELECT count(*) FROM competency),
	(SELECT count(*) FROM s_competencies));
INSERT INTO role (key, title, track_id, grade, area_id, pay_min, pay_max,
		scope, complexity, volume, drive, influence)
	SELECT s.key, s.title, t.id, s.grade::int, a.id, s.pay_min::float8,
		s.pay_max::float8, s.scope::int2, s.complexity::int2,
		s.volume::int2, s.drive::int2, s.influence::int2
	FROM s_roles s JOIN track t ON t.key = s.track
	JOIN functional_area a ON a.key = s.area;
SELECT pg_temp.expect('roles', (SELECT count(*) FROM role),
	(SELECT count(*) FROM s_roles));
INSERT INTO role_requirement (role_id, competency_id, level, weight, must_have)
	SELECT r.id, c.id, s.level::int2, s.weight::float8, s.must_have::bool
	FROM s_requirements s JOIN role r ON r.key = s.role
	JOIN competency c ON c.key = s.competency;
SELECT pg_temp.expect('requirements', (SELECT count(*) FROM role_requirement),
	(SELECT count(*) FROM s_requirements));
INSERT INTO role_move (from_role_id, to_role_id, kind, typical_months)
	SELECT f.id, t.id, s.kind, s.typical_months::int
	FROM s_moves s JOIN role f ON f.key = s."from"
	JOIN role t ON t.key = s."to";
SELECT pg_temp.expect('moves', (SELECT count(*) FROM role_move),
	(SELECT count(*) FROM s_moves));
INSERT INTO module (key, title, kind, hours, lms_ref)
	SELECT key, title, kind, hours::float8, lms_ref FROM s_modules;
INSERT INTO module_outcome (module_id, competency_id, entry_level, level)
	SELECT m.id, c.id, s.entry_level::int2, s.level::int2
	FROM s_module_outcomes s JOIN module m ON m.key = s.module
	JOIN competency c ON c.key = s.competency;
SELECT pg_temp.expect('outcomes', (SELECT count(*) FROM module_outcome),
	(SELECT count(*) FROM s_module_outcomes));
INSERT INTO module_prereq (module_id, requires_id)
	SELECT m.id, q.id FROM s_module_prereqs s
	JOIN module m ON m.key = s.module JOIN module q ON q.key = s.requires;
SELECT pg_temp.expect('prereqs', (SELECT count(*) FROM module_prereq),
	(SELECT count(*) FROM s_module_prereqs));
INSERT INTO employee (external_id, role_id, attributes, active)
	SELECT s.id, r.id, s.attributes::jsonb, s.active::bool
	FROM s_employees s JOIN role r ON r.key = s.role;
SELECT pg_temp.expect('employees', (SELECT count(*) FROM employee),
	(SELECT count(*) FROM s_employees));
UPDATE employee e SET manager_id = m.id FROM s_employees s
	JOIN employee m ON m.external_id = s.manager
	WHERE s.id = e.external_id;
SELECT pg_temp.expect('managers', (SELECT count(*) FROM employee
	WHERE manager_id IS NOT NULL),
	(SELECT count(*) FROM s_employees WHERE manager <> ''));
INSERT INTO assessment (employee_id, competency_id, level, source, assessed_at)
	SELECT e.id, c.id, s.level::int2, s.source, s.assessed_at::timestamptz
	FROM s_assessments s JOIN employee e ON e.external_id = s.employee
	JOIN competency c ON c.key = s.competency;
SELECT pg_temp.expect('assessments', (SELECT count(*) FROM assessment),
	(SELECT count(*) FROM s_assessments));
INSERT INTO module_completion (employee_id, module_id, completed_at)
	SELECT e.id, m.id, s.completed_at::timestamptz FROM s_completions s
	JOIN employee e ON e.external_id = s.employee
	JOIN module m ON m.key = s.module;
SELECT pg_temp.expect('completions', (SELECT count(*) FROM module_completion),
	(SELECT count(*) FROM s_completions));
INSERT INTO framework_setting SELECT key, value FROM s_settings;
COMMIT;

-- Manager tree: every chain ends at a root.
WITH RECURSIVE up (id, top, depth) AS (
	SELECT id, manager_id, 1 FROM employee
	UNION ALL
	SELECT up.id, e.manager_id, depth + 1 FROM up
	JOIN employee e ON e.id = up.top WHERE depth < 100)
SELECT pg_temp.expect('manager cycles',
	(SELECT count(*) FROM up WHERE depth >= 100), 0);
-- Inactive employees manage nobody.
SELECT pg_temp.expect('inactive managers', (SELECT count(*) FROM employee e
	JOIN employee m ON m.id = e.manager_id WHERE NOT m.active), 0);

-- Audit-style checks: the demo framework is meant to be clean.
SELECT pg_temp.expect('requirement_count', (SELECT count(*) FROM (
	SELECT r.id FROM role r LEFT JOIN role_requirement q ON q.role_id = r.id
	GROUP BY r.id HAVING count(q.*) NOT BETWEEN 5 AND 8) x), 0);
SELECT pg_temp.expect('requirement_regression', (SELECT count(*)
	FROM role_move m
	JOIN role_requirement a ON a.role_id = m.from_role_id
	JOIN role_requirement b ON b.role_id = m.to_role_id
		AND b.competency_id = a.competency_id
	WHERE m.kind = 'promotion' AND b.level < a.level), 0);
SELECT pg_temp.expect('untaught_competency', (SELECT count(DISTINCT q.competency_id)
	FROM role_requirement q WHERE NOT EXISTS (SELECT 1 FROM module_outcome o
	WHERE o.competency_id = q.competency_id)), 0);
SELECT pg_temp.expect('pay_band_misaligned', (SELECT count(*) FROM role i
	JOIN track ti ON ti.id = i.track_id AND ti.kind = 'ic'
	JOIN role m ON m.area_id = i.area_id AND m.grade = i.grade
	JOIN track tm ON tm.id = m.track_id AND tm.kind = 'management'
	WHERE i.pay_max < m.pay_min OR m.pay_max < i.pay_min), 0);
SELECT pg_temp.expect('ladder_parity', (SELECT count(*) FROM role m
	JOIN track tm ON tm.id = m.track_id AND tm.kind = 'management'
	WHERE NOT EXISTS (SELECT 1 FROM role i JOIN track ti ON ti.id = i.track_id
	WHERE ti.kind = 'ic' AND i.area_id = m.area_id AND i.grade = m.grade)), 0);
SELECT pg_temp.expect('dead_end', (SELECT count(*) FROM role r
	WHERE r.grade < (SELECT max(grade) FROM role x WHERE x.track_id = r.track_id
		AND x.area_id = r.area_id)
	AND NOT EXISTS (SELECT 1 FROM role_move m WHERE m.from_role_id = r.id)), 0);
SELECT pg_temp.expect('unreachable_role', (SELECT count(*) FROM role r
	WHERE r.grade > (SELECT min(grade) FROM role x WHERE x.track_id = r.track_id
		AND x.area_id = r.area_id)
	AND NOT EXISTS (SELECT 1 FROM role_move m WHERE m.to_role_id = r.id)), 0);
WITH RECURSIVE dep (start, cur, depth) AS (
	SELECT module_id, requires_id, 1 FROM module_prereq
	UNION ALL
	SELECT d.start, p.requires_id, depth + 1 FROM dep d
	JOIN module_prereq p ON p.module_id = d.cur WHERE depth < 50)
SELECT pg_temp.expect('prerequisite_cycle',
	(SELECT count(*) FROM dep WHERE start = cur), 0);
-- A module with entry_level > 0 can be reached: some other module teaches
-- that competency up to its entry level.
SELECT pg_temp.expect('unreachable entry levels', (SELECT count(*)
	FROM module_outcome o WHERE o.entry_level > 0 AND NOT EXISTS (
	SELECT 1 FROM module_outcome p WHERE p.competency_id = o.competency_id
	AND p.entry_level < o.entry_level AND p.level >= o.entry_level)), 0);
-- Completions only for modules whose prerequisites were completed first.
SELECT pg_temp.expect('completion order', (SELECT count(*)
	FROM module_completion c JOIN module_prereq p ON p.module_id = c.module_id
	WHERE NOT EXISTS (SELECT 1 FROM module_completion d
	WHERE d.employee_id = c.employee_id AND d.module_id = p.requires_id
	AND d.completed_at <= c.completed_at)), 0);

-- Readiness (docs/scoring.md) of each employee for their next
-- promotion (explicit promotion moves).
CREATE TEMP VIEW cur AS
	SELECT DISTINCT ON (employee_id, competency_id)
		employee_id, competency_id, level
	FROM assessment WHERE source <> 'self'
	ORDER BY employee_id, competency_id, assessed_at DESC, level DESC;
CREATE TEMP VIEW ready AS
	SELECT e.external_id AS employee, fr.key AS role, tr.key AS next_role,
		100.0 * sum(q.weight * least(coalesce(c.level, 0), q.level)::float8
			/ q.level) / sum(q.weight) AS readiness,
		count(*) FILTER (WHERE q.must_have
			AND coalesce(c.level, 0) < q.level) AS blockers,
		count(*) FILTER (WHERE coalesce(c.level, 0) >= q.level) AS met,
		count(*) AS required
	FROM employee e JOIN role fr ON fr.id = e.role_id
	JOIN role_move m ON m.from_role_id = e.role_id AND m.kind = 'promotion'
	JOIN role tr ON tr.id = m.to_role_id
	JOIN role_requirement q ON q.role_id = m.to_role_id
	LEFT JOIN cur c ON c.employee_id = e.id
		AND c.competency_id = q.competency_id
	GROUP BY e.external_id, fr.key, tr.key;
CREATE TEMP VIEW banded AS
	SELECT *, CASE WHEN readiness >= 90 AND blockers = 0 THEN 'READY_NOW'
		WHEN readiness >= 70 THEN 'READY_SOON'
		WHEN readiness >= 40 THEN 'DEVELOPING'
		ELSE 'NOT_READY' END AS band FROM ready;
\o
\pset footer off
\echo 'Readiness for the next promotion (first ten employees):'
SELECT employee, role, next_role, round(readiness::numeric, 1) AS readiness,
	met || '/' || required AS met, blockers, band
	FROM banded ORDER BY employee LIMIT 10;
\echo 'Bands:'
SELECT band, count(*) FROM banded GROUP BY band ORDER BY band;
\echo 'Totals:'
SELECT (SELECT count(*) FROM role) AS roles,
	(SELECT count(*) FROM role_move) AS moves,
	(SELECT count(*) FROM module) AS modules,
	(SELECT count(*) FROM employee) AS employees,
	(SELECT count(*) FROM employee WHERE NOT active) AS inactive,
	(SELECT count(*) FROM assessment) AS assessments,
	(SELECT count(*) FROM module_completion) AS completions;
\o {out}
COPY (SELECT employee, role, next_role, readiness, blockers, band
	FROM banded ORDER BY employee) TO STDOUT WITH (FORMAT csv);
\o
"""


def validate():
    pg = os.path.join(ROOT, "scripts", "pg.sh")
    tmp = tempfile.mkdtemp(prefix="pathways-demo-")
    os.chmod(tmp, 0o755)
    cluster = os.path.join(tmp, "pg")
    ok = False
    try:
        conninfo = subprocess.run(["bash", pg, "start", cluster], check=True,
                                  capture_output=True, text=True).stdout.strip()
        out = os.path.join(tmp, "ready.csv")
        script = VALIDATE_SQL.format(
            schema=os.path.join(ROOT, "sql", "migrations", "001_schema.sql"),
            d=HERE, out=out)
        path = os.path.join(tmp, "validate.sql")
        with open(path, "w") as f:
            f.write(script)
        subprocess.run(["psql", "-X", "-q", "-d", conninfo, "-f", path],
                       check=True)
        # The SQL readiness must match the generator's intent.
        roles, reqs = build_roles()
        people = build_people(roles, reqs, build_moves())
        want = {p["id"]: p["target"] for p in people if p["target"]}
        got = {}
        with open(out) as f:
            for row in csv.reader(f):
                got[row[0]] = row[5]
        bad = {k: (want.get(k), got.get(k)) for k in set(want) | set(got)
               if want.get(k) != got.get(k)}
        if bad:
            print(f"validate: bands differ from the intent: {bad}")
            return 1
        print(f"validate: OK ({len(got)} employees banded as intended)")
        ok = True
    finally:
        subprocess.run(["bash", pg, "destroy", cluster])
        shutil.rmtree(tmp, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    if sys.argv[1:] == ["--validate"]:
        sys.exit(validate())
    elif sys.argv[1:]:
        print(__doc__, file=sys.stderr)
        sys.exit(2)
    generate()
