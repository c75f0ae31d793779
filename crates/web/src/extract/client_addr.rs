//! `ClientAddr`: who is on the other end, for rate limits, audit entries and sign-in records.
//!
//! Behind a reverse proxy the TCP peer is the proxy. `X-Forwarded-For` names the real client,
//! but anyone can send that header, so it is believed only as far as the chain of hops is
//! trusted: when the peer is in `trusted_proxies`, the list is read from the right (each
//! proxy appends the address it saw) and the first address that is not itself a trusted
//! proxy is the client. With no trusted proxies (the default) the header is ignored.

use std::net::{IpAddr, SocketAddr};

use axum::extract::{ConnectInfo, FromRequestParts};
use axum::http::HeaderMap;
use axum::http::request::Parts;

use crate::state::AppState;

/// The client's address, as far as it can be told (see the module docs).
#[derive(Debug, Clone)]
pub struct ClientAddr(pub Option<String>);

impl FromRequestParts<AppState> for ClientAddr {
    type Rejection = std::convert::Infallible;

    async fn from_request_parts(
        parts: &mut Parts,
        state: &AppState,
    ) -> Result<Self, Self::Rejection> {
        Ok(Self(client_ip(parts, &state.auth.trusted_proxies)))
    }
}

pub(crate) fn client_ip(parts: &Parts, trusted: &[outbound::Cidr]) -> Option<String> {
    let peer = parts
        .extensions
        .get::<ConnectInfo<SocketAddr>>()
        .map(|ConnectInfo(addr)| addr.ip())?;
    Some(resolve(peer, &parts.headers, trusted).to_string())
}

fn resolve(peer: IpAddr, headers: &HeaderMap, trusted: &[outbound::Cidr]) -> IpAddr {
    let is_trusted = |ip: &IpAddr| trusted.iter().any(|net| net.contains(ip));
    if !is_trusted(&peer) {
        return peer;
    }
    // Several headers are one list, in order.
    let hops: Vec<&str> = headers
        .get_all("x-forwarded-for")
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(','))
        .map(str::trim)
        .collect();
    let mut client = peer;
    for hop in hops.iter().rev() {
        // A hop we cannot read ends the chain we can vouch for.
        let Ok(ip) = hop.parse::<IpAddr>() else {
            break;
        };
        client = ip;
        if !is_trusted(&ip) {
            break;
        }
    }
    client
}

#[cfg(test)]
mod tests {
    use super::*;

    fn headers(values: &[&str]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for value in values {
            if let Ok(value) = value.parse() {
                map.append("x-forwarded-for", value);
            }
        }
        map
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn proxies() -> Vec<outbound::Cidr> {
        ["10.0.0.0/8"]
            .iter()
            .filter_map(|t| t.parse().ok())
            .collect()
    }

    #[test]
    fn without_trusted_proxies_the_header_is_ignored() {
        let h = headers(&["203.0.113.7"]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &[]), ip("10.0.0.1"));
    }

    #[test]
    fn an_untrusted_peer_cannot_claim_another_address() {
        let h = headers(&["203.0.113.7"]);
        assert_eq!(
            resolve(ip("198.51.100.9"), &h, &proxies()),
            ip("198.51.100.9")
        );
    }

    #[test]
    fn the_first_untrusted_hop_from_the_right_is_the_client() {
        // The client forged the leftmost entry; our proxies appended the rest.
        let h = headers(&["1.2.3.4, 203.0.113.7", "10.0.0.2"]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &proxies()), ip("203.0.113.7"));
    }

    #[test]
    fn an_unreadable_hop_ends_the_chain() {
        let h = headers(&["203.0.113.7, garbage, 10.0.0.2"]);
        assert_eq!(resolve(ip("10.0.0.1"), &h, &proxies()), ip("10.0.0.2"));
        let none = headers(&[]);
        assert_eq!(resolve(ip("10.0.0.1"), &none, &proxies()), ip("10.0.0.1"));
    }
}
