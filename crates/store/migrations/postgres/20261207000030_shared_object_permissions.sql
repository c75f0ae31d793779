-- Who wrote a routing form: members change only the forms they created; `routing_forms.manage`
-- changes anyone's. NULL for forms made before this column (only that permission changes them).
-- No foreign key, as on SQLite (users are only soft-deleted).
-- Keep in step with ../sqlite/20261207000030_shared_object_permissions.sql.
ALTER TABLE routing_forms ADD COLUMN owner_user_id UUID;

-- Workflows, webhooks and templates took `organization.manage`; each now has its own
-- permission. Custom roles and API keys that held the old one keep what it allowed.
UPDATE roles
    SET permissions = permissions || '["workflows.manage", "webhooks.manage", "templates.manage"]'::jsonb
    WHERE permissions ? 'organization.manage';
UPDATE api_keys
    SET scopes = scopes || '["workflows.manage", "webhooks.manage", "templates.manage"]'::jsonb
    WHERE scopes IS NOT NULL AND scopes ? 'organization.manage';
