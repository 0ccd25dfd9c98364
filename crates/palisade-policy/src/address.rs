//! Addresses and ports as rules write them: `10.0.0.0/8`, `192.0.2.1`,
//! `192.0.2.10-192.0.2.20`, `api.example.com`, `*.example.com`; `443`, `8000-8080`.

use std::net::IpAddr;

/// An address of a group or peer, parsed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Address {
    /// A network and its prefix length (a single address: the full length).
    Cidr(IpAddr, u8),
    /// First and last address, both of one family.
    Range(IpAddr, IpAddr),
    /// A name, lowercase.
    Name(String),
    /// `*.example.com`: any name under `example.com` (not `example.com` itself).
    Wildcard(String),
}

pub fn parse_address(text: &str) -> Result<Address, String> {
    let bad = |why: &str| Err(format!("address {text:?}: {why}"));
    if let Some((ip, len)) = text.split_once('/') {
        let Ok(ip) = ip.parse::<IpAddr>() else {
            return bad("not an IP address before the '/'");
        };
        let max = if ip.is_ipv4() { 32 } else { 128 };
        return match len.parse::<u8>() {
            Ok(n) if n <= max => Ok(mapped_cidr(ip, n)),
            _ => bad(&format!("the prefix length is 0 to {max}")),
        };
    }
    if let Ok(ip) = text.parse::<IpAddr>() {
        let len = if ip.is_ipv4() { 32 } else { 128 };
        return Ok(mapped_cidr(ip, len));
    }
    if let Some((a, b)) = text.split_once('-') {
        if let (Ok(a), Ok(b)) = (a.trim().parse::<IpAddr>(), b.trim().parse::<IpAddr>()) {
            let (a, b) = (unmapped(a), unmapped(b));
            return match (a.is_ipv4() == b.is_ipv4(), a <= b) {
                (true, true) => Ok(Address::Range(a, b)),
                (false, _) => bad("a range's ends are of one address family"),
                (true, false) => bad("a range's first address is not after its last"),
            };
        }
    }
    let name = text.to_ascii_lowercase();
    let (wild, rest) = match name.strip_prefix("*.") {
        Some(r) => (true, r),
        None => (false, name.as_str()),
    };
    let label_ok = |l: &str| {
        !l.is_empty()
            && l.len() <= 63
            && l.bytes()
                .all(|c| c.is_ascii_alphanumeric() || c == b'-' || c == b'_')
            && !l.starts_with('-')
            && !l.ends_with('-')
    };
    let trimmed = rest.trim_end_matches('.');
    // A top-level label is never all digits (RFC 3696): `10.0.0.300` is a mistyped address.
    let numeric_top = trimmed
        .rsplit('.')
        .next()
        .is_some_and(|t| t.bytes().all(|c| c.is_ascii_digit()));
    if rest.len() > 253 || numeric_top || !trimmed.split('.').all(label_ok) {
        return bad("not a CIDR, IP address, range or DNS name (`*.` only as its first label)");
    }
    let rest = rest.trim_end_matches('.').to_string();
    Ok(match wild {
        true => Address::Wildcard(rest),
        false => Address::Name(rest),
    })
}

/// An IPv4 address written mapped into IPv6 (`::ffff:10.0.0.1`), as the IPv4 one: peers are
/// matched that way, so a rule written either way holds.
fn unmapped(ip: IpAddr) -> IpAddr {
    match ip {
        IpAddr::V6(v6) => v6.to_ipv4_mapped().map_or(ip, IpAddr::V4),
        v4 => v4,
    }
}

fn mapped_cidr(ip: IpAddr, len: u8) -> Address {
    match (unmapped(ip), ip) {
        (IpAddr::V4(v4), IpAddr::V6(_)) if len >= 96 => Address::Cidr(IpAddr::V4(v4), len - 96),
        _ => Address::Cidr(ip, len),
    }
}

pub fn check_address(text: &str) -> Result<(), String> {
    parse_address(text).map(|_| ())
}

