//! Which addresses a user-supplied URL may reach.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use ipnet::IpNet;

/// Why an address is refused, for the error message and the logs.
pub(crate) fn refusal(address: IpAddr, allow: &[IpNet]) -> Option<&'static str> {
    if allow.iter().any(|net| net.contains(&address)) {
        return None;
    }
    match address {
        IpAddr::V4(v4) => v4_refusal(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            // ::ffff:127.0.0.1 reaches 127.0.0.1; judge it as the IPv4 address it is, but an
            // allow-list entry for the IPv4 form must cover it too.
            Some(v4) => refusal(IpAddr::V4(v4), allow),
            None => v6_refusal(v6),
        },
    }
}

fn v4_refusal(address: Ipv4Addr) -> Option<&'static str> {
    let [a, b, ..] = address.octets();
    if address.is_loopback() {
        Some("a loopback address")
    } else if address.is_private() {
        Some("a private address")
    } else if address.is_link_local() {
        Some("a link-local address")
    } else if address.is_unspecified() || a == 0 {
        Some("an unspecified address")
    } else if address.is_multicast() || address.is_broadcast() || a >= 240 {
        Some("a multicast or reserved address")
    } else if a == 100 && (64..128).contains(&b) {
        Some("a carrier-grade NAT address")
    } else if a == 192 && b == 0 && address.octets()[2] == 0 {
        Some("an IETF protocol address")
    } else if a == 198 && (b == 18 || b == 19) {
        Some("a benchmarking address")
    } else {
        None
    }
}

fn v6_refusal(address: Ipv6Addr) -> Option<&'static str> {
    let first = address.segments()[0];
    if address.is_loopback() {
        Some("a loopback address")
    } else if address.is_unspecified() {
        Some("an unspecified address")
    } else if first & 0xfe00 == 0xfc00 {
        Some("a unique local (private) address")
    } else if first & 0xffc0 == 0xfe80 {
        Some("a link-local address")
    } else if address.is_multicast() {
        Some("a multicast address")
    } else if let Some(v4) = embedded_v4(address) {
        v4_refusal(v4)
    } else {
        None
    }
}

/// IPv4 addresses carried inside IPv6 forms that a host may route to the IPv4 network:
/// IPv4-compatible (::a.b.c.d), NAT64 (64:ff9b::/96) and 6to4 (2002::/16).
fn embedded_v4(address: Ipv6Addr) -> Option<Ipv4Addr> {
    let s = address.segments();
    let from = |hi: u16, lo: u16| Ipv4Addr::from(((hi as u32) << 16) | lo as u32);
    if s[..6] == [0, 0, 0, 0, 0, 0] || s[..6] == [0x64, 0xff9b, 0, 0, 0, 0] {
        Some(from(s[6], s[7]))
    } else if s[0] == 0x2002 {
        Some(from(s[1], s[2]))
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn refused(text: &str, allow: &[&str]) -> bool {
        let allow: Vec<IpNet> = allow
            .iter()
            .map(|a| a.parse().expect("test CIDR"))
            .collect();
        refusal(text.parse().expect("test address"), &allow).is_some()
    }

    #[test]
    fn internal_addresses_are_refused() {
        for address in [
            "127.0.0.1",
            "127.9.9.9",
            "10.1.2.3",
            "172.16.0.1",
            "172.31.255.255",
            "192.168.1.1",
            "169.254.169.254",
            "0.0.0.0",
            "100.64.0.1",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
            "64:ff9b::a9fe:a9fe",
            "2002:7f00:1::",
        ] {
            assert!(refused(address, &[]), "{address} should be refused");
        }
    }

    #[test]
    fn public_addresses_pass() {
        for address in [
            "8.8.8.8",
            "1.1.1.1",
            "172.32.0.1",
            "100.128.0.1",
            "2001:4860:4860::8888",
            "2606:4700::1111",
        ] {
            assert!(!refused(address, &[]), "{address} should pass");
        }
    }

    #[test]
    fn the_allow_list_opens_exactly_what_it_names() {
        assert!(!refused("127.0.0.1", &["127.0.0.0/8"]));
        assert!(!refused("::ffff:127.0.0.1", &["127.0.0.0/8"]));
        assert!(refused("10.0.0.1", &["127.0.0.0/8"]));
        assert!(!refused("10.0.0.1", &["10.0.0.0/24"]));
        assert!(refused("10.0.1.1", &["10.0.0.0/24"]));
    }
}
