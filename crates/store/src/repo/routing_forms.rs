//! Routing forms and their submissions. A form's fields are questions (as an event type
//! asks them); its routes are tried in order and the first whose condition holds decides,
//! else the fallback.

use std::collections::BTreeMap;

use serde_json::Value;
use sqlx::types::Json;

use crate::permission::{Granted, can};
use crate::repo::audit::{self, Change};
use crate::scope::Scope;
use crate::{Db, Error, Tx, with_pool, with_tx};
use domain::event_types::Question;
use domain::ids::{BookingId, OrganizationId, RoutingFormId, SubmissionId, Timestamp, UserId};
use domain::routing::{Action, FormFields, Route, RoutingForm, Submission};

type FormRow = (
    RoutingFormId,
    OrganizationId,
    Option<UserId>,
    String,
    Json<Vec<Question>>,
    Json<Vec<Route>>,
    Json<Action>,
    Timestamp,
    Timestamp,
);

fn form_of(r: FormRow) -> RoutingForm {
    RoutingForm {
        id: r.0,
        organization_id: r.1,
        owner_user_id: r.2,
        form: FormFields {
            name: r.3,
            fields: r.4.0,
            routes: r.5.0,
            fallback: r.6.0,
        },
        created_at: r.7,
        updated_at: r.8,
    }
}

const FORM_COLUMNS: &str =
    "id, organization_id, owner_user_id, name, fields, routes, fallback, created_at, updated_at";

type SubmissionRow = (
    SubmissionId,
    RoutingFormId,
    Json<BTreeMap<String, Value>>,
    Option<i32>,
    Json<Action>,
    Option<BookingId>,
    Timestamp,
);

fn submission_of(r: SubmissionRow) -> Submission {
    Submission {
        id: r.0,
        form_id: r.1,
        answers: r.2.0,
        matched: r.3,
        route: r.4.0,
        booking_id: r.5,
        created_at: r.6,
    }
}

const SUBMISSION_COLUMNS: &str = "id, form_id, answers, matched, route, booking_id, created_at";

/// Capabilities that let their holder author routing forms: `routing_forms.manage`, and
/// `event_types.manage` (whose holders change only their own forms, see [`ManagedForm`]).
pub trait AuthorsRoutingForms: crate::Capability {}
impl AuthorsRoutingForms for can::ManageRoutingForms {}
impl AuthorsRoutingForms for can::ManageEventTypes {}

/// The right to change or delete one routing form. Held by whoever may manage every form
/// (`routing_forms.manage`, from [`RoutingForms::manage`]) and by the form's owner (from
/// [`RoutingForms::own`], which checks the owner).
#[derive(Clone, Debug)]
pub struct ManagedForm {
    scope: Scope,
    form: RoutingForm,
}

impl ManagedForm {
    pub fn form(&self) -> &RoutingForm {
        &self.form
    }
}

#[derive(Debug)]
pub struct RoutingForms<'a> {
    pub(crate) db: &'a Db,
}

