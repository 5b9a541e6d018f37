//! What the projector shows so phones can find the class: this machine's LAN addresses, the join URL and its QR code.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

/// This machine's addresses a phone on the same network can reach, best first (private IPv4 before others; no
/// loopback).
pub fn lan_addresses() -> Vec<IpAddr> {
    let Ok(interfaces) = if_addrs::get_if_addrs() else {
        return Vec::new();
    };
    let mut ranked: Vec<(u8, IpAddr)> = interfaces
        .iter()
        .filter(|i| i.oper_status != if_addrs::IfOperStatus::Down)
        .filter_map(|i| rank(&i.name, i.ip()).map(|r| (r, i.ip())))
        .collect();
    // Stable: interfaces of one rank stay in the system's order.
    ranked.sort_by_key(|(r, _)| *r);
    let mut out: Vec<IpAddr> = Vec::new();
    for (_, ip) in ranked {
        if !out.contains(&ip) {
            out.push(ip);
        }
    }
    out
}

/// How likely a phone in the room reaches `ip` on the interface `name` (lower is better), or none when it cannot.
fn rank(name: &str, ip: IpAddr) -> Option<u8> {
    // Container bridges, virtual machines' networks and VPN tunnels carry private addresses a phone on the
    // Wi-Fi cannot reach: shown last, in case the lecturer's set-up is unusual.
    let virtual_if = [
        "docker", "br-", "veth", "virbr", "vmnet", "vboxnet", "tun", "tap", "wg", "utun", "zt",
    ]
    .iter()
    .any(|p| name.starts_with(p));
    let r = match ip {
        IpAddr::V4(v4) if v4.is_loopback() || v4.is_unspecified() || v4.is_multicast() => return None,
        IpAddr::V4(v4) if v4.is_private() => 0,
        IpAddr::V4(v4) if v4.is_link_local() => 4,
        IpAddr::V4(_) => 1,
        IpAddr::V6(v6) if v6.is_loopback() || v6.is_unspecified() || v6.is_multicast() => return None,
        // A link-local IPv6 address needs its zone (`%wlan0`), which a phone's browser cannot take in a URL.
        IpAddr::V6(v6) if v6.is_unicast_link_local() => return None,
        IpAddr::V6(_) => 2,
    };
    Some(if virtual_if { r + 5 } else { r })
}

/// `http://192.168.1.23:8377/c/K7QX3M` (an IPv6 address in brackets).
pub fn join_url(address: IpAddr, port: u16, code: &str) -> String {
    match address {
        IpAddr::V4(v4) => format!("http://{v4}:{port}/c/{code}"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}/c/{code}"),
    }
}

/// The address typed on a phone when no QR code can be scanned: `http://192.168.1.23:8377` (the join form asks
/// for the code).
pub fn base_url(address: IpAddr, port: u16) -> String {
    match address {
        IpAddr::V4(v4) => format!("http://{v4}:{port}"),
        IpAddr::V6(v6) => format!("http://[{v6}]:{port}"),
    }
}

/// Whether `ip` is an address a phone could only reach on this machine or on no network at all.
pub fn is_local_only(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => v4.is_loopback() || v4 == Ipv4Addr::UNSPECIFIED,
        IpAddr::V6(v6) => v6.is_loopback() || v6 == Ipv6Addr::UNSPECIFIED,
    }
}

/// A QR code of `text` as a square of dark/light modules (the app paints it; no image crate needed).
///
/// `width` counts the code's own modules; a scanner also needs a light margin of [`Qr::QUIET_ZONE`] modules
/// around it, which the painter adds.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Qr {
    pub width: usize,
    modules: Vec<bool>,
}

impl Qr {
    /// The light margin a scanner needs around the code, in modules.
    pub const QUIET_ZONE: usize = 4;

    /// The code for `text` with medium error correction (a projector's glare and a phone held at an angle lose
    /// a few modules); none when the text is too long for any QR code.
    pub fn new(text: &str) -> Option<Qr> {
        let code = qrcode::QrCode::with_error_correction_level(text.as_bytes(), qrcode::EcLevel::M).ok()?;
        let width = code.width();
        let modules = code.to_colors().into_iter().map(|c| c == qrcode::Color::Dark).collect();
        Some(Qr { width, modules })
    }

    /// Whether the module at column `x`, row `y` is dark (outside the code: light).
    pub fn dark(&self, x: usize, y: usize) -> bool {
        x < self.width && y < self.width && self.modules.get(y * self.width + x).copied().unwrap_or(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn join_urls_for_both_families() {
        let v4: IpAddr = "192.168.1.23".parse().expect("address");
        assert_eq!(join_url(v4, 8377, "K7QX3M"), "http://192.168.1.23:8377/c/K7QX3M");
        let v6: IpAddr = "fd00::1".parse().expect("address");
        assert_eq!(join_url(v6, 8377, "K7QX3M"), "http://[fd00::1]:8377/c/K7QX3M");
        assert_eq!(base_url(v4, 80), "http://192.168.1.23:80");
    }

    #[test]
    fn private_ipv4_first_loopback_and_link_local_v6_never() {
        let p = |s: &str| s.parse::<IpAddr>().expect("address");
        assert_eq!(rank("wlan0", p("127.0.0.1")), None);
        assert_eq!(rank("wlan0", p("fe80::1")), None);
        assert_eq!(rank("lo", p("::1")), None);
        assert!(rank("wlan0", p("192.168.1.2")) < rank("eth0", p("100.70.1.2")));
        assert!(rank("eth0", p("100.70.1.2")) < rank("wlan0", p("2001:db8::2")));
        assert!(rank("wlan0", p("2001:db8::2")) < rank("docker0", p("172.17.0.1")));
        for ip in lan_addresses() {
            assert!(!is_local_only(ip), "{ip} is not reachable from a phone");
        }
    }

    #[test]
    fn the_qr_code_is_square_with_finder_patterns() {
        let qr = Qr::new("http://192.168.1.23:8377/c/K7QX3M").expect("fits in a QR code");
        assert!(
            qr.width >= 21 && (qr.width - 17).is_multiple_of(4),
            "a QR version's width"
        );
        // The finder pattern's corners are dark and the separator next to it is light.
        assert!(qr.dark(0, 0) && qr.dark(6, 6) && qr.dark(qr.width - 1, 0) && qr.dark(0, qr.width - 1));
        assert!(!qr.dark(7, 7));
        assert!(!qr.dark(qr.width, 0), "outside is light");
        assert!(Qr::new(&"x".repeat(5000)).is_none(), "too long for any version");
    }
}
