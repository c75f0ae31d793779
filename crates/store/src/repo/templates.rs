//! Organizations' own message templates, one row per message type and channel. The store
//! keeps the sources; checking and rendering them is the notify crate's business.

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, with_pool, with_tx};
use domain::ids::{OrganizationId, Timestamp};
use domain::templates::{StoredTemplate, TemplateSources};

const COLUMNS: &str = "event, channel, subject, html, text, created_at, updated_at";

/// An organization's message templates.
#[derive(Debug)]
pub struct Templates<'a> {
    pub(crate) db: &'a Db,
}

impl Templates<'_> {
    /// Every template the organization wrote, by type and channel.
    pub async fn list(&self, scope: &Scope) -> Result<Vec<StoredTemplate>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM message_templates WHERE organization_id = $1 \
             ORDER BY event, channel"
        );
        Ok(with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).fetch_all(pool).await?
        }))
    }

    /// The organization's template for `event` on `channel`, if it wrote one.
    pub async fn get(
        &self,
        scope: &Scope,
        event: &str,
        channel: &str,
    ) -> Result<Option<StoredTemplate>, Error> {
        self.find(scope.organization_id(), event, channel).await
    }

    /// [`Self::get`] for a worker, which acts for the organization a job belongs to.
    pub async fn find(
        &self,
        organization_id: OrganizationId,
        event: &str,
        channel: &str,
    ) -> Result<Option<StoredTemplate>, Error> {
        let sql = format!(
            "SELECT {COLUMNS} FROM message_templates \
             WHERE organization_id = $1 AND event = $2 AND channel = $3"
        );
        Ok(with_pool!(self.db, organization_id, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql))
                .bind(organization_id).bind(event).bind(channel)
                .fetch_optional(pool).await?
        }))
    }

    /// Creates or replaces the template for `event` on `channel`.
    pub async fn put(
        &self,
        grant: &Granted<can::ManageTemplates>,
        event: &str,
        channel: &str,
        sources: &TemplateSources,
    ) -> Result<StoredTemplate, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let now = Timestamp::now();
        let mut tx = self.db.begin_write(scope).await?;
        let old: Option<StoredTemplate> = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "SELECT {COLUMNS} FROM message_templates \
                 WHERE organization_id = $1 AND event = $2 AND channel = $3"
            )))
            .bind(org).bind(event).bind(channel).fetch_optional(conn).await?
        });
        let saved = StoredTemplate {
            event: event.to_owned(),
            channel: channel.to_owned(),
            subject: sources.subject.clone(),
            html: sources.html.clone(),
            text: sources.text.clone(),
            created_at: old.as_ref().map_or(now, |o| o.created_at),
            updated_at: now,
        };
        with_tx!(&mut tx, conn => {
            sqlx::query(
                "INSERT INTO message_templates (organization_id, event, channel, subject, html, \
                 text, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7) \
                 ON CONFLICT (organization_id, event, channel) DO UPDATE SET \
                 subject = excluded.subject, html = excluded.html, text = excluded.text, \
                 updated_at = excluded.updated_at",
            )
            .bind(org).bind(event).bind(channel)
            .bind(&saved.subject).bind(&saved.html).bind(&saved.text).bind(now)
            .execute(conn).await?;
        });
        let change = Change {
            action: format!(
                "message_template.{}",
                if old.is_some() { "updated" } else { "created" }
            )
            .into(),
            target_type: "message_template",
            target_id: None,
            old_values: old.as_ref().and_then(|o| serde_json::to_value(o).ok()),
            new_values: serde_json::to_value(&saved).ok(),
        };
        audit::record_at(&mut tx, org, scope.actor(), scope.ip(), change).await?;
        tx.commit().await?;
        Ok(saved)
    }

    /// Removes the organization's template, so the built-in one applies again. `false` when
    /// there was none.
    pub async fn delete(
        &self,
        grant: &Granted<can::ManageTemplates>,
        event: &str,
        channel: &str,
    ) -> Result<bool, Error> {
        let scope = grant.scope();
        let org = scope.organization_id();
        let mut tx = self.db.begin_write(scope).await?;
        let old: Option<StoredTemplate> = with_tx!(&mut tx, conn => {
            sqlx::query_as(sqlx::AssertSqlSafe(format!(
                "DELETE FROM message_templates \
                 WHERE organization_id = $1 AND event = $2 AND channel = $3 RETURNING {COLUMNS}"
            )))
            .bind(org).bind(event).bind(channel).fetch_optional(conn).await?
        });
        let Some(old) = old else {
            return Ok(false);
        };
        let change = Change {
            action: "message_template.deleted".into(),
            target_type: "message_template",
            target_id: None,
            old_values: serde_json::to_value(&old).ok(),
            new_values: None,
        };
        audit::record_at(&mut tx, org, scope.actor(), scope.ip(), change).await?;
        tx.commit().await?;
        Ok(true)
    }
}
