//! Names of the protocols reported by number (EtherTypes, LLC service access points, IP
//! protocol numbers), from `data/protocol_numbers.tsv` (see its header for the format and
//! sources). A frame of EtherType 0x88e3 stays `ether/0x88e3` in reports and policies, and is
//! shown as "MRP (ether/0x88e3)".

use crate::error::MonitorError;
use crate::util::FxMap;
use std::sync::OnceLock;

const DATA: &str = include_str!("../data/protocol_numbers.tsv");

/// Which number space a name belongs to.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum NumberKind {
    /// An EtherType (0x0600 and above).
    Ether,
    /// An IEEE 802.2 LLC destination service access point of an 802.3 length frame.
    Llc,
    /// An IP protocol number.
    Ip,
}

/// A registered protocol name.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct KnownProtocol {
    /// Short label for tables, such as `MRP`.
    pub name: &'static str,
    /// What it is, with its standard.
    pub description: &'static str,
}

/// The longest short name accepted, so tables stay narrow.
const MAX_NAME: usize = 24;

/// Parses the data file; exposed for the test that guards its format.
pub fn parse(data: &'static str) -> Result<FxMap<(NumberKind, u16), KnownProtocol>, MonitorError> {
    let mut map = FxMap::default();
    for (i, line) in data.lines().enumerate() {
        if line.starts_with('#') || line.trim().is_empty() {
            continue;
        }
        let bad = |reason: &str| MonitorError::ProtocolData {
            line: i + 1,
            reason: reason.to_owned(),
        };
        let mut parts = line.split('\t');
        let (Some(kind), Some(number), Some(name), Some(description), None) = (
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
            parts.next(),
        ) else {
            return Err(bad("expected KIND<TAB>NUMBER<TAB>NAME<TAB>DESCRIPTION"));
        };
        let (kind, number) = match kind {
            "ether" => {
                if number.len() != 4 {
                    return Err(bad("an EtherType is four hex digits"));
                }
                let n = u16::from_str_radix(number, 16).map_err(|_| bad("not hex"))?;
                if n < 0x0600 {
                    return Err(bad("below 0x0600 the field is a length, not an EtherType"));
                }
                (NumberKind::Ether, n)
            }
            "llc" => {
                if number.len() != 2 {
                    return Err(bad("a service access point is two hex digits"));
                }
                let n = u8::from_str_radix(number, 16).map_err(|_| bad("not hex"))?;
                (NumberKind::Llc, u16::from(n))
            }
            "ip" => {
                let n: u8 = number
                    .parse()
                    .map_err(|_| bad("an IP protocol number is 0-255"))?;
                (NumberKind::Ip, u16::from(n))
            }
            _ => return Err(bad("KIND must be ether, llc or ip")),
        };
        if name.trim().is_empty() || name.trim() != name || name.chars().count() > MAX_NAME {
            return Err(bad("NAME must be 1-24 characters without outer spaces"));
        }
        if description.trim().is_empty() {
            return Err(bad("DESCRIPTION is empty"));
        }
        let known = KnownProtocol { name, description };
        if map.insert((kind, number), known).is_some() {
            return Err(bad("this number is listed twice"));
        }
    }
    Ok(map)
}

fn table() -> &'static FxMap<(NumberKind, u16), KnownProtocol> {
    static TABLE: OnceLock<FxMap<(NumberKind, u16), KnownProtocol>> = OnceLock::new();
    // The file is part of the crate and checked by a unit test; a defect yields an empty table
    // (numbers shown without names) rather than a panic.
    TABLE.get_or_init(|| parse(DATA).unwrap_or_default())
}

/// The registered name of a number, if listed.
pub fn lookup(kind: NumberKind, number: u16) -> Option<KnownProtocol> {
    table().get(&(kind, number)).copied()
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn data_file_parses_and_names_industrial_protocols() {
        let t = parse(DATA).unwrap();
        assert!(t.len() > 50, "{}", t.len());
        for (kind, number, name) in [
            (NumberKind::Ether, 0x88cc, "LLDP"),
            (NumberKind::Ether, 0x88e3, "MRP"),
            (NumberKind::Ether, 0x8892, "PROFINET"),
            (NumberKind::Ether, 0x88b8, "GOOSE"),
            (NumberKind::Ether, 0x88ba, "Sampled Values"),
            (NumberKind::Ether, 0x88f7, "PTP"),
            (NumberKind::Ether, 0x8100, "VLAN"),
            (NumberKind::Llc, 0x42, "STP"),
            (NumberKind::Ip, 89, "OSPF"),
        ] {
            assert_eq!(
                lookup(kind, number).map(|k| k.name),
                Some(name),
                "{number:#x}"
            );
        }
        assert!(
            lookup(NumberKind::Ether, 0x88e3)
                .unwrap()
                .description
                .contains("IEC 62439-2")
        );
        assert_eq!(lookup(NumberKind::Ether, 0x1234), None);
    }

    #[test]
    fn bad_lines_are_reported_with_their_number() {
        for (text, line) in [
            ("# c\nether\t88e3\tMRP\n", 2),
            ("ether\t0042\tX\tlength, not a type\n", 1),
            ("llc\t4\tX\tone digit\n", 1),
            ("ip\t300\tX\tout of range\n", 1),
            ("udp\t1\tX\tunknown kind\n", 1),
            ("ip\t2\t\tno name\n", 1),
            ("ip\t2\tA name far longer than a table column\tlong\n", 1),
            ("ip\t2\tIGMP\tone\nip\t2\tIGMP\ttwice\n", 2),
        ] {
            let e = parse(text).unwrap_err();
            assert!(
                matches!(e, MonitorError::ProtocolData { line: l, .. } if l == line),
                "{text:?}: {e}"
            );
        }
    }
}
