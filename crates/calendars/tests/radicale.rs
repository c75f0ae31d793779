//! The CalDAV client against a real Radicale.
#![allow(clippy::unwrap_used)]

use calendars::testing::Radicale;
use calendars::{CalDav, Credentials, SyncChanges};
use rendezvous_calendars as calendars;

fn client() -> outbound::Client {
    outbound::install_crypto_provider();
    outbound::Client::new(outbound::Policy::allowing_loopback()).unwrap()
}

fn event(uid: &str, start: &str) -> String {
    format!(
        "BEGIN:VCALENDAR\r\nVERSION:2.0\r\nPRODID:-//test//EN\r\nBEGIN:VEVENT\r\nUID:{uid}\r\nDTSTAMP:20261101T000000Z\r\nDTSTART:{start}\r\nDURATION:PT1H\r\nSUMMARY:{uid}\r\nEND:VEVENT\r\nEND:VCALENDAR\r\n"
    )
}

#[tokio::test]
async fn discovers_syncs_incrementally_and_writes_with_etags() {
    let radicale = Radicale::start().await;
    let work = radicale.make_calendar("work", "Work").await;
    radicale.make_calendar("home", "Home").await;
    let http = client();
    let credentials = Credentials {
        username: radicale.username.clone(),
        password: radicale.password.clone(),
    };
    let dav = CalDav::new(&http, &credentials);

    // Discovery from the server root.
    let mut found = dav.discover(&radicale.url).await.unwrap();
    found.sort_by(|a, b| a.display_name.cmp(&b.display_name));
    let names: Vec<&str> = found.iter().map(|c| c.display_name.as_str()).collect();
    assert_eq!(names, ["Home", "Work"]);
    assert_eq!(found[1].url, work);

    // First sync: everything, and a token.
    radicale
        .put(&work, "a.ics", &event("a", "20261201T090000Z"))
        .await;
    radicale
        .put(&work, "b.ics", &event("b", "20261202T090000Z"))
        .await;
    let SyncChanges::Delta {
        changed,
        deleted,
        token,
    } = dav.sync_collection(&work, None).await.unwrap()
    else {
        panic!("no delta");
    };
    assert_eq!(changed.len(), 2);
    assert!(deleted.is_empty());
    let token = token.unwrap();

    // Change one, delete one, add one: exactly those come back.
    radicale
        .put(&work, "a.ics", &event("a", "20261203T090000Z"))
        .await;
    radicale.delete(&work, "b.ics").await;
    radicale
        .put(&work, "c.ics", &event("c", "20261204T090000Z"))
        .await;
    let SyncChanges::Delta {
        changed,
        deleted,
        token: next,
    } = dav.sync_collection(&work, Some(&token)).await.unwrap()
    else {
        panic!("no delta");
    };
    let mut urls: Vec<&str> = changed.iter().map(|r| r.url.as_str()).collect();
    urls.sort();
    assert_eq!(urls, [format!("{work}a.ics"), format!("{work}c.ics")]);
    assert!(changed.iter().any(|r| r.data.contains("20261203T090000Z")));
    assert_eq!(deleted, [format!("{work}b.ics")]);
    assert_ne!(next.as_deref(), Some(token.as_str()));

    // An unknown token is rejected, and the full fetch still works.
    let bogus = dav
        .sync_collection(&work, Some("http://radicale.org/ns/sync/deadbeef"))
        .await
        .unwrap();
    assert_eq!(bogus, SyncChanges::TokenRejected);
    let all = dav
        .calendar_query(
            &work,
            "2026-11-01T00:00:00Z".parse().unwrap(),
            "2027-01-01T00:00:00Z".parse().unwrap(),
        )
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
    assert!(dav.sync_token(&work).await.unwrap().is_some());

    // Writing: create only if absent, replace only with the current ETag.
    let url = format!("{work}booking-1.ics");
    let etag = dav
        .put(&url, &event("booking-1", "20261205T090000Z"), None)
        .await
        .unwrap();
    assert!(matches!(
        dav.put(&url, &event("booking-1", "20261205T090000Z"), None)
            .await,
        Err(calendars::Error::PreconditionFailed)
    ));
    let fresh = dav.get(&url).await.unwrap().unwrap();
    assert_eq!(fresh.etag, etag.clone().or(fresh.etag.clone()));
    assert!(matches!(
        dav.put(
            &url,
            &event("booking-1", "20261206T090000Z"),
            Some("\"stale\"")
        )
        .await,
        Err(calendars::Error::PreconditionFailed)
    ));
    dav.put(
        &url,
        &event("booking-1", "20261206T090000Z"),
        fresh.etag.as_deref(),
    )
    .await
    .unwrap();
    assert!(
        radicale
            .get(&url)
            .await
            .unwrap()
            .contains("20261206T090000Z")
    );
    dav.delete(&url, None).await.unwrap();
    assert!(radicale.get(&url).await.is_none());
    dav.delete(&url, None).await.unwrap();

    // Wrong password.
    let wrong = Credentials {
        username: radicale.username.clone(),
        password: "nope".into(),
    };
    assert!(matches!(
        CalDav::new(&http, &wrong).discover(&radicale.url).await,
        Err(calendars::Error::Unauthorized(401))
    ));
}

#[tokio::test]
async fn refuses_internal_addresses_without_an_allow_list() {
    outbound::install_crypto_provider();
    let strict = outbound::Client::new(outbound::Policy::default()).unwrap();
    let credentials = Credentials {
        username: "u".into(),
        password: "p".into(),
    };
    let err = CalDav::new(&strict, &credentials)
        .discover("http://127.0.0.1:9/")
        .await
        .unwrap_err();
    assert!(
        matches!(
            err,
            calendars::Error::Outbound(outbound::Error::Forbidden(_))
        ),
        "{err:?}"
    );
}