/// A port or range, as `(first, last)`.
pub fn parse_port(text: &str) -> Result<(u16, u16), String> {
    let port = |p: &str| p.trim().parse::<u16>().ok().filter(|&n| n > 0);
    let (a, b) = match text.split_once('-') {
        Some((a, b)) => (port(a), port(b)),
        None => (port(text), port(text)),
    };
    match (a, b) {
        (Some(a), Some(b)) if a <= b => Ok((a, b)),
        (Some(_), Some(_)) => Err(format!(
            "port range {text:?}: its first port is after its last"
        )),
        _ => Err(format!(
            "port {text:?}: a port is 1 to 65535, a range FIRST-LAST"
        )),
    }
}

pub fn check_port(text: &str) -> Result<(), String> {
    parse_port(text).map(|_| ())
}

impl Address {
    /// Whether `ip` is in it (names never hold an address: they are matched by name). An
    /// IPv4 address mapped into IPv6 (`::ffff:10.0.0.1`, as dual-stack sockets report it) is
    /// the IPv4 address.
    pub fn contains(&self, ip: IpAddr) -> bool {
        let ip = ip.to_canonical();
        match *self {
            Address::Cidr(net, len) => in_prefix(net, len, ip),
            Address::Range(a, b) => a.is_ipv4() == ip.is_ipv4() && a <= ip && ip <= b,
            Address::Name(_) | Address::Wildcard(_) => false,
        }
    }

    /// Whether `name` is it (any case, with or without the root's trailing dot).
    pub fn names(&self, name: &str) -> bool {
        let name = name.trim_end_matches('.').to_ascii_lowercase();
        let name = name.as_str();
        match self {
            Address::Name(n) => n == name,
            Address::Wildcard(base) => name
                .strip_suffix(base.as_str())
                .is_some_and(|head| head.len() > 1 && head.ends_with('.')),
            _ => false,
        }
    }
}

