-- 003: the change feed — what 002's NOTIFYs say, kept in a table.
-- LISTEN/NOTIFY does not exist on a hot standby, but a table replicates
-- like any other: a daemon loading from a standby polls this one (and any
-- daemon catches up from it after a reconnect instead of reloading in
-- full). The same statement-level triggers write it, with the same payload
-- as the NOTIFY ('framework', 'bulk', or 'emp' and the ids one per line),
-- in the same transaction.
--
-- seq orders the rows but is drawn before the commit, so a reader may see
-- seq 7 before seq 6 commits: xid (the writing transaction) lets it read
-- again every row of a transaction that was still running at its last
-- look (xid >= that look's snapshot xmin) instead of trusting seq alone.
--
-- Bounded: every 100th row, the transaction that writes it deletes the
-- rows more than pathways_change_feed_keep() (10,000) behind it and the
-- rows older than a day, unless another transaction is pruning already.
-- A reader whose last row is gone (min(seq) past it) reloads in full.

CREATE TABLE change_feed (
	seq bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
	xid xid8 NOT NULL DEFAULT pg_current_xact_id(),
	at timestamptz NOT NULL DEFAULT now(),
	payload text NOT NULL
);
CREATE INDEX change_feed_xid ON change_feed (xid);

CREATE FUNCTION pathways_change_feed_keep() RETURNS bigint
LANGUAGE sql IMMUTABLE AS 'SELECT 10000::bigint';

-- announces one change: NOTIFY (the wake-up on a primary) and a feed row
CREATE FUNCTION pathways_change(what text) RETURNS void
LANGUAGE plpgsql AS $$
DECLARE
	s bigint;
BEGIN
	PERFORM pg_notify('pathways_changed', what);
	INSERT INTO change_feed (payload) VALUES (what) RETURNING seq INTO s;
	-- 7029 is an arbitrary advisory lock key: one pruner at a time,
	-- the others skip rather than wait on its row locks
	IF s % 100 = 0 AND pg_try_advisory_xact_lock(7029) THEN
		DELETE FROM change_feed
		WHERE seq <= s - pathways_change_feed_keep()
		   OR at < now() - interval '1 day';
	END IF;
END
$$;

CREATE OR REPLACE FUNCTION pathways_notify_framework() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pathways_change('framework');
	RETURN NULL;
END
$$;

CREATE OR REPLACE FUNCTION pathways_notify_bulk() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pathways_change('bulk');
	RETURN NULL;
END
$$;

-- as in 002, with pathways_change() in place of pg_notify()
CREATE OR REPLACE FUNCTION pathways_notify_people() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids text;
	n bigint;
BEGIN
	SELECT count(*) INTO n FROM (SELECT 1 FROM changed_rows LIMIT 2001) s;
	IF n > 2000 THEN
		PERFORM pathways_change('bulk');
		RETURN NULL;
	END IF;
	IF TG_ARGV[0] = 'self' THEN
		IF TG_OP = 'UPDATE' THEN
			SELECT string_agg(x, E'\n') INTO ids FROM (
				SELECT external_id FROM changed_rows
				UNION SELECT external_id FROM old_rows) s(x);
		ELSE
			SELECT string_agg(DISTINCT external_id, E'\n') INTO ids
			FROM changed_rows;
		END IF;
	ELSE
		IF TG_OP = 'UPDATE' THEN
			SELECT string_agg(e.external_id, E'\n') INTO ids
			FROM employee e WHERE e.id IN (
				SELECT employee_id FROM changed_rows
				UNION SELECT employee_id FROM old_rows);
		ELSE
			SELECT string_agg(e.external_id, E'\n') INTO ids
			FROM employee e WHERE e.id IN (
				SELECT employee_id FROM changed_rows);
		END IF;
	END IF;
	IF ids IS NULL THEN
		RETURN NULL;
	END IF;
	IF octet_length(ids) > 7000 THEN
		PERFORM pathways_change('bulk');
	ELSE
		PERFORM pathways_change('emp' || E'\n' || ids);
	END IF;
	RETURN NULL;
END
$$;
