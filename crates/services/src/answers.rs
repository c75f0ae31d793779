//! An invitee's answers, checked against the event type's questions.

use std::collections::BTreeMap;

use domain::event_types::{Question, QuestionKind};
use serde_json::Value;

use crate::fields::Invalid;

/// Records every answer that does not fit its question, every required question left
/// unanswered, and every answer to a question that was not asked.
pub(crate) fn check(
    invalid: &mut Invalid,
    questions: &[Question],
    answers: &BTreeMap<String, Value>,
) {
    for key in answers.keys() {
        if !questions.iter().any(|q| &q.key == key) {
            invalid.push(
                format!("/answers/{key}"),
                "unknown_question",
                "the event type asks no such question",
            );
        }
    }
    for q in questions {
        let pointer = format!("/answers/{}", q.key);
        let answer = answers.get(&q.key).filter(|v| !is_blank(v));
        let Some(answer) = answer else {
            invalid.check(
                !q.required,
                &pointer,
                "required",
                "this question must be answered",
            );
            continue;
        };
        if let Err(message) = fits(q, answer) {
            invalid.push(pointer, "answer", message);
        }
    }
}

fn is_blank(v: &Value) -> bool {
    match v {
        Value::Null => true,
        Value::String(s) => s.trim().is_empty(),
        Value::Array(a) => a.is_empty(),
        Value::Bool(b) => !b,
        _ => false,
    }
}

fn fits(q: &Question, answer: &Value) -> Result<(), &'static str> {
    let text = answer.as_str();
    let ok = match q.kind {
        QuestionKind::ShortText => text.is_some_and(|t| t.chars().count() <= 1000),
        QuestionKind::LongText => text.is_some_and(|t| t.chars().count() <= 10_000),
        QuestionKind::Select => text.is_some_and(|t| q.options.iter().any(|o| o == t)),
        QuestionKind::MultiSelect => answer.as_array().is_some_and(|items| {
            items
                .iter()
                .all(|i| i.as_str().is_some_and(|t| q.options.iter().any(|o| o == t)))
        }),
        QuestionKind::Checkbox => answer.is_boolean(),
        QuestionKind::Phone => text.is_some_and(is_phone),
        QuestionKind::Email => text.is_some_and(|t| crate::validate::email(t, &()).is_ok()),
        QuestionKind::Number => answer.is_number(),
        QuestionKind::Url => text.is_some_and(is_url),
    };
    if ok {
        Ok(())
    } else {
        Err(match q.kind {
            QuestionKind::ShortText => "must be text of at most 1000 characters",
            QuestionKind::LongText => "must be text of at most 10000 characters",
            QuestionKind::Select => "must be one of the options",
            QuestionKind::MultiSelect => "must be a list of the options",
            QuestionKind::Checkbox => "must be true or false",
            QuestionKind::Phone => "must be a phone number",
            QuestionKind::Email => "must be an e-mail address",
            QuestionKind::Number => "must be a number",
            QuestionKind::Url => "must be an http(s) URL",
        })
    }
}

/// Digits with optional `+`, spaces, dots, dashes and parentheses; 5 to 20 digits.
pub(crate) fn is_phone(text: &str) -> bool {
    let digits = text.chars().filter(char::is_ascii_digit).count();
    (5..=20).contains(&digits)
        && text
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()".contains(c))
        && text.chars().skip(1).all(|c| c != '+')
}

/// An absolute http or https URL with a host.
pub(crate) fn is_url(text: &str) -> bool {
    let rest = text
        .strip_prefix("https://")
        .or_else(|| text.strip_prefix("http://"));
    rest.is_some_and(|r| {
        let host = r.split(['/', '?', '#']).next().unwrap_or_default();
        !host.is_empty() && !text.chars().any(char::is_whitespace) && text.len() <= 2000
    })
}
