//! The dashboard's teams: the list (and a form for a new team, for `teams.manage`), and a
//! team's page with its members and their roles, and the event types the team hosts with
//! their kind, strategy and hosts. Each form calls the `services::teams` /
//! `services::team_event_types` function the JSON API calls; who may do what is theirs to
//! say (a refused change answers 403).

use std::collections::BTreeMap;

use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect};
use axum::routing::{get, post};
use domain::ids::{EventTypeId, TeamId, UserId};
use domain::team_event_types::{HostSettings, Strategy, TeamKind, TeamSettings, TeamSetup};
use domain::teams::TeamRole;
use serde::{Deserialize, Serialize};
use services::ServiceError;
use uuid::Uuid;

use super::Rendered;
use super::kit::{Chrome, chrome, field_errors, private_page};
use super::render::render;
use super::session::{SessionForm, SignedIn};
use crate::state::AppState;

pub(super) fn router() -> Router<AppState> {
    Router::new()
        .route("/dashboard/teams", get(list).post(create))
        .route("/dashboard/teams/{id}", get(show))
        .route("/dashboard/teams/{id}/members", post(put_member))
        .route(
            "/dashboard/teams/{id}/members/{user}/remove",
            post(remove_member),
        )
        .route("/dashboard/teams/{id}/event-types", post(set_event_type))
}

fn signed(scope: services::Scope, csrf: String) -> SignedIn {
    SignedIn { scope, csrf }
}

/// What a form is told of a unique value (a team's slug) another team has.
const TAKEN: &str = "Another team has this already.";

