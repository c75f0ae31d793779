-- Row-level security binds the server too. Until now the policies were ENABLEd, not FORCEd,
-- so the tables' owner (the role that migrates and that the server connects as) bypassed
-- them. From here every tenant table's policy is FORCEd, and each transaction the server
-- opens names its tenant in the statement that begins it (`store::Tenant`):
--   SET LOCAL app.organization_id = '<uuid>'  one organization's rows, and no other's;
--   SET LOCAL app.cross_tenant = 'on'         every organization's, for work that is
--                                             cross-tenant by nature (`store::CrossTenant`).
-- A statement that names neither sees no tenant rows and may write none, so a repository
-- query that forgets its `WHERE organization_id` finds nothing of another organization.
-- Superusers and BYPASSRLS roles still bypass every policy: the server must not run as one.
-- Keep in step with ../sqlite/20261207000050_force_row_level_security.sql.
CREATE FUNCTION rdv_cross_tenant() RETURNS BOOLEAN
    LANGUAGE sql STABLE
    AS $$ SELECT COALESCE(current_setting('app.cross_tenant', true), '') = 'on' $$;

-- Every table of this schema that carries organization_id, and the tenant root itself, gets
-- the one policy (tables created later need their own; tests/rls.rs checks none is missing).
DO $$
DECLARE
    t record;
BEGIN
    FOR t IN
        SELECT c.relname,
               CASE WHEN c.relname = 'organizations' THEN 'id' ELSE 'organization_id' END AS tenant_column
        FROM pg_class c
        JOIN pg_namespace n ON n.oid = c.relnamespace
        WHERE n.nspname = current_schema()
          AND c.relkind IN ('r', 'p')
          AND (c.relname = 'organizations' OR EXISTS (
                SELECT 1 FROM pg_attribute a
                WHERE a.attrelid = c.oid AND a.attname = 'organization_id' AND NOT a.attisdropped))
    LOOP
        EXECUTE format('ALTER TABLE %I ENABLE ROW LEVEL SECURITY', t.relname);
        EXECUTE format('ALTER TABLE %I FORCE ROW LEVEL SECURITY', t.relname);
        EXECUTE format('DROP POLICY IF EXISTS tenant_isolation ON %I', t.relname);
        EXECUTE format(
            'CREATE POLICY tenant_isolation ON %I USING (%I = rdv_current_organization() OR rdv_cross_tenant())',
            t.relname, t.tenant_column);
    END LOOP;
END
$$;
