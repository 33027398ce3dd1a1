//! Streaming capture input: pcap (micro- and nanosecond, both byte orders) and pcapng, from any
//! [`Read`] (file, pipe, standard input). Memory is bounded by the read buffer, which grows only
//! to hold one oversized record and never beyond [`MAX_RECORD`].

pub mod link;
pub mod window;

use crate::error::MonitorError;
use pcap_parser::pcapng::Block;
use pcap_parser::traits::{PcapNGPacketBlock, PcapReaderIterator};
use pcap_parser::{PcapBlockOwned, PcapError, create_reader};
use serde::{Serialize, Serializer};
use std::io::Read;

/// Initial read buffer.
const BUFFER: usize = 1 << 20;
/// Largest record we accept before giving up on a source (a corrupt length field).
pub const MAX_RECORD: usize = 16 << 20;

/// Why a packet or a record was skipped.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Malformed {
    /// The capture ends in the middle of a record.
    TruncatedRecord,
    /// A record claims to be larger than [`MAX_RECORD`].
    OversizedRecord,
    /// A pcapng block could not be parsed.
    BadBlock,
    /// A packet refers to a pcapng interface that was never described.
    UnknownInterface,
    /// The link-layer header is shorter than its type requires.
    LinkHeader,
    /// The link type is not supported.
    UnsupportedLinkType,
    /// The IPv4/IPv6 header is invalid or truncated.
    IpHeader,
    /// The TCP/UDP header is invalid or truncated.
    TransportHeader,
}

impl Malformed {
    /// Every reason, in counter order.
    pub const ALL: [Malformed; 8] = [
        Malformed::TruncatedRecord,
        Malformed::OversizedRecord,
        Malformed::BadBlock,
        Malformed::UnknownInterface,
        Malformed::LinkHeader,
        Malformed::UnsupportedLinkType,
        Malformed::IpHeader,
        Malformed::TransportHeader,
    ];
    /// Stable snake-case name used in the report.
    pub const fn name(self) -> &'static str {
        match self {
            Malformed::TruncatedRecord => "truncated_record",
            Malformed::OversizedRecord => "oversized_record",
            Malformed::BadBlock => "bad_block",
            Malformed::UnknownInterface => "unknown_interface",
            Malformed::LinkHeader => "link_header",
            Malformed::UnsupportedLinkType => "unsupported_link_type",
            Malformed::IpHeader => "ip_header",
            Malformed::TransportHeader => "transport_header",
        }
    }
    const fn index(self) -> usize {
        match self {
            Malformed::TruncatedRecord => 0,
            Malformed::OversizedRecord => 1,
            Malformed::BadBlock => 2,
            Malformed::UnknownInterface => 3,
            Malformed::LinkHeader => 4,
            Malformed::UnsupportedLinkType => 5,
            Malformed::IpHeader => 6,
            Malformed::TransportHeader => 7,
        }
    }
}

/// Counters of skipped input, by reason.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct MalformedCounts([u64; 8]);

impl MalformedCounts {
    /// Counts one occurrence.
    pub fn add(&mut self, why: Malformed) {
        if let Some(c) = self.0.get_mut(why.index()) {
            *c = c.saturating_add(1);
        }
    }
    /// Occurrences of one reason.
    pub fn get(&self, why: Malformed) -> u64 {
        self.0.get(why.index()).copied().unwrap_or(0)
    }
    /// Sum over all reasons.
    pub fn total(&self) -> u64 {
        self.0.iter().fold(0u64, |a, b| a.saturating_add(*b))
    }
    /// Adds another set of counters.
    pub fn merge(&mut self, o: &MalformedCounts) {
        for why in Malformed::ALL {
            if let Some(c) = self.0.get_mut(why.index()) {
                *c = c.saturating_add(o.get(why));
            }
        }
    }
}

impl Serialize for MalformedCounts {
    /// A map from reason to count, listing only reasons that occurred.
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.collect_map(
            Malformed::ALL
                .into_iter()
                .filter(|w| self.get(*w) > 0)
                .map(|w| (w.name(), self.get(w))),
        )
    }
}