fn page(template: &str, errors_present: bool, context: impl Serialize) -> Rendered {
    let status = if errors_present {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let html = render(template, context)?;
    Ok((status, private_page(html)).into_response())
}

// ----- the list -----

#[derive(Debug, Default, Deserialize, Serialize)]
pub(crate) struct TeamForm {
    #[serde(default)]
    name: String,
    #[serde(default)]
    slug: String,
}

#[derive(Serialize)]
struct TeamRow {
    id: Uuid,
    name: String,
    slug: String,
    public_url: String,
}

#[derive(Serialize)]
struct ListContext {
    chrome: Chrome,
    teams: Vec<TeamRow>,
    creates_teams: bool,
    form: TeamForm,
    errors: BTreeMap<String, String>,
}

async fn list_context(state: &AppState, signed_in: &SignedIn) -> Result<ListContext, ServiceError> {
    let scope = &signed_in.scope;
    let organization = services::organizations::get(&state.db, scope).await?;
    let teams = services::teams::list(&state.db, scope).await?;
    let (chrome, _) = chrome(state, signed_in, "teams")
        .await
        .map_err(|_| ServiceError::NotFound("user"))?;
    Ok(ListContext {
        chrome,
        teams: teams
            .into_iter()
            .map(|t| TeamRow {
                id: t.id.0,
                public_url: format!("/t/{}/{}", organization.slug, t.slug),
                name: t.name,
                slug: t.slug,
            })
            .collect(),
        creates_teams: services::teams::may_create(scope),
        form: TeamForm::default(),
        errors: BTreeMap::new(),
    })
}

/// `/dashboard/teams`.
pub(crate) async fn list(State(state): State<AppState>, signed_in: SignedIn) -> Rendered {
    page(
        "dashboard/teams.html",
        false,
        list_context(&state, &signed_in).await?,
    )
}

pub(crate) async fn create(
    State(state): State<AppState>,
    submitted: SessionForm<TeamForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    match services::teams::create(&state.db, &signed_in.scope, form.slug.trim(), &form.name).await {
        Ok(team) => Ok(Redirect::to(&format!("/dashboard/teams/{}", team.id.0)).into_response()),
        Err(e) => {
            let errors = field_errors(e, "", Some(TAKEN))?;
            let mut context = list_context(&state, &signed_in).await?;
            context.form = form;
            context.errors = errors;
            page("dashboard/teams.html", true, context)
        }
    }
}

// ----- one team -----

#[derive(Serialize)]
struct MemberRow {
    user_id: Uuid,
    name: String,
    email: String,
    role: &'static str,
}

#[derive(Serialize)]
struct Choice {
    value: String,
    label: String,
}

#[derive(Serialize)]
struct HostRow {
    name: String,
    fixed: bool,
    weight: i32,
    priority: i32,
    max_per_day: Option<i32>,
    max_per_week: Option<i32>,
}

#[derive(Serialize)]
struct TeamEventRow {
    id: Uuid,
    title: String,
    kind: &'static str,
    strategy: &'static str,
    hosts: Vec<HostRow>,
}

/// The team event type form as typed: repeated per-host fields arrive as pairs.
#[derive(Debug, Default, Serialize)]
struct TeamEventForm {
    event_type_id: String,
    kind: String,
    strategy: String,
    hosts_per_booking: String,
    max_lead: String,
    /// Ticked hosts, in the members' order.
    hosts: Vec<String>,
    fixed: Vec<String>,
    weights: BTreeMap<String, String>,
    priorities: BTreeMap<String, String>,
    /// Each host's own limits on this event type per day and per week; blank for none.
    max_per_day: BTreeMap<String, String>,
    max_per_week: BTreeMap<String, String>,
}

impl TeamEventForm {
    fn of(pairs: Vec<(String, String)>) -> Self {
        let mut form = Self::default();
        for (name, value) in pairs {
            match name.as_str() {
                "event_type_id" => form.event_type_id = value,
                "kind" => form.kind = value,
                "strategy" => form.strategy = value,
                "hosts_per_booking" => form.hosts_per_booking = value,
                "max_lead" => form.max_lead = value,
                "host" => form.hosts.push(value),
                "fixed" => form.fixed.push(value),
                _ => {
                    if let Some(user) = name.strip_prefix("weight_") {
                        form.weights.insert(user.to_owned(), value);
                    } else if let Some(user) = name.strip_prefix("priority_") {
                        form.priorities.insert(user.to_owned(), value);
                    } else if let Some(user) = name.strip_prefix("max_day_") {
                        form.max_per_day.insert(user.to_owned(), value);
                    } else if let Some(user) = name.strip_prefix("max_week_") {
                        form.max_per_week.insert(user.to_owned(), value);
                    }
                }
            }
        }
        form
    }

    /// The form filled with an event type's team setup, for changing it: every value the
    /// setup has is on the form, so saving without touching a field keeps it.
    fn of_setup(event_type: EventTypeId, setup: &TeamSetup) -> Self {
        let text = |n: Option<i32>| n.map(|n| n.to_string()).unwrap_or_default();
        let mut form = Self {
            event_type_id: event_type.0.to_string(),
            kind: setup.kind.as_str().to_owned(),
            strategy: setup.strategy.as_str().to_owned(),
            hosts_per_booking: setup.hosts_per_booking.to_string(),
            max_lead: setup.max_lead.to_string(),
            ..Self::default()
        };
        for host in &setup.hosts {
            let settings = &host.settings;
            let user = settings.user_id.0.to_string();
            if settings.fixed {
                form.fixed.push(user.clone());
            }
            form.weights
                .insert(user.clone(), settings.weight.to_string());
            form.priorities
                .insert(user.clone(), settings.priority.to_string());
            form.max_per_day
                .insert(user.clone(), text(settings.max_per_day));
            form.max_per_week
                .insert(user.clone(), text(settings.max_per_week));
            form.hosts.push(user);
        }
        form
    }

    /// The service's settings, or the fields that are not even numbers or choices.
    fn settings(
        &self,
        team: TeamId,
    ) -> Result<(EventTypeId, TeamSettings), BTreeMap<String, String>> {
        let mut errors = BTreeMap::new();
        let mut error = |field: &str, message: &str| {
            errors.insert(field.to_owned(), message.to_owned());
        };
        let event_type = Uuid::parse_str(self.event_type_id.trim()).ok();
        if event_type.is_none() {
            error("event_type_id", "Choose an event type.");
        }
        let kind = match self.kind.as_str() {
            "collective" => Some(TeamKind::Collective),
            "round_robin" => Some(TeamKind::RoundRobin),
            _ => None,
        };
        if kind.is_none() {
            error("kind", "Choose collective or round robin.");
        }
        let strategy = Strategy::ALL
            .into_iter()
            .find(|s| s.as_str() == self.strategy);
        if strategy.is_none() {
            error("strategy", "Choose a strategy.");
        }
        let mut number = |field: &str, text: &str, default: i32| -> i32 {
            let text = text.trim();
            if text.is_empty() {
                return default;
            }
            text.parse().unwrap_or_else(|_| {
                errors.insert(field.to_owned(), "Must be a whole number.".to_owned());
                default
            })
        };
        let hosts_per_booking = number("hosts_per_booking", &self.hosts_per_booking, 1);
        let max_lead = number("max_lead", &self.max_lead, 1);
        let mut hosts = Vec::new();
        for host in &self.hosts {
            let Ok(user) = Uuid::parse_str(host) else {
                errors.insert("hosts".to_owned(), "Choose hosts from the team.".to_owned());
                continue;
            };
            let typed = |values: &BTreeMap<String, String>| {
                values.get(host).map_or("", |v| v.trim()).to_owned()
            };
            let mut host_number = |text: String| -> Option<i32> {
                if text.is_empty() {
                    return None;
                }
                text.parse().map(Some).unwrap_or_else(|_| {
                    errors.insert(
                        "hosts".to_owned(),
                        "Weights, priorities and limits are whole numbers.".to_owned(),
                    );
                    None
                })
            };
            hosts.push(HostSettings {
                user_id: UserId(user),
                fixed: self.fixed.iter().any(|f| f == host),
                weight: host_number(typed(&self.weights)).unwrap_or(1),
                priority: host_number(typed(&self.priorities)).unwrap_or(0),
                max_per_day: host_number(typed(&self.max_per_day)),
                max_per_week: host_number(typed(&self.max_per_week)),
            });
        }
        match (event_type, kind, strategy) {
            (Some(event_type), Some(kind), Some(strategy)) if errors.is_empty() => Ok((
                EventTypeId(event_type),
                TeamSettings {
                    team_id: team,
                    kind,
                    strategy,
                    hosts_per_booking,
                    max_lead,
                    hosts,
                },
            )),
            _ => Err(errors),
        }
    }
}

#[derive(Debug, Default, Deserialize)]
pub(crate) struct MemberForm {
    #[serde(default)]
    user_id: String,
    #[serde(default)]
    role: String,
}

#[derive(Serialize)]
struct ShowContext {
    chrome: Chrome,
    team: TeamRow,
    members: Vec<MemberRow>,
    /// Users of the organization who are not members yet.
    candidates: Vec<Choice>,
    event_types: Vec<TeamEventRow>,
    /// Event types the form can make this team's.
    event_type_choices: Vec<Choice>,
    strategies: Vec<&'static str>,
    /// The title of the event type whose team setup the form changes, when it does.
    editing: Option<String>,
    form: TeamEventForm,
    errors: BTreeMap<String, String>,
}

/// The team page; its form is filled with `edit`'s team setup when that is one of the team's
/// event types, and blank otherwise.
async fn show_context(
    state: &AppState,
    signed_in: &SignedIn,
    id: TeamId,
    edit: Option<EventTypeId>,
) -> Result<ShowContext, ServiceError> {
    let scope = &signed_in.scope;
    let team = services::teams::get(&state.db, scope, id).await?;
    let organization = services::organizations::get(&state.db, scope).await?;
    let members = services::teams::members(&state.db, scope, id).await?;
    let users = services::users::list(&state.db, scope).await?;
    let name_of = |user: UserId| {
        users
            .iter()
            .find(|u| u.id == user)
            .map_or_else(|| user.0.to_string(), |u| u.name.clone())
    };
    let mut setups: std::collections::HashMap<_, _> =
        services::team_event_types::of_team(&state.db, scope, id)
            .await?
            .into_iter()
            .collect();
    let mut event_types = Vec::new();
    let mut event_type_choices = Vec::new();
    let mut editing = None;
    for event in services::event_types::list(&state.db, scope, None).await? {
        event_type_choices.push(Choice {
            value: event.id.0.to_string(),
            label: event.fields.title.clone(),
        });
        if let Some(setup) = setups.remove(&event.id) {
            if edit == Some(event.id) {
                editing = Some((
                    event.fields.title.clone(),
                    TeamEventForm::of_setup(event.id, &setup),
                ));
            }
            event_types.push(TeamEventRow {
                id: event.id.0,
                title: event.fields.title,
                kind: setup.kind.as_str(),
                strategy: setup.strategy.as_str(),
                hosts: setup
                    .hosts
                    .iter()
                    .map(|h| HostRow {
                        name: name_of(h.settings.user_id),
                        fixed: h.settings.fixed,
                        weight: h.settings.weight,
                        priority: h.settings.priority,
                        max_per_day: h.settings.max_per_day,
                        max_per_week: h.settings.max_per_week,
                    })
                    .collect(),
            });
        }
    }
    let (chrome, _) = chrome(state, signed_in, "teams")
        .await
        .map_err(|_| ServiceError::NotFound("user"))?;
    Ok(ShowContext {
        chrome,
        team: TeamRow {
            id: team.id.0,
            public_url: format!("/t/{}/{}", organization.slug, team.slug),
            name: team.name,
            slug: team.slug,
        },
        candidates: users
            .iter()
            .filter(|u| !members.iter().any(|m| m.user_id == u.id))
            .map(|u| Choice {
                value: u.id.0.to_string(),
                label: format!("{} ({})", u.name, u.email),
            })
            .collect(),
        members: members
            .iter()
            .map(|m| {
                let user = users.iter().find(|u| u.id == m.user_id);
                MemberRow {
                    user_id: m.user_id.0,
                    name: user.map_or_else(String::new, |u| u.name.clone()),
                    email: user.map_or_else(String::new, |u| u.email.clone()),
                    role: m.role.as_str(),
                }
            })
            .collect(),
        event_types,
        event_type_choices,
        strategies: Strategy::ALL.iter().map(|s| s.as_str()).collect(),
        editing: editing.as_ref().map(|(title, _)| title.clone()),
        form: editing
            .map(|(_, form)| form)
            .unwrap_or_else(|| TeamEventForm {
                kind: "round_robin".to_owned(),
                strategy: "least_recent".to_owned(),
                hosts_per_booking: "1".to_owned(),
                max_lead: "1".to_owned(),
                ..TeamEventForm::default()
            }),
        errors: BTreeMap::new(),
    })
}

/// Which team setup the team page's form changes (`?edit=<event type id>`).
#[derive(Debug, Default, Deserialize)]
pub(crate) struct ShowQuery {
    #[serde(default)]
    edit: Option<Uuid>,
}

/// `/dashboard/teams/{id}`.
pub(crate) async fn show(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    Query(query): Query<ShowQuery>,
    signed_in: SignedIn,
) -> Rendered {
    let edit = query.edit.map(EventTypeId);
    page(
        "dashboard/team.html",
        false,
        show_context(&state, &signed_in, TeamId(id), edit).await?,
    )
}

pub(crate) async fn put_member(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<MemberForm>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let form = submitted.form;
    let team = TeamId(id);
    let role = match form.role.as_str() {
        "lead" => Some(TeamRole::Lead),
        "member" => Some(TeamRole::Member),
        _ => None,
    };
    let user = Uuid::parse_str(form.user_id.trim()).ok().map(UserId);
    let errors = match (user, role) {
        (Some(user), Some(role)) => {
            match services::teams::put_member(&state.db, &signed_in.scope, team, user, role).await {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/dashboard/teams/{id}")).into_response());
                }
                Err(ServiceError::NotFound(_)) => BTreeMap::from([(
                    "member_user_id".to_owned(),
                    "No such person in your organization.".to_owned(),
                )]),
                Err(e) => field_errors(e, "", Some(TAKEN))?,
            }
        }
        (None, _) => BTreeMap::from([("member_user_id".to_owned(), "Choose a person.".to_owned())]),
        (_, None) => BTreeMap::from([(
            "member_role".to_owned(),
            "Choose lead or member.".to_owned(),
        )]),
    };
    let mut context = show_context(&state, &signed_in, team, None).await?;
    context.errors = errors;
    page("dashboard/team.html", true, context)
}

