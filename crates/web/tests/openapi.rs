//! The OpenAPI document is part of the public interface: a snapshot makes every change to it
//! visible in review. Update with `INSTA_UPDATE=always cargo test -p rendezvous-web`, or
//! `cargo insta review`.

use rendezvous_web as web;

#[test]
fn openapi_document_snapshot() {
    let doc = web::openapi();
    insta::assert_json_snapshot!("openapi", doc);
}

#[test]
fn openapi_is_version_3_1() {
    let doc = serde_json::to_value(web::openapi()).unwrap_or_default();
    assert_eq!(doc["openapi"], "3.1.0");
}