/// One captured frame, borrowed from the reader's buffer.
#[derive(Clone, Copy, Debug)]
pub struct RawPacket<'a> {
    /// Zero-based index over all sources of one analysis (`frame.number - 1` in Wireshark terms
    /// for a single file).
    pub index: u64,
    /// Timestamp, nanoseconds since the Unix epoch.
    pub ts_ns: u64,
    /// Link type (LINKTYPE_* value).
    pub linktype: i32,
    /// Length on the wire.
    pub orig_len: u32,
    /// Captured bytes.
    pub data: &'a [u8],
}

/// What a reader learnt about one source, besides its packets.
#[derive(Clone, Copy, Debug, Default)]
pub struct SourceSummary {
    /// Packet records delivered.
    pub packets: u64,
    /// Records or blocks skipped while reading (packets with bad link headers are counted by
    /// the caller).
    pub malformed: MalformedCounts,
    /// True if the source was pcapng.
    pub pcapng: bool,
}

#[derive(Clone, Copy)]
struct Iface {
    linktype: i32,
    /// Timestamp units per second.
    resolution: u64,
    offset_s: i64,
}

/// Reads a whole capture from `input`, calling `on_packet` for each frame. `first_index` is the
/// index of the first packet (so several sources get distinct indices). Malformed records are
/// counted, and a source whose framing is lost (truncated or corrupt record) is read up to that
/// point: that is not an error. Only an input that is not a capture at all, or an I/O error, is.
pub fn read_capture<R, F>(
    source_name: &str,
    input: R,
    first_index: u64,
    mut on_packet: F,
) -> Result<SourceSummary, MonitorError>
where
    R: Read + Send,
    F: FnMut(&RawPacket<'_>),
{
    let mut summary = SourceSummary::default();
    let mut rdr = match create_reader(BUFFER, input) {
        Ok(r) => r,
        Err(PcapError::Eof) => {
            return Err(MonitorError::Format {
                source_name: source_name.to_owned(),
                reason: "empty input".to_owned(),
            });
        }
        Err(PcapError::ReadError) => {
            return Err(MonitorError::Io {
                path: source_name.into(),
                source: std::io::Error::other("read error"),
            });
        }
        Err(e) => {
            return Err(MonitorError::Format {
                source_name: source_name.to_owned(),
                reason: e.to_string(),
            });
        }
    };
    let mut capacity = BUFFER;
    let mut legacy: Option<(i32, bool)> = None;
    let mut ifaces: Vec<Iface> = Vec::new();
    let mut index = first_index;
    loop {
        match rdr.next() {
            Ok((offset, block)) => {
                match block {
                    PcapBlockOwned::LegacyHeader(h) => {
                        legacy = Some((h.network.0, h.is_nanosecond_precision()));
                    }
                    PcapBlockOwned::Legacy(b) => {
                        let (linktype, nanos) = legacy.unwrap_or((1, false));
                        let sub = u64::from(b.ts_usec);
                        let sub_ns = if nanos { sub } else { sub.saturating_mul(1000) };
                        let ts_ns = u64::from(b.ts_sec)
                            .saturating_mul(1_000_000_000)
                            .saturating_add(sub_ns);
                        on_packet(&RawPacket {
                            index,
                            ts_ns,
                            linktype,
                            orig_len: b.origlen,
                            data: b.data,
                        });
                        index = index.saturating_add(1);
                        summary.packets = summary.packets.saturating_add(1);
                    }
                    PcapBlockOwned::NG(Block::SectionHeader(_)) => {
                        summary.pcapng = true;
                        ifaces.clear();
                    }
                    PcapBlockOwned::NG(Block::InterfaceDescription(idb)) => {
                        ifaces.push(Iface {
                            linktype: idb.linktype.0,
                            resolution: idb.ts_resolution().unwrap_or(1_000_000).max(1),
                            offset_s: idb.ts_offset(),
                        });
                    }
                    PcapBlockOwned::NG(Block::EnhancedPacket(epb)) => {
                        let iface = usize::try_from(epb.if_id)
                            .ok()
                            .and_then(|i| ifaces.get(i).copied());
                        match iface {
                            Some(ifc) => {
                                let units = (u64::from(epb.ts_high) << 32) | u64::from(epb.ts_low);
                                let ns =
                                    u128::from(units) * 1_000_000_000 / u128::from(ifc.resolution);
                                let ns = u64::try_from(ns).unwrap_or(u64::MAX);
                                let off = ifc.offset_s.saturating_mul(1_000_000_000);
                                let ts_ns = ns.saturating_add_signed(off);
                                on_packet(&RawPacket {
                                    index,
                                    ts_ns,
                                    linktype: ifc.linktype,
                                    orig_len: epb.origlen,
                                    data: epb.packet_data(),
                                });
                            }
                            None => summary.malformed.add(Malformed::UnknownInterface),
                        }
                        index = index.saturating_add(1);
                        summary.packets = summary.packets.saturating_add(1);
                    }
                    PcapBlockOwned::NG(Block::SimplePacket(spb)) => {
                        match ifaces.first().copied() {
                            Some(ifc) => on_packet(&RawPacket {
                                index,
                                ts_ns: 0,
                                linktype: ifc.linktype,
                                orig_len: spb.origlen,
                                data: spb.packet_data(),
                            }),
                            None => summary.malformed.add(Malformed::UnknownInterface),
                        }
                        index = index.saturating_add(1);
                        summary.packets = summary.packets.saturating_add(1);
                    }
                    PcapBlockOwned::NG(_) => {}
                }
                rdr.consume(offset);
            }
            Err(PcapError::Eof) => break,
            Err(PcapError::Incomplete(_)) => {
                refill(&mut *rdr, source_name)?;
            }
            Err(PcapError::BufferTooSmall) => {
                let next = capacity.saturating_mul(2);
                if next > MAX_RECORD || !rdr.grow(next) {
                    summary.malformed.add(Malformed::OversizedRecord);
                    break;
                }
                capacity = next;
                refill(&mut *rdr, source_name)?;
            }
            Err(PcapError::UnexpectedEof) => {
                summary.malformed.add(Malformed::TruncatedRecord);
                break;
            }
            Err(PcapError::ReadError) => {
                return Err(MonitorError::Io {
                    path: source_name.into(),
                    source: std::io::Error::other("read error"),
                });
            }
            Err(_) => {
                // Framing is lost: a pcap record or pcapng block we cannot parse. We cannot
                // resynchronise reliably, so the rest of this source is skipped.
                summary.malformed.add(Malformed::BadBlock);
                break;
            }
        }
    }
    Ok(summary)
}

fn refill(rdr: &mut dyn PcapReaderIterator, source_name: &str) -> Result<(), MonitorError> {
    rdr.refill().map_err(|_| MonitorError::Io {
        path: source_name.into(),
        source: std::io::Error::other("read error"),
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
pub(crate) mod tests {
    use super::*;

    /// Writes a classic little-endian pcap with the given magic and frames.
    pub(crate) fn pcap_bytes(magic: u32, linktype: u32, frames: &[(u32, u32, &[u8])]) -> Vec<u8> {
        let mut v = Vec::new();
        v.extend_from_slice(&magic.to_le_bytes());
        v.extend_from_slice(&2u16.to_le_bytes());
        v.extend_from_slice(&4u16.to_le_bytes());
        v.extend_from_slice(&0i32.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&65535u32.to_le_bytes());
        v.extend_from_slice(&linktype.to_le_bytes());
        for (s, sub, data) in frames {
            v.extend_from_slice(&s.to_le_bytes());
            v.extend_from_slice(&sub.to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(&(data.len() as u32).to_le_bytes());
            v.extend_from_slice(data);
        }
        v
    }

    fn collect(bytes: &[u8]) -> (Vec<(u64, u64, i32, usize)>, SourceSummary) {
        let mut out = Vec::new();
        let s = read_capture("t", bytes, 0, |p| {
            out.push((p.index, p.ts_ns, p.linktype, p.data.len()))
        })
        .unwrap();
        (out, s)
    }

    #[test]
    fn micro_and_nano_timestamps() {
        let f: &[u8] = &[1, 2, 3];
        let (p, _) = collect(&pcap_bytes(0xa1b2c3d4, 1, &[(10, 5, f)]));
        assert_eq!(p, vec![(0, 10_000_005_000, 1, 3)]);
        let (p, _) = collect(&pcap_bytes(0xa1b23c4d, 101, &[(10, 5, f)]));
        assert_eq!(p, vec![(0, 10_000_000_005, 101, 3)]);
    }

    /// pcapng with one interface at nanosecond resolution (if_tsresol = 9) and one EPB.
    #[test]
    fn pcapng_nanosecond_interface() {
        let mut v = Vec::new();
        // Section header block.
        v.extend_from_slice(&0x0a0d0d0au32.to_le_bytes());
        v.extend_from_slice(&28u32.to_le_bytes());
        v.extend_from_slice(&0x1a2b3c4du32.to_le_bytes());
        v.extend_from_slice(&[1, 0, 0, 0]);
        v.extend_from_slice(&(-1i64).to_le_bytes());
        v.extend_from_slice(&28u32.to_le_bytes());
        // Interface description: SLL2, option if_tsresol = 9, end of options.
        v.extend_from_slice(&1u32.to_le_bytes());
        v.extend_from_slice(&32u32.to_le_bytes());
        v.extend_from_slice(&276u16.to_le_bytes());
        v.extend_from_slice(&[0, 0, 0, 0, 0, 0]);
        v.extend_from_slice(&[9, 0, 1, 0, 9, 0, 0, 0, 0, 0, 0, 0]);
        v.extend_from_slice(&32u32.to_le_bytes());
        // Enhanced packet block with 5 bytes of data (padded to 8).
        let ts: u64 = 1_700_000_000_123_456_789;
        v.extend_from_slice(&6u32.to_le_bytes());
        v.extend_from_slice(&40u32.to_le_bytes());
        v.extend_from_slice(&0u32.to_le_bytes());
        v.extend_from_slice(&((ts >> 32) as u32).to_le_bytes());
        v.extend_from_slice(&(ts as u32).to_le_bytes());
        v.extend_from_slice(&5u32.to_le_bytes());
        v.extend_from_slice(&5u32.to_le_bytes());
        v.extend_from_slice(&[1, 2, 3, 4, 5, 0, 0, 0]);
        v.extend_from_slice(&40u32.to_le_bytes());
        let (p, s) = collect(&v);
        assert!(s.pcapng);
        assert_eq!(p, vec![(0, ts, 276, 5)]);
    }

    #[test]
    fn truncated_last_record_is_counted_not_fatal() {
        let f: &[u8] = &[0u8; 40];
        let mut b = pcap_bytes(0xa1b2c3d4, 1, &[(1, 0, f), (2, 0, f)]);
        b.truncate(b.len() - 10);
        let (p, s) = collect(&b);
        assert_eq!(p.len(), 1);
        assert_eq!(s.malformed.get(Malformed::TruncatedRecord), 1);
    }

    #[test]
    fn absurd_record_length_is_counted() {
        let mut b = pcap_bytes(0xa1b2c3d4, 1, &[]);
        b.extend_from_slice(&[0, 0, 0, 0, 0, 0, 0, 0]);
        b.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
        b.extend_from_slice(&0x7fff_ffffu32.to_le_bytes());
        b.extend_from_slice(&[0u8; 100]);
        let (p, s) = collect(&b);
        assert!(p.is_empty());
        assert_eq!(s.malformed.total(), 1);
    }

    #[test]
    fn not_a_capture_is_an_error() {
        let e = read_capture(
            "junk",
            &b"hello world, this is not a capture file"[..],
            0,
            |_| {},
        );
        assert!(matches!(e, Err(MonitorError::Format { .. })));
        let e = read_capture("empty", &b""[..], 0, |_| {});
        assert!(matches!(e, Err(MonitorError::Format { .. })));
    }

    #[test]
    fn random_prefixes_never_panic() {
        let f: &[u8] = &[0xffu8; 64];
        let good = pcap_bytes(0xa1b2c3d4, 1, &[(1, 0, f), (2, 0, f), (3, 0, f)]);
        for cut in 0..good.len() {
            let _ = read_capture("cut", &good[..cut], 0, |_| {});
        }
        let mut x: u32 = 12345;
        for _ in 0..200 {
            let mut b = good.clone();
            for _ in 0..8 {
                x = x.wrapping_mul(1_103_515_245).wrapping_add(12345);
                let i = (x as usize >> 8) % b.len();
                b[i] = (x >> 16) as u8;
            }
            let _ = read_capture("mut", &b[..], 0, |_| {});
        }
    }
}
