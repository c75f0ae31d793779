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

/// The IPv4 Special-Purpose Address Registry (IANA, RFC 6890 and its updates), every entry,
/// globally reachable or not, plus multicast and the reserved class E space. A webhook or a
/// calendar has no business at any of them; an operator who needs one names it in the allow
/// list.
const V4_SPECIAL: [(u32, u8, &str); 19] = [
    (0x0000_0000, 8, "an unspecified (\"this network\") address"),
    (0x0a00_0000, 8, "a private address"),
    (0x6440_0000, 10, "a carrier-grade NAT address"),
    (0x7f00_0000, 8, "a loopback address"),
    (0xa9fe_0000, 16, "a link-local address"),
    (0xac10_0000, 12, "a private address"),
    // PCP and TURN anycast, NAT64 discovery, DS-Lite are all inside this one.
    (0xc000_0000, 24, "an IETF protocol address"),
    (0xc000_0200, 24, "a documentation address"),
    (0xc01f_c400, 24, "an AS112 address"),
    (0xc034_c100, 24, "an AMT address"),
    (0xc058_6300, 24, "a 6to4 relay anycast address"),
    (0xc0a8_0000, 16, "a private address"),
    (0xc0af_3000, 24, "an AS112 address"),
    (0xc612_0000, 15, "a benchmarking address"),
    (0xc633_6400, 24, "a documentation address"),
    (0xcb00_7100, 24, "a documentation address"),
    (0xe000_0000, 4, "a multicast address"),
    (0xf000_0000, 4, "a reserved address"),
    (0xffff_ffff, 32, "the broadcast address"),
];

/// The IPv6 Special-Purpose Address Registry, every entry, plus multicast. IPv4-mapped
/// addresses are judged as the IPv4 address they are (see [`refusal`]).
const V6_SPECIAL: [(u128, u8, &str); 20] = [
    (0, 128, "an unspecified address"),
    (1, 128, "a loopback address"),
    (
        0x0064_ff9b_0000_0000_0000_0000_0000_0000,
        96,
        "an IPv4/IPv6 translation address",
    ),
    (
        0x0064_ff9b_0001_0000_0000_0000_0000_0000,
        48,
        "an IPv4/IPv6 translation address",
    ),
    (
        0x0100_0000_0000_0000_0000_0000_0000_0000,
        64,
        "a discard-only address",
    ),
    (
        0x0100_0000_0000_0001_0000_0000_0000_0000,
        64,
        "a dummy address",
    ),
    (
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        23,
        "an IETF protocol address",
    ),
    (
        0x2001_0db8_0000_0000_0000_0000_0000_0000,
        32,
        "a documentation address",
    ),
    (
        0x2002_0000_0000_0000_0000_0000_0000_0000,
        16,
        "a 6to4 address",
    ),
    (
        0x2620_004f_8000_0000_0000_0000_0000_0000,
        48,
        "an AS112 address",
    ),
    (
        0x3fff_0000_0000_0000_0000_0000_0000_0000,
        20,
        "a documentation address",
    ),
    (
        0x5f00_0000_0000_0000_0000_0000_0000_0000,
        16,
        "a segment routing address",
    ),
    (
        0xfc00_0000_0000_0000_0000_0000_0000_0000,
        7,
        "a unique local (private) address",
    ),
    (
        0xfe80_0000_0000_0000_0000_0000_0000_0000,
        10,
        "a link-local address",
    ),
    (
        0xfec0_0000_0000_0000_0000_0000_0000_0000,
        10,
        "a site-local address",
    ),
    (
        0xff00_0000_0000_0000_0000_0000_0000_0000,
        8,
        "a multicast address",
    ),
    // Inside 2001::/23, named for the reader: Teredo, benchmarking, ORCHIDv2.
    (
        0x2001_0000_0000_0000_0000_0000_0000_0000,
        32,
        "a Teredo address",
    ),
    (
        0x2001_0002_0000_0000_0000_0000_0000_0000,
        48,
        "a benchmarking address",
    ),
    (
        0x2001_0020_0000_0000_0000_0000_0000_0000,
        28,
        "an ORCHIDv2 address",
    ),
    // IPv4-compatible addresses (::a.b.c.d, deprecated) reach the IPv4 network.
    (0, 96, "an IPv4-compatible address"),
];

fn v4_refusal(address: Ipv4Addr) -> Option<&'static str> {
    let bits = u32::from(address);
    V4_SPECIAL
        .iter()
        .find(|(base, len, _)| bits & mask32(*len) == *base)
        .map(|(_, _, why)| *why)
}

fn v6_refusal(address: Ipv6Addr) -> Option<&'static str> {
    let bits = u128::from(address);
    // The most specific entry names the reason (`::1` is a loopback address, not an
    // IPv4-compatible one).
    V6_SPECIAL
        .iter()
        .filter(|(base, len, _)| bits & mask128(*len) == *base)
        .max_by_key(|(_, len, _)| *len)
        .map(|(_, _, why)| *why)
}

fn mask32(len: u8) -> u32 {
    u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0)
}

fn mask128(len: u8) -> u128 {
    u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0)
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
    fn every_iana_special_purpose_range_is_refused() {
        for address in [
            // IPv4: documentation, 6to4 relay, IETF protocol, AS112, AMT, benchmarking,
            // reserved, the edges of each.
            "192.0.2.0",
            "192.0.2.255",
            "198.51.100.7",
            "203.0.113.200",
            "192.88.99.1",
            "192.0.0.9",
            "192.0.0.170",
            "192.31.196.1",
            "192.52.193.1",
            "192.175.48.1",
            "198.18.0.1",
            "198.19.255.255",
            "240.0.0.1",
            "100.127.255.255",
            // IPv6: documentation (both), NAT64 (well-known and local), discard, Teredo,
            // benchmarking, ORCHIDv2, AS112, SRv6, 6to4, IPv4-compatible, site-local.
            "2001:db8::1",
            "2001:db8:ffff::1",
            "3fff::1",
            "64:ff9b::808:808",
            "64:ff9b:1::1",
            "100::1",
            "2001::1",
            "2001:2::1",
            "2001:20::1",
            "2001:1::1",
            "2620:4f:8000::1",
            "5f00::1",
            "2002:808:808::",
            "::8.8.8.8",
            "fec0::1",
        ] {
            assert!(refused(address, &[]), "{address} should be refused");
        }
    }

    #[test]
    fn the_neighbours_of_special_ranges_pass() {
        for address in [
            "192.0.3.1",
            "198.51.101.1",
            "203.0.114.1",
            "192.88.100.1",
            "198.20.0.1",
            "2001:db9::1",
            "2001:200::1",
            "2620:4f:8001::1",
            "4000::1",
        ] {
            assert!(!refused(address, &[]), "{address} should pass");
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