fn in_prefix(net: IpAddr, len: u8, ip: IpAddr) -> bool {
    match (net, ip) {
        (IpAddr::V4(n), IpAddr::V4(i)) => {
            let mask = u32::MAX.checked_shl(32 - u32::from(len)).unwrap_or(0);
            u32::from(n) & mask == u32::from(i) & mask
        }
        (IpAddr::V6(n), IpAddr::V6(i)) => {
            let mask = u128::MAX.checked_shl(128 - u32::from(len)).unwrap_or(0);
            u128::from(n) & mask == u128::from(i) & mask
        }
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn addresses_of_every_form() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let net = parse_address("10.0.0.0/8").unwrap();
        assert!(net.contains(ip("10.200.1.1")) && !net.contains(ip("11.0.0.1")));
        assert!(parse_address("0.0.0.0/0").unwrap().contains(ip("8.8.8.8")));
        assert!(parse_address("2001:db8::/32")
            .unwrap()
            .contains(ip("2001:db8::1")));
        assert!(!parse_address("2001:db8::/32")
            .unwrap()
            .contains(ip("10.0.0.1")));
        let range = parse_address("192.0.2.10-192.0.2.20").unwrap();
        assert!(range.contains(ip("192.0.2.15")) && !range.contains(ip("192.0.2.21")));
        let wild = parse_address("*.Example.com").unwrap();
        assert!(wild.names("api.example.com") && !wild.names("example.com"));
        assert!(!wild.names("badexample.com"));
        assert!(parse_address("api.example.com")
            .unwrap()
            .names("API.example.com."));
        assert!(net.contains(ip("::ffff:10.0.0.1")));
        for bad in [
            "10.0.0.0/33",
            "10.0.0.300",
            "a..b",
            "x.*.com",
            "192.0.2.20-192.0.2.1",
            "10.0.0.1-::1",
            "-a.com",
            "",
        ] {
            assert!(parse_address(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn ports_and_ranges() {
        assert_eq!(parse_port("443"), Ok((443, 443)));
        assert_eq!(parse_port("8000-8080"), Ok((8000, 8080)));
        for bad in ["0", "65536", "80-79", "http", "-1", ""] {
            assert!(parse_port(bad).is_err(), "{bad}");
        }
    }
}

/// `ip/len` with the host bits cleared (`10.1.2.3/8` is `10.0.0.0/8`), as text.
pub fn cidr_text(ip: IpAddr, len: u8) -> String {
    let (bits, width) = to_bits(ip);
    let mask = match len {
        0 => 0,
        n => u128::MAX << (width - u32::from(n)),
    };
    format!(
        "{}/{len}",
        from_bits(bits & mask & width_mask(width), ip.is_ipv4())
    )
}

/// The fewest CIDRs that cover exactly `first..=last` (both of one family).
pub fn range_cidrs(first: IpAddr, last: IpAddr) -> Vec<String> {
    let v4 = first.is_ipv4();
    let ((mut a, width), (b, _)) = (to_bits(first), to_bits(last));
    if a == 0 && b == width_mask(width) {
        return vec![format!("{}/0", from_bits(0, v4))];
    }
    let mut out = Vec::new();
    while a <= b {
        // The largest block aligned at `a` that does not pass `b` (never the whole space:
        // that is the case above).
        let mut size = a.trailing_zeros().min(width - 1);
        while size > 0 && a + ((1u128 << size) - 1) > b {
            size -= 1;
        }
        out.push(format!("{}/{}", from_bits(a, v4), width - size));
        match a.checked_add(1u128 << size) {
            Some(next) if next <= width_mask(width) => a = next,
            _ => break,
        }
    }
    out
}

fn width_mask(width: u32) -> u128 {
    match width {
        128 => u128::MAX,
        w => (1u128 << w) - 1,
    }
}

fn to_bits(ip: IpAddr) -> (u128, u32) {
    match ip {
        IpAddr::V4(v) => (u128::from(u32::from(v)), 32),
        IpAddr::V6(v) => (u128::from(v), 128),
    }
}

fn from_bits(bits: u128, v4: bool) -> IpAddr {
    match v4 {
        // Masked to 32 bits above: the conversion cannot fail.
        true => IpAddr::V4(std::net::Ipv4Addr::from(
            u32::try_from(bits).unwrap_or(u32::MAX),
        )),
        false => IpAddr::V6(std::net::Ipv6Addr::from(bits)),
    }
}

#[cfg(test)]
mod cidr_tests {
    use super::*;

    #[test]
    fn ranges_become_the_fewest_cidrs() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        assert_eq!(
            range_cidrs(ip("192.0.2.10"), ip("192.0.2.20")),
            [
                "192.0.2.10/31",
                "192.0.2.12/30",
                "192.0.2.16/30",
                "192.0.2.20/32"
            ]
        );
        assert_eq!(
            range_cidrs(ip("10.0.0.0"), ip("10.255.255.255")),
            ["10.0.0.0/8"]
        );
        assert_eq!(
            range_cidrs(ip("0.0.0.0"), ip("255.255.255.255")),
            ["0.0.0.0/0"]
        );
        assert_eq!(
            range_cidrs(ip("::"), ip("ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff")),
            ["::/0"]
        );
        assert_eq!(
            range_cidrs(ip("2001:db8::1"), ip("2001:db8::1")),
            ["2001:db8::1/128"]
        );
        assert_eq!(
            range_cidrs(ip("255.255.255.254"), ip("255.255.255.255")),
            ["255.255.255.254/31"]
        );
        assert_eq!(cidr_text(ip("10.1.2.3"), 8), "10.0.0.0/8");
        assert_eq!(cidr_text(ip("2001:db8::1"), 32), "2001:db8::/32");
        assert_eq!(cidr_text(ip("10.1.2.3"), 0), "0.0.0.0/0");
    }
}

#[cfg(test)]
mod mapped_tests {
    use super::*;

    #[test]
    fn ipv4_written_in_ipv6_is_the_ipv4_address() {
        let ip = |s: &str| s.parse::<IpAddr>().unwrap();
        let a = parse_address("::ffff:10.0.0.0/104").unwrap();
        assert_eq!(a, Address::Cidr(ip("10.0.0.0"), 8));
        assert!(a.contains(ip("10.1.2.3")));
        assert_eq!(
            parse_address("::ffff:192.0.2.1").unwrap(),
            Address::Cidr(ip("192.0.2.1"), 32)
        );
        assert_eq!(
            parse_address("::ffff:192.0.2.1-::ffff:192.0.2.9").unwrap(),
            Address::Range(ip("192.0.2.1"), ip("192.0.2.9"))
        );
        // A shorter prefix covers more than the mapped range: kept as IPv6.
        assert_eq!(
            parse_address("::ffff:0.0.0.0/80").unwrap(),
            Address::Cidr(ip("::ffff:0.0.0.0"), 80)
        );
    }
}