pub(crate) async fn remove_member(
    State(state): State<AppState>,
    Path((id, user)): Path<(Uuid, Uuid)>,
    submitted: SessionForm<super::signin::Empty>,
) -> Rendered {
    services::teams::remove_member(&state.db, &submitted.scope, TeamId(id), UserId(user)).await?;
    Ok(Redirect::to(&format!("/dashboard/teams/{id}")).into_response())
}

pub(crate) async fn set_event_type(
    State(state): State<AppState>,
    Path(id): Path<Uuid>,
    submitted: SessionForm<Vec<(String, String)>>,
) -> Rendered {
    let signed_in = signed(submitted.scope, submitted.csrf);
    let team = TeamId(id);
    let form = TeamEventForm::of(submitted.form);
    let errors = match form.settings(team) {
        Err(errors) => errors,
        Ok((event_type, settings)) => {
            match services::team_event_types::set(&state.db, &signed_in.scope, event_type, settings)
                .await
            {
                Ok(_) => {
                    return Ok(Redirect::to(&format!("/dashboard/teams/{id}")).into_response());
                }
                Err(ServiceError::NotFound(_)) => BTreeMap::from([(
                    "event_type_id".to_owned(),
                    "No such event type in your organization.".to_owned(),
                )]),
                Err(e) => field_errors(e, "", None)?,
            }
        }
    };
    let mut context = show_context(&state, &signed_in, team, None).await?;
    context.form = form;
    context.errors = errors;
    page("dashboard/team.html", true, context)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_team_event_form_reads_hosts_and_numbers() {
        let a = Uuid::from_u128(1).to_string();
        let b = Uuid::from_u128(2).to_string();
        let event = Uuid::from_u128(3).to_string();
        let form = TeamEventForm::of(vec![
            ("event_type_id".into(), event.clone()),
            ("kind".into(), "round_robin".into()),
            ("strategy".into(), "weighted".into()),
            ("host".into(), a.clone()),
            ("host".into(), b.clone()),
            ("fixed".into(), b.clone()),
            (format!("weight_{a}"), "300".into()),
            (format!("priority_{b}"), "".into()),
            (format!("max_day_{a}"), "4".into()),
            (format!("max_week_{b}"), "".into()),
        ]);
        let (_, settings) = form.settings(TeamId(Uuid::nil())).unwrap_or_else(|e| {
            panic!("{e:?}");
        });
        assert_eq!(settings.strategy, Strategy::Weighted);
        assert_eq!(settings.hosts.len(), 2);
        assert_eq!(
            (settings.hosts[0].weight, settings.hosts[0].fixed),
            (300, false)
        );
        assert_eq!(
            (settings.hosts[1].weight, settings.hosts[1].fixed),
            (1, true)
        );
        assert_eq!(
            (
                settings.hosts[0].max_per_day,
                settings.hosts[1].max_per_week
            ),
            (Some(4), None)
        );
        let again = TeamEventForm::of_setup(
            EventTypeId(Uuid::from_u128(3)),
            &TeamSetup {
                team_id: TeamId(Uuid::nil()),
                kind: settings.kind,
                strategy: settings.strategy,
                hosts_per_booking: settings.hosts_per_booking,
                max_lead: settings.max_lead,
                hosts: settings
                    .hosts
                    .iter()
                    .map(|h| domain::team_event_types::EventTypeHost {
                        settings: h.clone(),
                        starting_count: 0.0,
                        created_at: domain::ids::Timestamp::now(),
                    })
                    .collect(),
                updated_at: domain::ids::Timestamp::now(),
            },
        );
        let (_, same) = again.settings(TeamId(Uuid::nil())).unwrap_or_else(|e| {
            panic!("{e:?}");
        });
        assert_eq!(same.hosts, settings.hosts, "a setup survives its form");

        let bad = TeamEventForm::of(vec![
            ("kind".into(), "solo".into()),
            ("strategy".into(), "weighted".into()),
            ("hosts_per_booking".into(), "two".into()),
        ]);
        let errors = bad.settings(TeamId(Uuid::nil())).err().unwrap_or_default();
        let fields: Vec<&str> = errors.keys().map(String::as_str).collect();
        assert_eq!(fields, ["event_type_id", "hosts_per_booking", "kind"]);
    }
}
