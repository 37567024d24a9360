//! IPv4 arithmetic for the IP manager: the stored encoding (unsigned address − 2^31, so it
//! fits a signed 32-bit column), parsing of requested resources, the managed network, and
//! the allocator's scan order.

use std::net::Ipv4Addr;

use crate::value::AttrValue;
use crate::{ModelError, ModelResult};

const OFFSET: i64 = 1 << 31;

/// The stored form of an address: `192.168.1.2` → `1084752130`.
pub fn encode(ip: u32) -> i64 {
    i64::from(ip) - OFFSET
}

/// The address of a stored value (the inverse of [`encode`]); out-of-range values wrap.
pub fn decode(encoded: i64) -> u32 {
    (encoded + OFFSET) as u32
}

/// Dotted text of an address.
pub fn dotted(ip: u32) -> String {
    Ipv4Addr::from(ip).to_string()
}

fn parse_dotted(text: &str) -> Option<u32> {
    text.trim().parse::<Ipv4Addr>().ok().map(u32::from)
}

/// A requested resource: dotted text, or an integer in the stored encoding.
pub fn parse_resource(text: &str) -> ModelResult<u32> {
    if let Some(ip) = parse_dotted(text) {
        return Ok(ip);
    }
    text.trim()
        .parse::<i64>()
        .ok()
        .filter(|n| (-OFFSET..OFFSET).contains(n))
        .map(decode)
        .ok_or_else(|| ModelError::Invalid(format!("{text} is not a valid ip.")))
}

/// Checks an IP manager property given at creation (`baseip`, `netmask`, `gateway`).
pub fn check_property(name: &str, value: &AttrValue) -> ModelResult<()> {
    match value {
        AttrValue::Str(s) if parse_dotted(s).is_none() => Err(ModelError::Invalid(format!(
            "The {name} of an IP manager must be a dotted IPv4 address, not {s}."
        ))),
        _ => Ok(()),
    }
}

/// The network an IP manager manages: `baseip/netmask` reduced to its network address.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Network {
    /// Network address.
    pub network: u32,
    /// The netmask.
    pub mask: u32,
    /// The gateway, if set (never handed out automatically).
    pub gateway: Option<u32>,
}

impl Network {
    /// From the manager's properties. `None` when it has no `baseip`.
    pub fn from_properties(
        baseip: Option<&str>,
        netmask: Option<&str>,
        gateway: Option<&str>,
    ) -> Option<Network> {
        let base = parse_dotted(baseip?)?;
        let mask = netmask.and_then(parse_dotted).unwrap_or(u32::MAX);
        Some(Network {
            network: base & mask,
            mask,
            gateway: gateway.and_then(parse_dotted),
        })
    }

    /// The broadcast address.
    pub fn broadcast(&self) -> u32 {
        self.network | !self.mask
    }

    /// Prefix length (`/24`).
    pub fn prefix(&self) -> u32 {
        self.mask.count_ones()
    }

    /// Whether `ip` is inside the network.
    pub fn contains(&self, ip: u32) -> bool {
        ip & self.mask == self.network
    }

    /// Addresses the allocator may hand out, in scan order: from `start` (the last address
    /// handed out, or the first host) up to the one before the broadcast address, then
    /// from the first host up to `start` (the wrap-around). The gateway is skipped.
    pub fn scan_order(&self, start: Option<u32>) -> impl Iterator<Item = u32> + use<> {
        let first = self.network.saturating_add(1);
        let end = self.broadcast();
        let start = start.filter(|s| (first..end).contains(s)).unwrap_or(first);
        let gateway = self.gateway;
        (start..end)
            .chain(first..start)
            .filter(move |ip| Some(*ip) != gateway)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(s: &str) -> u32 {
        parse_dotted(s).unwrap()
    }

    #[test]
    fn the_documented_encoding() {
        assert_eq!(encode(ip("192.168.1.2")), 1_084_752_130);
        assert_eq!(encode(ip("10.0.0.2")), -1_979_711_486);
        assert_eq!(decode(1_084_752_130), ip("192.168.1.2"));
        assert_eq!(parse_resource("1084752130").unwrap(), ip("192.168.1.2"));
        assert_eq!(parse_resource("192.168.1.7").unwrap(), ip("192.168.1.7"));
        assert_eq!(
            parse_resource("nope").unwrap_err().to_string(),
            "nope is not a valid ip."
        );
    }

    #[test]
    fn network_from_baseip_and_mask() {
        let n = Network::from_properties(
            Some("192.168.1.10"),
            Some("255.255.255.0"),
            Some("192.168.1.1"),
        )
        .unwrap();
        assert_eq!(dotted(n.network), "192.168.1.0");
        assert_eq!(dotted(n.broadcast()), "192.168.1.255");
        assert_eq!(n.prefix(), 24);
        let order: Vec<u32> = n.scan_order(None).take(2).collect();
        assert_eq!(order, vec![ip("192.168.1.2"), ip("192.168.1.3")]);
        assert_eq!(n.scan_order(None).count(), 253);
        let wrapped: Vec<u32> = n.scan_order(Some(ip("192.168.1.254"))).take(2).collect();
        assert_eq!(wrapped, vec![ip("192.168.1.254"), ip("192.168.1.2")]);
    }

    #[test]
    fn a_host_mask_has_nothing_to_hand_out() {
        let n = Network::from_properties(Some("10.0.0.1"), None, None).unwrap();
        assert_eq!(n.scan_order(None).count(), 0);
    }
}
