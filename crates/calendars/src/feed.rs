//! ICS feeds: a calendar published at a URL, fetched whole, with conditional requests so an
//! unchanged feed costs one round trip and no parsing.

use outbound::{Method, StatusCode};

use crate::Error;

/// The result of fetching a feed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FeedFetch {
    /// 304: what we have is current.
    NotModified,
    Body {
        text: String,
        etag: Option<String>,
        last_modified: Option<String>,
    },
}

/// GETs `url`, sending `If-None-Match`/`If-Modified-Since` from the last fetch.
pub async fn fetch_feed(
    http: &outbound::Client,
    url: &str,
    etag: Option<&str>,
    last_modified: Option<&str>,
) -> Result<FeedFetch, Error> {
    // webcal:// is how feeds are often shared; it is plain HTTP(S) underneath.
    let url = match url.strip_prefix("webcal://") {
        Some(rest) => format!("https://{rest}"),
        None => url.to_owned(),
    };
    let mut request = http
        .request(Method::GET, &url)?
        .header("accept", "text/calendar, */*;q=0.5");
    if let Some(etag) = etag {
        request = request.header("if-none-match", etag);
    }
    if let Some(last_modified) = last_modified {
        request = request.header("if-modified-since", last_modified);
    }
    let response = http.send(request).await?;
    let status = response.status();
    if status == StatusCode::NOT_MODIFIED {
        return Ok(FeedFetch::NotModified);
    }
    if !status.is_success() {
        return Err(Error::status("the feed", status));
    }
    let header = |name: &str| {
        response
            .headers()
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let (etag, last_modified) = (header("etag"), header("last-modified"));
    let bytes = http.read_body(response).await?;
    let text = String::from_utf8_lossy(&bytes).into_owned();
    if !text.contains("BEGIN:VCALENDAR") {
        return Err(Error::Malformed("the feed is not an iCalendar file".into()));
    }
    Ok(FeedFetch::Body {
        text,
        etag,
        last_modified,
    })
}
