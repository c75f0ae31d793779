-- Who wrote a routing form: members change only the forms they created; `routing_forms.manage`
-- changes anyone's. NULL for forms made before this column (only that permission changes them).
-- No foreign key: SQLite cannot add one naming two columns, and users are only soft-deleted.
-- Keep in step with ../postgres/20261207000030_shared_object_permissions.sql.
ALTER TABLE routing_forms ADD COLUMN owner_user_id BLOB;

-- Workflows, webhooks and templates took `organization.manage`; each now has its own
-- permission. Custom roles and API keys that held the old one keep what it allowed.
UPDATE roles SET permissions = json_insert(json_insert(json_insert(permissions,
        '$[#]', 'workflows.manage'), '$[#]', 'webhooks.manage'), '$[#]', 'templates.manage')
    WHERE EXISTS (SELECT 1 FROM json_each(roles.permissions) WHERE value = 'organization.manage');
UPDATE api_keys SET scopes = json_insert(json_insert(json_insert(scopes,
        '$[#]', 'workflows.manage'), '$[#]', 'webhooks.manage'), '$[#]', 'templates.manage')
    WHERE scopes IS NOT NULL
      AND EXISTS (SELECT 1 FROM json_each(api_keys.scopes) WHERE value = 'organization.manage');
