//! Templates and page errors. Templates are compiled into the binary and parsed once, on
//! first use; HTML auto-escaping is on for every `.html` template.

use std::sync::OnceLock;

use axum::http::{StatusCode, header};
use axum::response::{Html, IntoResponse, Redirect, Response};
use minijinja::Environment;
use serde::Serialize;
use services::ServiceError;

use crate::problem::ApiError;

/// `(name, source)` of templates under `crates/web/templates/`.
macro_rules! templates {
    ($($name:literal),* $(,)?) => {
        &[$(($name, include_str!(concat!("../../templates/", $name)))),*]
    };
}

const TEMPLATES: &[(&str, &str)] = templates![
    "base.html",
    "error.html",
    "_brandbar.html",
    "calendar.html",
    "book.html",
    "manage.html",
    "organizer.html",
    "team.html",
    "signin.html",
    "forgot.html",
    "set_password.html",
    "account_message.html",
    "routing_form.html",
    "dashboard/base.html",
    "dashboard/_field.html",
    "dashboard/bookings.html",
    "dashboard/reschedule.html",
    "dashboard/availability.html",
    "dashboard/event_types.html",
    "dashboard/event_type_form.html",
    "dashboard/settings.html",
    "dashboard/resources.html",
    "dashboard/webhooks.html",
    "dashboard/webhook.html",
    "dashboard/_workflow_form.html",
    "dashboard/workflows.html",
    "dashboard/workflow.html",
    "dashboard/teams.html",
    "dashboard/team.html",
    "dashboard/routing_forms.html",
    "dashboard/routing_form.html",
    "dashboard/routing_submissions.html",
    "dashboard/calendars.html",
];

fn environment() -> &'static Environment<'static> {
    static ENV: OnceLock<Environment<'static>> = OnceLock::new();
    ENV.get_or_init(|| {
        let mut env = Environment::new();
        for (name, source) in TEMPLATES {
            if let Err(e) = env.add_template(name, source) {
                // A broken template is a build mistake; the page using it answers 500.
                tracing::error!(template = name, error = %e, "template does not parse");
            }
        }
        env.add_function("asset", super::assets::url);
        env
    })
}

/// Renders template `name` with `context`.
pub(crate) fn render(name: &str, context: impl Serialize) -> Result<Html<String>, PageError> {
    let template = environment()
        .get_template(name)
        .map_err(PageError::Template)?;
    template
        .render(context)
        .map(Html)
        .map_err(PageError::Template)
}

/// A rendered page, or an error page.
pub(crate) type Rendered = Result<Response, PageError>;

/// Why a page could not be shown. Renders as an HTML page with the status the API would
/// answer; an unauthenticated dashboard request goes to the sign-in page instead.
#[derive(Debug)]
pub(crate) enum PageError {
    Api(ApiError),
    Template(minijinja::Error),
}

impl From<ApiError> for PageError {
    fn from(e: ApiError) -> Self {
        Self::Api(e)
    }
}

impl From<ServiceError> for PageError {
    fn from(e: ServiceError) -> Self {
        Self::Api(ApiError::from(e))
    }
}

#[derive(Serialize)]
struct ErrorContext<'a> {
    status: u16,
    title: &'a str,
    detail: &'a str,
}

impl IntoResponse for PageError {
    fn into_response(self) -> Response {
        let error = match self {
            Self::Api(e) if e.status() == StatusCode::UNAUTHORIZED => {
                return Redirect::to("/signin").into_response();
            }
            Self::Api(e) => e,
            Self::Template(e) => {
                tracing::error!(error = %e, "template failed");
                ApiError::internal()
            }
        };
        let problem = error.problem();
        let title = match error.status() {
            StatusCode::NOT_FOUND => "Not found",
            StatusCode::FORBIDDEN => "Not allowed",
            StatusCode::TOO_MANY_REQUESTS => "Slow down",
            StatusCode::CONFLICT => "That did not work",
            _ => problem.title.as_str(),
        };
        let context = ErrorContext {
            status: error.status().as_u16(),
            title,
            detail: problem.detail.as_deref().unwrap_or_default(),
        };
        match render("error.html", context) {
            Ok(html) => (error.status(), html).into_response(),
            Err(_) => (
                error.status(),
                [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
                title.to_owned(),
            )
                .into_response(),
        }
    }
}

/// A rendered page as a response, not to be cached (it may hold a CSRF token or a
/// booking's details).
pub(crate) fn page(html: Html<String>) -> Response {
    (
        [
            (header::CACHE_CONTROL, "no-store"),
            (header::X_CONTENT_TYPE_OPTIONS, "nosniff"),
        ],
        html,
    )
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_type_form_renders() {
        let ctx = minijinja::context! {
            chrome => minijinja::context!{ brand => minijinja::context!{accent => "#000000", on_accent => "#ffffff", ink => "#000000"}, csrf => "t", section => "event_types" },
            form => minijinja::context!{ title => "x" },
            errors => minijinja::context!{},
            kinds => "k",
        };
        if let Err(e) = render("dashboard/event_type_form.html", ctx) {
            panic!("{e:?}");
        }
    }

    #[test]
    fn every_template_parses() {
        for (name, _) in TEMPLATES {
            assert!(
                environment().get_template(name).is_ok(),
                "{name} does not parse"
            );
        }
    }
}
