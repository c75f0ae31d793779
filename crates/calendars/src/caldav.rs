//! A CalDAV client: discovery (current-user-principal → calendar-home-set → calendars),
//! incremental sync (RFC 6578 sync-collection) with a calendar-query fallback, and writing
//! events with ETag preconditions.

use outbound::{Method, StatusCode, Url};

use crate::Error;
use crate::dav::{self, CALDAV, DAV, DavResponse};

/// Basic-auth credentials (a password or an app password).
#[derive(Clone)]
pub struct Credentials {
    pub username: String,
    pub password: String,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Credentials")
            .field("username", &self.username)
            .field("password", &"[redacted]")
            .finish()
    }
}

/// A calendar collection found by discovery.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Calendar {
    /// Absolute URL of the collection.
    pub url: String,
    pub display_name: String,
    pub color: Option<String>,
    /// Whether it holds events (some collections hold only tasks).
    pub supports_events: bool,
}

/// A calendar object resource: its absolute URL, ETag and iCalendar text.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Resource {
    pub url: String,
    pub etag: Option<String>,
    pub data: String,
}

/// What changed since a sync token.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum SyncChanges {
    /// Changed or new resources, deleted resource URLs, and the token to keep.
    Delta {
        changed: Vec<Resource>,
        deleted: Vec<String>,
        token: Option<String>,
    },
    /// The server does not know the token (expired, or sync-collection unsupported): fetch
    /// everything again.
    TokenRejected,
}

/// A CalDAV session for one account.
#[derive(Debug, Clone)]
pub struct CalDav<'a> {
    http: &'a outbound::Client,
    credentials: &'a Credentials,
}

const CALENDAR_DATA_PROPS: &str = "<d:prop><d:getetag/><c:calendar-data/></d:prop>";

impl<'a> CalDav<'a> {
    pub fn new(http: &'a outbound::Client, credentials: &'a Credentials) -> Self {
        Self { http, credentials }
    }

    /// The event calendars of the account at `server_url` (the server's root, a
    /// `/.well-known/caldav` address, the principal or the calendar home).
    pub async fn discover(&self, server_url: &str) -> Result<Vec<Calendar>, Error> {
        let base = self.http.check_url(server_url)?;
        let principal = match self.current_user_principal(base.as_str()).await? {
            Some(p) => Some(p),
            None => {
                let well_known = join(&base, "/.well-known/caldav")?;
                self.current_user_principal(well_known.as_str())
                    .await
                    .ok()
                    .flatten()
            }
        };
        // Without a principal, the address may itself be the calendar home.
        let home = match &principal {
            Some(principal) => self
                .calendar_home(principal.as_str())
                .await?
                .unwrap_or(base.clone()),
            None => base.clone(),
        };
        let calendars = self.calendars_in(&home).await?;
        if calendars.is_empty() {
            return Err(Error::NoCalendars);
        }
        Ok(calendars)
    }