impl RoutingForms<'_> {
    /// A new form, owned by the user the scope acts for.
    pub async fn create<C: AuthorsRoutingForms>(
        &self,
        grant: &Granted<C>,
        form: FormFields,
    ) -> Result<RoutingForm, Error> {
        let scope = grant.scope();
        let now = Timestamp::now();
        let created = RoutingForm {
            id: RoutingFormId::new(),
            organization_id: scope.organization_id(),
            owner_user_id: scope.actor().user_id(),
            form,
            created_at: now,
            updated_at: now,
        };
        let mut tx = self.db.begin_write(scope).await?;
        write(&mut tx, &created, true).await?;
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::created("routing_form", created.id.0, &created),
        )
        .await?;
        tx.commit().await?;
        Ok(created)
    }

    /// Any form of the organization, for those who manage them all.
    pub async fn manage(
        &self,
        grant: &Granted<can::ManageRoutingForms>,
        id: RoutingFormId,
    ) -> Result<ManagedForm, Error> {
        let scope = grant.scope();
        Ok(ManagedForm {
            form: self.get(scope, id).await?,
            scope: scope.clone(),
        })
    }

    /// A form the scope's user created; `None` when it is someone else's.
    pub async fn own(
        &self,
        grant: &Granted<can::ManageEventTypes>,
        id: RoutingFormId,
    ) -> Result<Option<ManagedForm>, Error> {
        let scope = grant.scope();
        let form = self.get(scope, id).await?;
        let mine = form.owner_user_id.is_some() && form.owner_user_id == scope.actor().user_id();
        Ok(mine.then(|| ManagedForm {
            form,
            scope: scope.clone(),
        }))
    }

    pub async fn replace(
        &self,
        managed: &ManagedForm,
        form: FormFields,
    ) -> Result<RoutingForm, Error> {
        let scope = &managed.scope;
        let id = managed.form.id;
        let old = self.get(scope, id).await?;
        let new = RoutingForm {
            form,
            updated_at: Timestamp::now(),
            ..old.clone()
        };
        let mut tx = self.db.begin_write(scope).await?;
        write(&mut tx, &new, false).await?;
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::updated("routing_form", id.0, &old, &new),
        )
        .await?;
        tx.commit().await?;
        Ok(new)
    }

    pub async fn delete(&self, managed: ManagedForm) -> Result<(), Error> {
        let scope = &managed.scope;
        let id = managed.form.id;
        let old = self.get(scope, id).await?;
        let mut tx = self.db.begin_write(scope).await?;
        with_tx!(&mut tx, conn => {
            sqlx::query("DELETE FROM routing_forms WHERE organization_id = $1 AND id = $2")
                .bind(scope.organization_id()).bind(id).execute(conn).await?;
        });
        audit::record_at(
            &mut tx,
            scope.organization_id(),
            scope.actor(),
            scope.ip(),
            Change::deleted("routing_form", id.0, &old),
        )
        .await?;
        tx.commit().await?;
        Ok(())
    }

    pub async fn get(&self, scope: &Scope, id: RoutingFormId) -> Result<RoutingForm, Error> {
        let sql = format!(
            "SELECT {FORM_COLUMNS} FROM routing_forms WHERE organization_id = $1 AND id = $2"
        );
        let row: Option<FormRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(id)
                .fetch_optional(pool).await?
        });
        row.map(form_of).ok_or(Error::NotFound("routing form"))
    }

    pub async fn list(&self, scope: &Scope) -> Result<Vec<RoutingForm>, Error> {
        let sql = format!(
            "SELECT {FORM_COLUMNS} FROM routing_forms WHERE organization_id = $1 ORDER BY name, id"
        );
        let rows: Vec<FormRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id())
                .fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(form_of).collect())
    }

    /// A form and the right to fill it in, for whoever holds its id.
    pub async fn public(&self, id: RoutingFormId) -> Result<PublicForm, Error> {
        let sql = format!("SELECT {FORM_COLUMNS} FROM routing_forms WHERE id = $1");
        let row: Option<FormRow> = with_pool!(self.db, crate::CrossTenant::PublicPage, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(id).fetch_optional(pool).await?
        });
        Ok(PublicForm {
            form: row.map(form_of).ok_or(Error::NotFound("routing form"))?,
        })
    }

    /// The form's submissions, newest first.
    pub async fn submissions(
        &self,
        scope: &Scope,
        form: RoutingFormId,
    ) -> Result<Vec<Submission>, Error> {
        self.get(scope, form).await?;
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM routing_submissions \
             WHERE organization_id = $1 AND form_id = $2 ORDER BY created_at DESC, id DESC LIMIT 500"
        );
        let rows: Vec<SubmissionRow> = with_pool!(self.db, scope, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(scope.organization_id()).bind(form)
                .fetch_all(pool).await?
        });
        Ok(rows.into_iter().map(submission_of).collect())
    }

    /// A submission of organization `org` not yet linked to a booking.
    pub async fn unbooked_submission(
        &self,
        org: OrganizationId,
        id: SubmissionId,
    ) -> Result<Submission, Error> {
        let sql = format!(
            "SELECT {SUBMISSION_COLUMNS} FROM routing_submissions \
             WHERE organization_id = $1 AND id = $2 AND booking_id IS NULL"
        );
        let row: Option<SubmissionRow> = with_pool!(self.db, org, pool => {
            sqlx::query_as(sqlx::AssertSqlSafe(sql)).bind(org).bind(id).fetch_optional(pool).await?
        });
        row.map(submission_of)
            .ok_or(Error::NotFound("routing submission"))
    }
}

