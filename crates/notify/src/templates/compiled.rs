//! Compiled templates, kept for the next message: a booking sends two e-mails or more, and
//! compiling a template (building the sandbox's environment, parsing the source twice: once
//! for the subset check, once for minijinja) cost more than rendering it.
//!
//! One environment per part and source, holding that one template. The cache is bounded:
//! when it holds [`MAX_COMPILED`] sources of a part it starts again empty, so an
//! organization that edits its templates often cannot grow it. A source that does not
//! compile, or is outside the subset, is never kept (it is refused each time, as before).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, PoisonError};

use minijinja::Environment;

use super::{Part, TemplateError, sandbox};

/// Sources kept per part: the built-in ones and those of the organizations writing now.
pub const MAX_COMPILED: usize = 256;

type Compiled = Arc<Environment<'static>>;

/// One map per [`Part`] (subject, HTML, text), keyed by the template's source.
static CACHE: LazyLock<[Mutex<HashMap<String, Compiled>>; 3]> =
    LazyLock::new(|| std::array::from_fn(|_| Mutex::new(HashMap::new())));

fn slot(part: Part) -> &'static Mutex<HashMap<String, Compiled>> {
    let index = match part {
        Part::Subject => 0,
        Part::Html => 1,
        Part::Text => 2,
    };
    &CACHE[index]
}

/// The environment holding `source` as `part` (under [`Part::file_name`]), compiled once.
pub(super) fn environment(part: Part, source: &str) -> Result<Compiled, TemplateError> {
    // A poisoned lock only means another thread panicked while holding it; the map itself
    // is always whole (inserts and clears do not panic midway).
    if let Some(env) = slot(part)
        .lock()
        .unwrap_or_else(PoisonError::into_inner)
        .get(source)
    {
        return Ok(Arc::clone(env));
    }
    let engine = |source| TemplateError::Engine { part, source };
    let mut env = sandbox::environment();
    env.add_template_owned(part.file_name(), source.to_owned())
        .map_err(engine)?;
    if let Some(reason) = sandbox::refusal(source, part.file_name()) {
        return Err(TemplateError::NotAllowed { part, reason });
    }
    let env = Arc::new(env);
    let mut cache = slot(part).lock().unwrap_or_else(PoisonError::into_inner);
    if cache.len() >= MAX_COMPILED {
        cache.clear();
    }
    cache.insert(source.to_owned(), Arc::clone(&env));
    Ok(env)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_source_is_compiled_once_and_refusals_are_not_kept() {
        let source = "Hello {{ name }} (compiled once)";
        let first = environment(Part::Text, source).unwrap();
        let second = environment(Part::Text, source).unwrap();
        assert!(Arc::ptr_eq(&first, &second));

        let refused = "{{ range(3) }} (a call, outside the subset)";
        assert!(matches!(
            environment(Part::Text, refused),
            Err(TemplateError::NotAllowed { .. })
        ));
        assert!(!slot(Part::Text).lock().unwrap().contains_key(refused));
        assert!(environment(Part::Text, "{% if %}").is_err());
        assert!(!slot(Part::Text).lock().unwrap().contains_key("{% if %}"));
    }

    #[test]
    fn the_cache_never_holds_more_than_its_bound() {
        for n in 0..(MAX_COMPILED + 10) {
            environment(Part::Subject, &format!("subject {n} {{{{ title }}}}")).unwrap();
        }
        assert!(slot(Part::Subject).lock().unwrap().len() <= MAX_COMPILED);
    }
}
