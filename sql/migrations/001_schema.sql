-- 001: the whole data model (docs/bundle.md describes it as files, docs/scoring.md how it is read).
-- Integer surrogate keys stay inside the database; every table the wire
-- names has a unique, non-empty text key.

CREATE TABLE track (
	id	serial PRIMARY KEY,
	key	text NOT NULL UNIQUE CHECK (key <> ''),
	name	text NOT NULL DEFAULT '',
	kind	text NOT NULL CHECK (kind IN ('ic', 'management', 'other'))
);

CREATE TABLE functional_area (
	id	serial PRIMARY KEY,
	key	text NOT NULL UNIQUE CHECK (key <> ''),
	name	text NOT NULL DEFAULT ''
);

CREATE TABLE competency (
	id		serial PRIMARY KEY,
	key		text NOT NULL UNIQUE CHECK (key <> ''),
	name		text NOT NULL DEFAULT '',
	kind		text NOT NULL CHECK (kind IN ('core', 'functional', 'leadership')),
	area_id		integer REFERENCES functional_area (id) ON DELETE RESTRICT,
	description	text NOT NULL DEFAULT ''
);

CREATE TABLE role (
	id		serial PRIMARY KEY,
	key		text NOT NULL UNIQUE CHECK (key <> ''),
	title		text NOT NULL DEFAULT '',
	track_id	integer NOT NULL REFERENCES track (id) ON DELETE RESTRICT,
	grade		integer NOT NULL CHECK (grade BETWEEN 1 AND 1000),
	area_id		integer REFERENCES functional_area (id) ON DELETE RESTRICT,
	pay_min		double precision CHECK (pay_min >= 0),
	pay_max		double precision CHECK (pay_max >= 0),
	scope		smallint CHECK (scope BETWEEN 1 AND 5),
	complexity	smallint CHECK (complexity BETWEEN 1 AND 5),
	volume		smallint CHECK (volume BETWEEN 1 AND 5),
	drive		smallint CHECK (drive BETWEEN 1 AND 5),
	influence	smallint CHECK (influence BETWEEN 1 AND 5),
	CHECK (pay_min IS NULL OR pay_max IS NULL OR pay_min <= pay_max)
);
CREATE INDEX role_track_grade ON role (track_id, grade);

CREATE TABLE role_requirement (
	role_id		integer NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	competency_id	integer NOT NULL REFERENCES competency (id) ON DELETE RESTRICT,
	level		smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
	weight		double precision NOT NULL DEFAULT 1
			CHECK (weight > 0 AND weight <= 1000),
	must_have	boolean NOT NULL DEFAULT false,
	PRIMARY KEY (role_id, competency_id)
);

CREATE TABLE role_move (
	from_role_id	integer NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	to_role_id	integer NOT NULL REFERENCES role (id) ON DELETE CASCADE,
	kind		text NOT NULL
			CHECK (kind IN ('promotion', 'lateral', 'track_switch')),
	typical_months	integer CHECK (typical_months BETWEEN 0 AND 600),
	PRIMARY KEY (from_role_id, to_role_id),
	CHECK (from_role_id <> to_role_id)
);

CREATE TABLE module (
	id	serial PRIMARY KEY,
	key	text NOT NULL UNIQUE CHECK (key <> ''),
	title	text NOT NULL DEFAULT '',
	kind	text NOT NULL
		CHECK (kind IN ('course', 'workshop', 'mentorship', 'project')),
	hours	double precision NOT NULL CHECK (hours >= 0 AND hours <= 100000),
	lms_ref	text NOT NULL DEFAULT ''
);

CREATE TABLE module_outcome (
	module_id	integer NOT NULL REFERENCES module (id) ON DELETE CASCADE,
	competency_id	integer NOT NULL REFERENCES competency (id) ON DELETE RESTRICT,
	entry_level	smallint NOT NULL DEFAULT 0 CHECK (entry_level BETWEEN 0 AND 4),
	level		smallint NOT NULL CHECK (level BETWEEN 1 AND 5),
	PRIMARY KEY (module_id, competency_id),
	CHECK (level > entry_level)
);

CREATE TABLE module_prereq (
	module_id	integer NOT NULL REFERENCES module (id) ON DELETE CASCADE,
	requires_id	integer NOT NULL REFERENCES module (id) ON DELETE CASCADE,
	PRIMARY KEY (module_id, requires_id),
	CHECK (module_id <> requires_id)
);

CREATE TABLE employee (
	id		serial PRIMARY KEY,
	external_id	text NOT NULL UNIQUE CHECK (external_id <> ''),
	role_id		integer NOT NULL REFERENCES role (id) ON DELETE RESTRICT,
	manager_id	integer REFERENCES employee (id) ON DELETE SET NULL,
	attributes	jsonb NOT NULL DEFAULT '{}'
			CHECK (jsonb_typeof(attributes) = 'object'),
	active		boolean NOT NULL DEFAULT true,
	CHECK (manager_id IS NULL OR manager_id <> id)
);
CREATE INDEX employee_role ON employee (role_id);

CREATE TABLE assessment (
	id		bigserial PRIMARY KEY,
	employee_id	integer NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
	competency_id	integer NOT NULL REFERENCES competency (id) ON DELETE CASCADE,
	level		smallint NOT NULL CHECK (level BETWEEN 0 AND 5),
	source		text NOT NULL
			CHECK (source IN ('manager', 'self', 'peer', 'certification')),
	assessed_at	timestamptz NOT NULL,
	UNIQUE (employee_id, competency_id, source, assessed_at)
);

CREATE TABLE module_completion (
	employee_id	integer NOT NULL REFERENCES employee (id) ON DELETE CASCADE,
	module_id	integer NOT NULL REFERENCES module (id) ON DELETE CASCADE,
	completed_at	timestamptz NOT NULL,
	PRIMARY KEY (employee_id, module_id)
);

CREATE TABLE framework_setting (
	key	text PRIMARY KEY CHECK (key <> ''),
	value	text NOT NULL
);