async fn write(tx: &mut Tx, form: &RoutingForm, insert: bool) -> Result<(), Error> {
    let sql = if insert {
        "INSERT INTO routing_forms (organization_id, id, name, fields, routes, fallback, \
         created_at, updated_at, owner_user_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)"
    } else {
        "UPDATE routing_forms SET name = $3, fields = $4, routes = $5, fallback = $6, \
         updated_at = $8, owner_user_id = $9 WHERE organization_id = $1 AND id = $2 \
         AND created_at = $7"
    };
    let f = &form.form;
    with_tx!(tx, conn => {
        sqlx::query(sql)
            .bind(form.organization_id).bind(form.id).bind(&f.name).bind(Json(&f.fields))
            .bind(Json(&f.routes)).bind(Json(&f.fallback)).bind(form.created_at)
            .bind(form.updated_at).bind(form.owner_user_id)
            .execute(conn).await?;
    });
    Ok(())
}

/// Routing submissions, inside a unit of work (a booking's).
#[derive(Debug)]
pub struct RoutingFormsTx<'u> {
    unit: &'u mut crate::Unit,
}

impl crate::Unit {
    /// Routing forms' submissions, inside this unit.
    pub fn routing_forms(&mut self) -> RoutingFormsTx<'_> {
        RoutingFormsTx { unit: self }
    }
}

impl RoutingFormsTx<'_> {
    /// Stores a submission of the form with the route it took.
    pub async fn submit(
        &mut self,
        form: &PublicForm,
        answers: BTreeMap<String, Value>,
        matched: Option<i32>,
        route: Action,
        ip: Option<&str>,
    ) -> Result<Submission, Error> {
        let org = self.unit.org;
        if form.form.organization_id != org {
            return Err(Error::NotFound("routing form"));
        }
        let submission = Submission {
            id: SubmissionId::new(),
            form_id: form.form.id,
            answers,
            matched,
            route,
            booking_id: None,
            created_at: Timestamp::now(),
        };
        with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "INSERT INTO routing_submissions (organization_id, id, form_id, answers, matched, \
                 route, booking_id, created_at) VALUES ($1, $2, $3, $4, $5, $6, NULL, $7)",
            )
            .bind(org).bind(submission.id).bind(submission.form_id)
            .bind(Json(&submission.answers)).bind(submission.matched)
            .bind(Json(&submission.route)).bind(submission.created_at)
            .execute(conn).await?;
        });
        audit::record_at(
            &mut self.unit.tx,
            org,
            domain::access::Actor::Invitee,
            ip,
            Change::created("routing_submission", submission.id.0, &submission),
        )
        .await?;
        Ok(submission)
    }

    /// Links a submission to the booking made after it (in this unit, the booking's);
    /// `NotFound` if it is gone or another booking took it first.
    pub async fn link_booking(
        &mut self,
        submission: SubmissionId,
        booking: BookingId,
    ) -> Result<(), Error> {
        let org = self.unit.org;
        let changed = with_tx!(&mut self.unit.tx, conn => {
            sqlx::query(
                "UPDATE routing_submissions SET booking_id = $3 \
                 WHERE organization_id = $1 AND id = $2 AND booking_id IS NULL",
            )
            .bind(org).bind(submission).bind(booking)
            .execute(conn).await?.rows_affected()
        });
        if changed == 0 {
            return Err(Error::NotFound("routing submission"));
        }
        Ok(())
    }
}

/// The right to fill in one form: held by whoever has its id (its public link).
#[derive(Clone, Debug)]
pub struct PublicForm {
    form: RoutingForm,
}

impl PublicForm {
    pub fn form(&self) -> &RoutingForm {
        &self.form
    }
}
