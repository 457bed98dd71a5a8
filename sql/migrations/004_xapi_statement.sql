-- 004: the xAPI statements the HTTP door stored, so that a repeated
-- statement id changes nothing across restarts and across daemons (xAPI
-- 1.0.3: a statement id is stored once; other content under it is 409).
--
-- Written by the writer in the same transaction as the statements'
-- completions, so a statement is stored exactly when its completion is.
-- digest is SHA-256 of the statement's JSON with sorted keys, compact.
-- employee_id is the person the actor named (NULL: a statement the door
-- ignored whose actor is no employee); erasing the person deletes their
-- statements with them (the cascade), so their ids are forgotten.
--
-- Not employee data the loader reads: no change-feed trigger, and not
-- part of a bundle.

CREATE TABLE xapi_statement (
	id		uuid PRIMARY KEY,
	digest		bytea NOT NULL CHECK (length(digest) = 32),
	employee_id	integer REFERENCES employee (id) ON DELETE CASCADE,
	recorded_at	timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX xapi_statement_employee ON xapi_statement (employee_id);
