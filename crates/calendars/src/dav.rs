//! WebDAV multistatus (RFC 4918 §13) read into owned values.

use crate::Error;

pub(crate) const DAV: &str = "DAV:";
pub(crate) const CALDAV: &str = "urn:ietf:params:xml:ns:caldav";

/// One `<response>`: its href, its own status if any, and the properties that came back
/// with 200.
#[derive(Debug, Default)]
pub(crate) struct DavResponse {
    pub href: String,
    pub status: Option<u16>,
    pub props: Vec<Prop>,
}

/// A property's content, flattened: its text, the hrefs inside it, the names of its child
/// elements (`resourcetype`), and `name` attributes of children (`comp name="VEVENT"`).
#[derive(Debug, Default)]
pub(crate) struct Prop {
    pub namespace: String,
    pub name: String,
    pub text: String,
    pub hrefs: Vec<String>,
    pub children: Vec<(String, String)>,
    pub names: Vec<String>,
}

impl DavResponse {
    pub fn prop(&self, namespace: &str, name: &str) -> Option<&Prop> {
        self.props
            .iter()
            .find(|p| p.namespace == namespace && p.name == name)
    }
}

/// The multistatus's responses and its top-level `sync-token`, if any.
pub(crate) fn multistatus(body: &str) -> Result<(Vec<DavResponse>, Option<String>), Error> {
    let doc = roxmltree::Document::parse(body).map_err(|e| Error::Malformed(e.to_string()))?;
    let root = doc.root_element();
    if !is(root, DAV, "multistatus") {
        return Err(Error::Malformed("expected a DAV:multistatus".into()));
    }
    let mut responses = Vec::new();
    let mut token = None;
    for child in root.children().filter(|n| n.is_element()) {
        if is(child, DAV, "sync-token") {
            token = child.text().map(|t| t.trim().to_owned());
        }
        if !is(child, DAV, "response") {
            continue;
        }
        let mut response = DavResponse::default();
        for part in child.children().filter(|n| n.is_element()) {
            if is(part, DAV, "href") {
                response.href = text_of(part);
            } else if is(part, DAV, "status") {
                response.status = status_code(&text_of(part));
            } else if is(part, DAV, "propstat") {
                let ok = part
                    .children()
                    .find(|n| is(*n, DAV, "status"))
                    .and_then(|s| status_code(&text_of(s)))
                    .is_some_and(|code| (200..300).contains(&code));
                if !ok {
                    continue;
                }
                for prop in part.children().filter(|n| is(*n, DAV, "prop")) {
                    for p in prop.children().filter(|n| n.is_element()) {
                        response.props.push(flatten(p));
                    }
                }
            }
        }
        responses.push(response);
    }
    Ok((responses, token))
}

fn flatten(node: roxmltree::Node<'_, '_>) -> Prop {
    let mut prop = Prop {
        namespace: node.tag_name().namespace().unwrap_or_default().to_owned(),
        name: node.tag_name().name().to_owned(),
        text: text_of(node),
        ..Prop::default()
    };
    for child in node.children().filter(|n| n.is_element()) {
        prop.children.push((
            child.tag_name().namespace().unwrap_or_default().to_owned(),
            child.tag_name().name().to_owned(),
        ));
        if let Some(name) = child.attribute("name") {
            prop.names.push(name.to_owned());
        }
    }
    for href in node.descendants().filter(|n| is(*n, DAV, "href")) {
        prop.hrefs.push(text_of(href));
    }
    prop
}

fn is(node: roxmltree::Node<'_, '_>, namespace: &str, name: &str) -> bool {
    node.is_element()
        && node.tag_name().name() == name
        && node.tag_name().namespace() == Some(namespace)
}

/// All text inside a node (CDATA included), trimmed.
fn text_of(node: roxmltree::Node<'_, '_>) -> String {
    let mut out = String::new();
    for n in node.descendants().filter(|n| n.is_text()) {
        out.push_str(n.text().unwrap_or_default());
    }
    out.trim().to_owned()
}

/// `HTTP/1.1 200 OK` → 200.
fn status_code(line: &str) -> Option<u16> {
    line.split_whitespace().nth(1)?.parse().ok()
}

/// Escapes text for an XML body.
pub(crate) fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn reads_props_hrefs_and_statuses() {
        let body = r#"<?xml version="1.0"?>
<d:multistatus xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">
 <d:response><d:href>/cal/a/</d:href>
  <d:propstat><d:prop><d:resourcetype><d:collection/><c:calendar/></d:resourcetype>
   <d:displayname>Work &amp; more</d:displayname>
   <c:supported-calendar-component-set><c:comp name="VEVENT"/></c:supported-calendar-component-set>
  </d:prop><d:status>HTTP/1.1 200 OK</d:status></d:propstat>
  <d:propstat><d:prop><d:getctag/></d:prop><d:status>HTTP/1.1 404 Not Found</d:status></d:propstat>
 </d:response>
 <d:response><d:href>/cal/a/gone.ics</d:href><d:status>HTTP/1.1 404 Not Found</d:status></d:response>
 <d:sync-token>http://x/sync/2</d:sync-token>
</d:multistatus>"#;
        let (responses, token) = multistatus(body).unwrap();
        assert_eq!(token.as_deref(), Some("http://x/sync/2"));
        assert_eq!(responses.len(), 2);
        let a = &responses[0];
        assert_eq!(a.prop(DAV, "displayname").unwrap().text, "Work & more");
        assert!(
            a.prop(DAV, "resourcetype")
                .unwrap()
                .children
                .contains(&(CALDAV.into(), "calendar".into()))
        );
        assert_eq!(
            a.prop(CALDAV, "supported-calendar-component-set")
                .unwrap()
                .names,
            ["VEVENT"]
        );
        assert!(a.prop("http://calendarserver.org/ns/", "getctag").is_none());
        assert_eq!(responses[1].status, Some(404));
        assert!(multistatus("<nope/>").is_err());
        assert!(multistatus("not xml").is_err());
    }
}
