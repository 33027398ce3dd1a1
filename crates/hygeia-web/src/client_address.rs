//! The client's address behind trusted reverse proxies.
//!
//! Hygeia trusts `X-Forwarded-For` only when the connection comes from a proxy the operator
//! named (`--trusted-proxy`), and then walks the header from the right, skipping the trusted
//! proxies, to the first address it cannot vouch for. Anything else a client writes in the
//! header is ignored, so it cannot choose the address it is throttled and audited under.

use std::net::IpAddr;
use std::str::FromStr;

/// An address block, such as `10.0.0.0/8` or `::1`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct AddressBlock {
    network: IpAddr,
    prefix: u8,
}

/// A proxy address that is not an IP address or block.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("'{0}' is not an IP address or block (e.g. 10.0.0.5, 10.0.0.0/8, fd00::/8)")]
pub struct BadAddressBlock(pub String);

impl FromStr for AddressBlock {
    type Err = BadAddressBlock;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let bad = || BadAddressBlock(text.to_owned());
        let (address, prefix) = match text.trim().split_once('/') {
            Some((a, p)) => (a, Some(p.parse::<u8>().map_err(|_| bad())?)),
            None => (text.trim(), None),
        };
        let network: IpAddr = address.parse().map_err(|_| bad())?;
        let width = if network.is_ipv4() { 32 } else { 128 };
        let prefix = prefix.unwrap_or(width);
        if prefix > width {
            return Err(bad());
        }
        Ok(Self { network, prefix })
    }
}

fn bits(ip: IpAddr) -> (u128, u8) {
    match ip {
        IpAddr::V4(v4) => (u128::from(u32::from(v4)), 32),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => (u128::from(u32::from(v4)), 32),
            None => (u128::from(v6), 128),
        },
    }
}

impl AddressBlock {
    pub fn contains(&self, ip: IpAddr) -> bool {
        let (net, net_width) = bits(self.network);
        let (addr, addr_width) = bits(ip);
        if net_width != addr_width {
            return false;
        }
        let host_bits = u32::from(net_width - self.prefix.min(net_width));
        let mask = if host_bits >= 128 {
            0
        } else {
            u128::MAX << host_bits
        };
        (net & mask) == (addr & mask)
    }
}

/// The proxies whose `X-Forwarded-For` is believed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct TrustedProxies(pub Vec<AddressBlock>);

impl TrustedProxies {
    fn trusts(&self, ip: IpAddr) -> bool {
        self.0.iter().any(|block| block.contains(ip))
    }

    /// The client's address: the peer's, or, when the peer is a trusted proxy, the rightmost
    /// address of `X-Forwarded-For` that is not itself a trusted proxy.
    pub fn client(&self, peer: IpAddr, forwarded_for: Option<&str>) -> IpAddr {
        if !self.trusts(peer) {
            return peer;
        }
        let mut client = peer;
        for hop in forwarded_for.unwrap_or_default().rsplit(',') {
            match hop.trim().parse::<IpAddr>() {
                Ok(ip) => {
                    client = ip;
                    if !self.trusts(ip) {
                        break;
                    }
                }
                // An unreadable hop: stop at the last address we could vouch for.
                Err(_) => break,
            }
        }
        client
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn ip(text: &str) -> IpAddr {
        text.parse().unwrap_or(IpAddr::from([0, 0, 0, 0]))
    }

    fn proxies(list: &[&str]) -> TrustedProxies {
        TrustedProxies(list.iter().filter_map(|b| b.parse().ok()).collect())
    }

    #[test]
    fn blocks_parse_and_match() {
        let block: AddressBlock = "10.0.0.0/8".parse().unwrap_or(AddressBlock {
            network: ip("0.0.0.0"),
            prefix: 32,
        });
        assert!(block.contains(ip("10.200.1.1")));
        assert!(!block.contains(ip("11.0.0.1")));
        assert!(block.contains(ip("::ffff:10.0.0.1")));
        assert!("10.0.0.0/33".parse::<AddressBlock>().is_err());
        assert!("proxy.local".parse::<AddressBlock>().is_err());
        let all6: Result<AddressBlock, _> = "::/0".parse();
        assert!(all6.is_ok_and(|b| b.contains(ip("2001:db8::1"))));
    }

    #[test]
    fn forwarded_for_is_believed_only_from_trusted_proxies() {
        let trusted = proxies(&["10.0.0.5", "192.168.0.0/16"]);
        // A client cannot pick its own address by writing the header.
        assert_eq!(
            trusted.client(ip("203.0.113.9"), Some("1.2.3.4")),
            ip("203.0.113.9")
        );
        // Behind the proxy: the rightmost untrusted hop, not a spoofed left part.
        assert_eq!(
            trusted.client(ip("10.0.0.5"), Some("6.6.6.6, 198.51.100.7, 192.168.1.1")),
            ip("198.51.100.7")
        );
        assert_eq!(trusted.client(ip("10.0.0.5"), None), ip("10.0.0.5"));
        assert_eq!(
            trusted.client(ip("10.0.0.5"), Some("garbage, 198.51.100.7")),
            ip("198.51.100.7")
        );
        assert_eq!(
            TrustedProxies::default().client(ip("10.0.0.5"), Some("1.2.3.4")),
            ip("10.0.0.5")
        );
    }
}
