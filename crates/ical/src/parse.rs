//! Content lines (RFC 5545 §3.1) into a tree of components.
//!
//! Lenient by design: calendars in the wild break the grammar in small ways (bare LF line
//! ends, lower-case names, stray lines), and one bad line must not hide a whole calendar's
//! busy time. Lines that are not content lines are skipped; unbalanced `END`s close what is
//! open.

/// One property: `NAME;PARAM=VALUE:value`. The name and parameter names are upper-cased.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Property {
    pub name: String,
    pub params: Vec<(String, Vec<String>)>,
    /// The raw value (text escapes are not undone; see [`crate::value::unescape_text`]).
    pub value: String,
}

impl Property {
    /// The first value of parameter `name` (upper-case).
    pub fn param(&self, name: &str) -> Option<&str> {
        self.params
            .iter()
            .find(|(n, _)| n == name)
            .and_then(|(_, values)| values.first())
            .map(String::as_str)
    }
}

/// A component (`VCALENDAR`, `VEVENT`, `VTIMEZONE`, ...) with its properties and children.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Component {
    pub name: String,
    pub properties: Vec<Property>,
    pub children: Vec<Component>,
}

impl Component {
    /// The first property called `name` (upper-case).
    pub fn property(&self, name: &str) -> Option<&Property> {
        self.properties.iter().find(|p| p.name == name)
    }

    /// Every property called `name`.
    pub fn properties_named<'a>(&'a self, name: &'a str) -> impl Iterator<Item = &'a Property> {
        self.properties.iter().filter(move |p| p.name == name)
    }

    /// Descendants called `name`, depth first.
    pub fn find_all<'a>(&'a self, name: &str, found: &mut Vec<&'a Component>) {
        for child in &self.children {
            if child.name == name {
                found.push(child);
            }
            child.find_all(name, found);
        }
    }
}

/// Parses iCalendar text into its top-level components (usually one `VCALENDAR`).
pub fn parse(text: &str) -> Vec<Component> {
    let mut roots = Vec::new();
    let mut stack: Vec<Component> = Vec::new();
    for line in unfold(text) {
        let Some(property) = content_line(&line) else {
            continue;
        };
        match property.name.as_str() {
            "BEGIN" => stack.push(Component {
                name: property.value.trim().to_ascii_uppercase(),
                ..Component::default()
            }),
            "END" => {
                let name = property.value.trim().to_ascii_uppercase();
                // Close up to and including the matching BEGIN; ignore an END with none.
                if stack.iter().any(|c| c.name == name) {
                    while let Some(done) = stack.pop() {
                        let matched = done.name == name;
                        attach(&mut stack, &mut roots, done);
                        if matched {
                            break;
                        }
                    }
                }
            }
            _ => {
                if let Some(open) = stack.last_mut() {
                    open.properties.push(property);
                }
            }
        }
    }
    // A truncated file: keep what was read.
    while let Some(done) = stack.pop() {
        attach(&mut stack, &mut roots, done);
    }
    roots
}

fn attach(stack: &mut [Component], roots: &mut Vec<Component>, done: Component) {
    match stack.last_mut() {
        Some(parent) => parent.children.push(done),
        None => roots.push(done),
    }
}

/// Joins folded lines: a line starting with a space or tab continues the previous one.
fn unfold(text: &str) -> Vec<String> {
    let mut lines: Vec<String> = Vec::new();
    for raw in text.split('\n') {
        let raw = raw.strip_suffix('\r').unwrap_or(raw);
        match (raw.strip_prefix([' ', '\t']), lines.last_mut()) {
            (Some(rest), Some(last)) => last.push_str(rest),
            _ => lines.push(raw.to_owned()),
        }
    }
    lines
}

/// `name *(";" param) ":" value`; `None` for a line that is not one.
fn content_line(line: &str) -> Option<Property> {
    let name_end = line.find([';', ':'])?;
    let name = line[..name_end].trim().to_ascii_uppercase();
    if name.is_empty() || !name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') {
        return None;
    }
    let mut params = Vec::new();
    let mut rest = &line[name_end..];
    loop {
        if let Some(value) = rest.strip_prefix(':') {
            return Some(Property {
                name,
                params,
                value: value.to_owned(),
            });
        }
        // rest starts with ';': a parameter `NAME=v1,"v:2",...`.
        let body = rest.strip_prefix(';')?;
        let eq = body.find('=')?;
        let param_name = body[..eq].trim().to_ascii_uppercase();
        let mut values = Vec::new();
        let mut current = String::new();
        let mut quoted = false;
        let mut end = None;
        for (at, c) in body[eq + 1..].char_indices() {
            match c {
                '"' => quoted = !quoted,
                ',' if !quoted => values.push(std::mem::take(&mut current)),
                ';' | ':' if !quoted => {
                    end = Some(eq + 1 + at);
                    break;
                }
                other => current.push(other),
            }
        }
        values.push(current);
        params.push((param_name, values));
        rest = &body[end?..];
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_nested_components_params_and_folds() {
        let text = "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nBEGIN:VEVENT\r\nUID:a@b\r\n\
            DTSTART;TZID=\"Europe/Berlin\";X-A=1,2:20261201T090000\r\nSUMMARY:Long\r\n  line\r\n\
            END:VEVENT\r\nEND:VCALENDAR\r\n";
        let roots = parse(text);
        assert_eq!(roots.len(), 1);
        let event = &roots[0].children[0];
        assert_eq!(event.name, "VEVENT");
        let start = event.property("DTSTART").unwrap();
        assert_eq!(start.param("TZID"), Some("Europe/Berlin"));
        assert_eq!(start.value, "20261201T090000");
        assert_eq!(
            start.params[1],
            ("X-A".to_owned(), vec!["1".to_owned(), "2".to_owned()])
        );
        assert_eq!(
            event.property("SUMMARY").map(|p| p.value.as_str()),
            Some("Long line")
        );
    }

    #[test]
    fn quoted_colons_stay_in_params_and_values_keep_colons() {
        let p = content_line("ATTENDEE;CN=\"Doe: Jane\":mailto:jane@example.com");
        let p = p.unwrap();
        assert_eq!(p.param("CN"), Some("Doe: Jane"));
        assert_eq!(p.value, "mailto:jane@example.com");
    }

    #[test]
    fn broken_input_does_not_lose_good_parts() {
        let roots = parse("garbage\nBEGIN:VCALENDAR\nBEGIN:VEVENT\nUID:1\nEND:VTODO\n");
        assert_eq!(roots.len(), 1);
        assert_eq!(roots[0].children.len(), 1);
        assert!(content_line(";x=1:y").is_none());
        assert!(content_line("A;B:c").is_none());
        assert!(content_line("A;B=\"x:y").is_none());
    }
}