    async fn current_user_principal(&self, url: &str) -> Result<Option<Url>, Error> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:current-user-principal/></d:prop></d:propfind>"#;
        let (responses, _) = self.propfind(url, "0", body).await?;
        let base = Url::parse(url).map_err(|e| Error::Malformed(e.to_string()))?;
        responses
            .iter()
            .find_map(|r| {
                r.prop(DAV, "current-user-principal")?
                    .hrefs
                    .first()
                    .cloned()
            })
            .map(|href| join(&base, &href))
            .transpose()
    }

    async fn calendar_home(&self, principal: &str) -> Result<Option<Url>, Error> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:prop><c:calendar-home-set/></d:prop></d:propfind>"#;
        let (responses, _) = self.propfind(principal, "0", body).await?;
        let base = Url::parse(principal).map_err(|e| Error::Malformed(e.to_string()))?;
        responses
            .iter()
            .find_map(|r| r.prop(CALDAV, "calendar-home-set")?.hrefs.first().cloned())
            .map(|href| join(&base, &href))
            .transpose()
    }

    async fn calendars_in(&self, home: &Url) -> Result<Vec<Calendar>, Error> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav" xmlns:a="http://apple.com/ns/ical/"><d:prop><d:resourcetype/><d:displayname/><c:supported-calendar-component-set/><a:calendar-color/></d:prop></d:propfind>"#;
        let (responses, _) = self.propfind(home.as_str(), "1", body).await?;
        let mut calendars = Vec::new();
        for r in responses {
            let is_calendar = r.prop(DAV, "resourcetype").is_some_and(|p| {
                p.children
                    .iter()
                    .any(|(ns, n)| ns == CALDAV && n == "calendar")
            });
            if !is_calendar {
                continue;
            }
            let url = join(home, &r.href)?;
            let supports_events = r
                .prop(CALDAV, "supported-calendar-component-set")
                .is_none_or(|p| p.names.iter().any(|n| n.eq_ignore_ascii_case("VEVENT")));
            let display_name = r
                .prop(DAV, "displayname")
                .map(|p| p.text.clone())
                .filter(|t| !t.is_empty())
                .unwrap_or_else(|| last_segment(&url));
            let color = r
                .props
                .iter()
                .find(|p| p.name == "calendar-color")
                .map(|p| p.text.clone())
                .filter(|t| !t.is_empty());
            calendars.push(Calendar {
                url: url.to_string(),
                display_name,
                color,
                supports_events,
            });
        }
        Ok(calendars)
    }

    /// Changes since `token` (RFC 6578). With no token, every resource is "changed".
    pub async fn sync_collection(
        &self,
        calendar_url: &str,
        token: Option<&str>,
    ) -> Result<SyncChanges, Error> {
        let token_xml = token.map(dav::escape).unwrap_or_default();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><d:sync-collection xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav"><d:sync-token>{token_xml}</d:sync-token><d:sync-level>1</d:sync-level>{CALENDAR_DATA_PROPS}</d:sync-collection>"#
        );
        let response = self
            .send(
                Method::from_bytes(b"REPORT").map_err(|e| Error::Malformed(e.to_string()))?,
                calendar_url,
                Some("1"),
                Some(body),
            )
            .await?;
        let status = response.status();
        // RFC 6578 §3.2: an unknown token is 403 or 409 with DAV:valid-sync-token; servers
        // without sync-collection answer 400, 403, 405 or 501.
        if matches!(status.as_u16(), 400 | 403 | 405 | 409 | 412 | 501)
            && status != StatusCode::UNAUTHORIZED
        {
            return Ok(SyncChanges::TokenRejected);
        }
        let text = self.text(response, "sync-collection").await?;
        let (responses, new_token) = dav::multistatus(&text)?;
        let base = Url::parse(calendar_url).map_err(|e| Error::Malformed(e.to_string()))?;
        let mut changed = Vec::new();
        let mut deleted = Vec::new();
        let mut missing_data = Vec::new();
        for r in responses {
            let url = join(&base, &r.href)?;
            if url.path().trim_end_matches('/') == base.path().trim_end_matches('/') {
                continue;
            }
            if r.status == Some(404) {
                deleted.push(url.to_string());
                continue;
            }
            let etag = r.prop(DAV, "getetag").map(|p| p.text.clone());
            match r.prop(CALDAV, "calendar-data").map(|p| p.text.clone()) {
                Some(data) if !data.is_empty() => changed.push(Resource {
                    url: url.to_string(),
                    etag,
                    data,
                }),
                _ => missing_data.push(url.to_string()),
            }
        }
        if !missing_data.is_empty() {
            changed.extend(self.multiget(calendar_url, &missing_data).await?);
        }
        Ok(SyncChanges::Delta {
            changed,
            deleted,
            token: new_token,
        })
    }

    /// Every event resource with an instance in `[from, until)` (calendar-query with a
    /// time-range filter): the full fetch when there is no usable sync token.
    pub async fn calendar_query(
        &self,
        calendar_url: &str,
        from: jiff::Timestamp,
        until: jiff::Timestamp,
    ) -> Result<Vec<Resource>, Error> {
        let range = |t: jiff::Timestamp| t.strftime("%Y%m%dT%H%M%SZ").to_string();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-query xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">{CALENDAR_DATA_PROPS}<c:filter><c:comp-filter name="VCALENDAR"><c:comp-filter name="VEVENT"><c:time-range start="{}" end="{}"/></c:comp-filter></c:comp-filter></c:filter></c:calendar-query>"#,
            range(from),
            range(until)
        );
        let method = Method::from_bytes(b"REPORT").map_err(|e| Error::Malformed(e.to_string()))?;
        let response = self
            .send(method, calendar_url, Some("1"), Some(body))
            .await?;
        self.resources(calendar_url, response, "calendar-query")
            .await
    }

    /// The current sync token of a collection (after a full fetch, to go incremental).
    pub async fn sync_token(&self, calendar_url: &str) -> Result<Option<String>, Error> {
        let body = r#"<?xml version="1.0" encoding="utf-8"?><d:propfind xmlns:d="DAV:"><d:prop><d:sync-token/></d:prop></d:propfind>"#;
        let (responses, _) = self.propfind(calendar_url, "0", body).await?;
        Ok(responses
            .iter()
            .find_map(|r| r.prop(DAV, "sync-token").map(|p| p.text.clone()))
            .filter(|t| !t.is_empty()))
    }

    async fn multiget(&self, calendar_url: &str, urls: &[String]) -> Result<Vec<Resource>, Error> {
        let hrefs: String = urls
            .iter()
            .filter_map(|u| Url::parse(u).ok())
            .map(|u| format!("<d:href>{}</d:href>", dav::escape(u.path())))
            .collect();
        let body = format!(
            r#"<?xml version="1.0" encoding="utf-8"?><c:calendar-multiget xmlns:d="DAV:" xmlns:c="urn:ietf:params:xml:ns:caldav">{CALENDAR_DATA_PROPS}{hrefs}</c:calendar-multiget>"#
        );
        let method = Method::from_bytes(b"REPORT").map_err(|e| Error::Malformed(e.to_string()))?;
        let response = self
            .send(method, calendar_url, Some("1"), Some(body))
            .await?;
        self.resources(calendar_url, response, "calendar-multiget")
            .await
    }

    async fn resources(
        &self,
        calendar_url: &str,
        response: outbound::Response,
        what: &'static str,
    ) -> Result<Vec<Resource>, Error> {
        let text = self.text(response, what).await?;
        let (responses, _) = dav::multistatus(&text)?;
        let base = Url::parse(calendar_url).map_err(|e| Error::Malformed(e.to_string()))?;
        let mut out = Vec::new();
        for r in responses {
            let Some(data) = r.prop(CALDAV, "calendar-data").map(|p| p.text.clone()) else {
                continue;
            };
            out.push(Resource {
                url: join(&base, &r.href)?.to_string(),
                etag: r.prop(DAV, "getetag").map(|p| p.text.clone()),
                data,
            });
        }
        Ok(out)
    }

    /// The resource at `url`, or `None` if it is gone.
    pub async fn get(&self, url: &str) -> Result<Option<Resource>, Error> {
        let response = self.send(Method::GET, url, None, None).await?;
        if response.status() == StatusCode::NOT_FOUND {
            return Ok(None);
        }
        let etag = header(&response, "etag");
        let data = self.text(response, "GET").await?;
        Ok(Some(Resource {
            url: url.to_owned(),
            etag,
            data,
        }))
    }

    /// Creates (`if_match: None`: only if absent) or replaces (only if the ETag still
    /// matches) the resource at `url`. Returns the new ETag when the server says it.
    pub async fn put(
        &self,
        url: &str,
        ics: &str,
        if_match: Option<&str>,
    ) -> Result<Option<String>, Error> {
        let method = Method::PUT;
        let mut request = self
            .http
            .request(method, url)?
            .basic_auth(&self.credentials.username, Some(&self.credentials.password))
            .header("content-type", "text/calendar; charset=utf-8")
            .body(ics.to_owned());
        request = match if_match {
            Some(etag) => request.header("if-match", etag),
            None => request.header("if-none-match", "*"),
        };
        let response = self.http.send(request).await?;
        let status = response.status();
        if !status.is_success() {
            return Err(Error::status("PUT", status));
        }
        Ok(header(&response, "etag"))
    }

    /// Deletes the resource at `url` if its ETag still matches; gone already is fine.
    pub async fn delete(&self, url: &str, if_match: Option<&str>) -> Result<(), Error> {
        let mut request = self
            .http
            .request(Method::DELETE, url)?
            .basic_auth(&self.credentials.username, Some(&self.credentials.password));
        if let Some(etag) = if_match {
            request = request.header("if-match", etag);
        }
        let response = self.http.send(request).await?;
        let status = response.status();
        if status.is_success() || status == StatusCode::NOT_FOUND || status == StatusCode::GONE {
            return Ok(());
        }
        Err(Error::status("DELETE", status))
    }

    async fn propfind(
        &self,
        url: &str,
        depth: &str,
        body: &str,
    ) -> Result<(Vec<DavResponse>, Option<String>), Error> {
        let method =
            Method::from_bytes(b"PROPFIND").map_err(|e| Error::Malformed(e.to_string()))?;
        let response = self
            .send(method, url, Some(depth), Some(body.to_owned()))
            .await?;
        let text = self.text(response, "PROPFIND").await?;
        dav::multistatus(&text)
    }

    async fn send(
        &self,
        method: Method,
        url: &str,
        depth: Option<&str>,
        body: Option<String>,
    ) -> Result<outbound::Response, Error> {
        let mut request = self
            .http
            .request(method, url)?
            .basic_auth(&self.credentials.username, Some(&self.credentials.password));
        if let Some(depth) = depth {
            request = request.header("depth", depth);
        }
        if let Some(body) = body {
            request = request
                .header("content-type", "application/xml; charset=utf-8")
                .body(body);
        }
        Ok(self.http.send(request).await?)
    }

    async fn text(
        &self,
        response: outbound::Response,
        what: &'static str,
    ) -> Result<String, Error> {
        let status = response.status();
        if !status.is_success() {
            return Err(Error::status(what, status));
        }
        let bytes = self.http.read_body(response).await?;
        String::from_utf8(bytes.to_vec())
            .map_err(|_| Error::Malformed(format!("{what}: not UTF-8")))
    }
}

fn header(response: &outbound::Response, name: &str) -> Option<String> {
    response
        .headers()
        .get(name)
        .and_then(|v| v.to_str().ok())
        .map(str::to_owned)
}

fn join(base: &Url, href: &str) -> Result<Url, Error> {
    base.join(href.trim())
        .map_err(|e| Error::Malformed(format!("href {href:?}: {e}")))
}

fn last_segment(url: &Url) -> String {
    url.path()
        .trim_end_matches('/')
        .rsplit('/')
        .next()
        .unwrap_or_default()
        .to_owned()
}
