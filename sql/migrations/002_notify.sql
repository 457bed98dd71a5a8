-- 002: tell pathwaysd what changed.
-- One NOTIFY pathways_changed per statement (statement-level triggers with
-- transition tables), never one per row: a 4-million-row COPY sends one.
-- Payloads:
--   'framework'            anything but people changed: reload in full
--   'bulk'                 too many people changed to list: reload in full
--   'emp' || E'\n' || ids  the external ids of the employees whose rows
--                          (employee, assessment, module_completion) changed,
--                          one per line; applied as a delta

CREATE FUNCTION pathways_notify_framework() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('pathways_changed', 'framework');
	RETURN NULL;
END
$$;

-- TG_ARGV[0]: 'self' for the employee table (rows carry external_id),
-- 'child' for tables whose rows carry employee_id.
CREATE FUNCTION pathways_notify_people() RETURNS trigger
LANGUAGE plpgsql AS $$
DECLARE
	ids text;
	n bigint;
BEGIN
	-- counting a bounded prefix is cheap even after a huge COPY
	SELECT count(*) INTO n FROM (SELECT 1 FROM changed_rows LIMIT 2001) s;
	IF n > 2000 THEN
		PERFORM pg_notify('pathways_changed', 'bulk');
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
		RETURN NULL;	-- e.g. rows of an employee deleted meanwhile
	END IF;
	IF octet_length(ids) > 7000 THEN
		PERFORM pg_notify('pathways_changed', 'bulk');
	ELSE
		PERFORM pg_notify('pathways_changed', 'emp' || E'\n' || ids);
	END IF;
	RETURN NULL;
END
$$;

CREATE FUNCTION pathways_notify_bulk() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
	PERFORM pg_notify('pathways_changed', 'bulk');
	RETURN NULL;
END
$$;

DO $$
DECLARE
	t text;
	kind text;
BEGIN
	FOREACH t IN ARRAY ARRAY['track', 'functional_area', 'competency',
		'role', 'role_requirement', 'role_move', 'module',
		'module_outcome', 'module_prereq', 'framework_setting'] LOOP
		EXECUTE format('CREATE TRIGGER pathways_changed AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION pathways_notify_framework()', t);
	END LOOP;
	FOREACH t IN ARRAY ARRAY['employee', 'assessment', 'module_completion'] LOOP
		kind := CASE WHEN t = 'employee' THEN 'self' ELSE 'child' END;
		EXECUTE format('CREATE TRIGGER pathways_changed_ins AFTER INSERT ON %I REFERENCING NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION pathways_notify_people(%L)', t, kind);
		EXECUTE format('CREATE TRIGGER pathways_changed_upd AFTER UPDATE ON %I REFERENCING OLD TABLE AS old_rows NEW TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION pathways_notify_people(%L)', t, kind);
		EXECUTE format('CREATE TRIGGER pathways_changed_del AFTER DELETE ON %I REFERENCING OLD TABLE AS changed_rows FOR EACH STATEMENT EXECUTE FUNCTION pathways_notify_people(%L)', t, kind);
		EXECUTE format('CREATE TRIGGER pathways_changed_trunc AFTER TRUNCATE ON %I FOR EACH STATEMENT EXECUTE FUNCTION pathways_notify_bulk()', t);
	END LOOP;
END
$$;
