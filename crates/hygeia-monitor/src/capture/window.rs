//! Cutting a live capture stream (for example `tcpdump -w -`) into self-contained capture
//! windows, so that a sensor can analyse and push what it saw every few seconds without ever
//! holding more than one window in memory.
//!
//! Each window is a complete pcap or pcapng capture: the stream's file header (and, for pcapng,
//! every interface description seen so far) followed by the records read during the window.
//! Records are copied as they are; only their length fields are read.

use std::io::{ErrorKind, Read};
use std::time::{Duration, Instant};

use crate::error::MonitorError;

const PCAP_HEADER: usize = 24;
const PCAP_RECORD_HEADER: usize = 16;
const PCAPNG_SECTION_HEADER: u32 = 0x0A0D_0D0A;
const PCAPNG_INTERFACE_DESCRIPTION: u32 = 1;
/// Largest record or block accepted; a larger length field means a corrupt stream.
const MAX_RECORD: usize = super::MAX_RECORD;

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Format {
    Pcap { big_endian: bool },
    PcapNg { big_endian: bool },
}

/// Splits a capture stream into windows of bounded size and duration.
pub struct CaptureWindows<R> {
    input: R,
    name: String,
    format: Format,
    /// What every window starts with.
    header: Vec<u8>,
    /// A record read ahead while closing the previous window.
    pending: Option<Vec<u8>>,
    finished: bool,
}

fn read_exact_or_eof<R: Read>(input: &mut R, buf: &mut [u8]) -> std::io::Result<bool> {
    let mut filled = 0;
    while filled < buf.len() {
        match input.read(buf.get_mut(filled..).unwrap_or_default()) {
            Ok(0) if filled == 0 => return Ok(false),
            Ok(0) => {
                return Err(std::io::Error::new(
                    ErrorKind::UnexpectedEof,
                    "the stream ends inside a record",
                ));
            }
            Ok(n) => filled += n,
            Err(e) if e.kind() == ErrorKind::Interrupted => {}
            Err(e) => return Err(e),
        }
    }
    Ok(true)
}

fn u32_at(bytes: &[u8], offset: usize, big_endian: bool) -> Option<u32> {
    let raw: [u8; 4] = bytes.get(offset..offset + 4)?.try_into().ok()?;
    Some(if big_endian {
        u32::from_be_bytes(raw)
    } else {
        u32::from_le_bytes(raw)
    })
}

impl<R: Read> CaptureWindows<R> {
    /// Reads the stream's file header. `name` is used in error messages.
    pub fn new(mut input: R, name: &str) -> Result<Self, MonitorError> {
        let format_error = |reason: &str| MonitorError::Format {
            source_name: name.to_owned(),
            reason: reason.to_owned(),
        };
        let io_error = |source| MonitorError::Io {
            path: name.into(),
            source,
        };
        let mut magic = [0u8; 4];
        if !read_exact_or_eof(&mut input, &mut magic).map_err(io_error)? {
            return Err(format_error("the stream is empty"));
        }
        let mut windows = Self {
            input,
            name: name.to_owned(),
            format: Format::Pcap { big_endian: false },
            header: Vec::new(),
            pending: None,
            finished: false,
        };
        match magic {
            [0xd4, 0xc3, 0xb2, 0xa1] | [0x4d, 0x3c, 0xb2, 0xa1] => {
                windows.format = Format::Pcap { big_endian: false }
            }
            [0xa1, 0xb2, 0xc3, 0xd4] | [0xa1, 0xb2, 0x3c, 0x4d] => {
                windows.format = Format::Pcap { big_endian: true }
            }
            [0x0a, 0x0d, 0x0d, 0x0a] => {
                let section = windows
                    .read_block_after(magic)?
                    .ok_or_else(|| format_error("no section header"))?;
                let big_endian = matches!(section.get(8..12), Some([0x1a, 0x2b, 0x3c, 0x4d]));
                windows.format = Format::PcapNg { big_endian };
                windows.header = section;
                return Ok(windows);
            }
            _ => return Err(format_error("unknown magic number")),
        }
        let mut header = vec![0u8; PCAP_HEADER];
        if let Some(start) = header.get_mut(..4) {
            start.copy_from_slice(&magic);
        }
        let rest = header.get_mut(4..).unwrap_or_default();
        if !read_exact_or_eof(&mut windows.input, rest).map_err(io_error)? {
            return Err(format_error("the file header is truncated"));
        }
        windows.header = header;
        Ok(windows)
    }

    fn corrupt(&self, reason: String) -> MonitorError {
        MonitorError::Format {
            source_name: self.name.clone(),
            reason,
        }
    }

    /// Reads a pcapng block whose first four bytes (the type) were already read.
    fn read_block_after(&mut self, block_type: [u8; 4]) -> Result<Option<Vec<u8>>, MonitorError> {
        let mut length_bytes = [0u8; 4];
        if !read_exact_or_eof(&mut self.input, &mut length_bytes).map_err(|source| {
            MonitorError::Io {
                path: self.name.clone().into(),
                source,
            }
        })? {
            return Err(self.corrupt("the stream ends inside a block".into()));
        }
        // The section header's byte order is only known after its length; both orders are tried.
        let big_endian = match self.format {
            Format::PcapNg { big_endian } if block_type != [0x0a, 0x0d, 0x0d, 0x0a] => big_endian,
            _ => {
                let le = u32::from_le_bytes(length_bytes) as usize;
                !(12..=MAX_RECORD).contains(&le) || !le.is_multiple_of(4)
            }
        };
        let length = if big_endian {
            u32::from_be_bytes(length_bytes)
        } else {
            u32::from_le_bytes(length_bytes)
        } as usize;
        if !(12..=MAX_RECORD).contains(&length) || !length.is_multiple_of(4) {
            return Err(self.corrupt(format!("a block claims {length} bytes")));
        }
        let mut block = vec![0u8; length];
        block
            .get_mut(..4)
            .unwrap_or_default()
            .copy_from_slice(&block_type);
        block
            .get_mut(4..8)
            .unwrap_or_default()
            .copy_from_slice(&length_bytes);
        let rest = block.get_mut(8..).unwrap_or_default();
        if !read_exact_or_eof(&mut self.input, rest).map_err(|source| MonitorError::Io {
            path: self.name.clone().into(),
            source,
        })? {
            return Err(self.corrupt("the stream ends inside a block".into()));
        }
        Ok(Some(block))
    }

    /// Reads the next record (pcap) or block (pcapng); `None` at the end of the stream.
    fn next_record(&mut self) -> Result<Option<Vec<u8>>, MonitorError> {
        let io = |name: &str| {
            let path = name.to_owned();
            move |source| MonitorError::Io {
                path: path.into(),
                source,
            }
        };
        match self.format {
            Format::Pcap { big_endian } => {
                let mut header = [0u8; PCAP_RECORD_HEADER];
                if !read_exact_or_eof(&mut self.input, &mut header).map_err(io(&self.name))? {
                    return Ok(None);
                }
                let length = u32_at(&header, 8, big_endian).unwrap_or(0) as usize;
                if length > MAX_RECORD {
                    return Err(self.corrupt(format!("a record claims {length} bytes")));
                }
                let mut record = Vec::with_capacity(PCAP_RECORD_HEADER + length);
                record.extend_from_slice(&header);
                record.resize(PCAP_RECORD_HEADER + length, 0);
                let body = record.get_mut(PCAP_RECORD_HEADER..).unwrap_or_default();
                if !read_exact_or_eof(&mut self.input, body).map_err(io(&self.name))? && length > 0
                {
                    return Err(self.corrupt("the stream ends inside a record".into()));
                }
                Ok(Some(record))
            }
            Format::PcapNg { .. } => {
                let mut block_type = [0u8; 4];
                if !read_exact_or_eof(&mut self.input, &mut block_type).map_err(io(&self.name))? {
                    return Ok(None);
                }
                self.read_block_after(block_type)
            }
        }
    }

    /// The next window: a complete capture of the records read until `max_bytes` are gathered
    /// or `max_duration` has passed since the window's first record. `None` at the end.
    pub fn next_window(
        &mut self,
        max_bytes: usize,
        max_duration: Duration,
    ) -> Result<Option<Vec<u8>>, MonitorError> {
        if self.finished && self.pending.is_none() {
            return Ok(None);
        }
        let mut window = self.header.clone();
        let mut records = 0usize;
        let mut started: Option<Instant> = None;
        loop {
            let record = match self.pending.take() {
                Some(record) => Some(record),
                None if self.finished => None,
                None => self.next_record()?,
            };
            let Some(record) = record else {
                self.finished = true;
                break;
            };
            if let Format::PcapNg { big_endian } = self.format {
                match u32_at(&record, 0, big_endian) {
                    Some(PCAPNG_SECTION_HEADER) => {
                        // A new section: close this window; the next starts from the new header.
                        self.header = record;
                        if records > 0 {
                            break;
                        }
                        window = self.header.clone();
                        continue;
                    }
                    Some(PCAPNG_INTERFACE_DESCRIPTION) => {
                        self.header.extend_from_slice(&record);
                        window.extend_from_slice(&record);
                        continue;
                    }
                    _ => {}
                }
            }
            if records > 0 && window.len() + record.len() > max_bytes {
                self.pending = Some(record);
                break;
            }
            window.extend_from_slice(&record);
            records += 1;
            let started = *started.get_or_insert_with(Instant::now);
            if started.elapsed() >= max_duration {
                break;
            }
        }
        Ok((records > 0).then_some(window))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn pcap_with(records: usize) -> Vec<u8> {
        let mut bytes = vec![
            0xd4, 0xc3, 0xb2, 0xa1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff, 0, 0, 1, 0, 0,
            0,
        ];
        for i in 0..records {
            let frame = [i as u8; 60];
            bytes.extend_from_slice(&(1_700_000_000u32 + i as u32).to_le_bytes());
            bytes.extend_from_slice(&0u32.to_le_bytes());
            bytes.extend_from_slice(&60u32.to_le_bytes());
            bytes.extend_from_slice(&60u32.to_le_bytes());
            bytes.extend_from_slice(&frame);
        }
        bytes
    }

    #[test]
    fn a_stream_is_cut_into_complete_captures_of_bounded_size() {
        let stream = pcap_with(10);
        let mut windows = CaptureWindows::new(std::io::Cursor::new(stream), "-").unwrap();
        let mut sizes = Vec::new();
        while let Some(window) = windows
            .next_window(24 + 4 * 76, Duration::from_secs(60))
            .unwrap()
        {
            assert_eq!(
                &window[..4],
                &[0xd4, 0xc3, 0xb2, 0xa1],
                "every window starts with the file header"
            );
            sizes.push((window.len() - 24) / 76);
        }
        assert_eq!(sizes, [4, 4, 2]);
    }

    #[test]
    fn windows_are_analysable_captures() {
        let mut windows = CaptureWindows::new(std::io::Cursor::new(pcap_with(3)), "-").unwrap();
        let window = windows
            .next_window(1 << 20, Duration::from_secs(60))
            .unwrap()
            .unwrap();
        let mut analyzer = crate::Analyzer::new();
        analyzer
            .feed("window", std::io::Cursor::new(window))
            .unwrap();
        assert_eq!(analyzer.finish(None).stats.packets, 3);
    }

    #[test]
    fn real_pcapng_streams_keep_their_interfaces_in_every_window() {
        let path = concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/../../../shared/pcaps/it/ndpi-netbios.pcapng"
        );
        let Ok(bytes) = std::fs::read(path) else {
            eprintln!("skipping: {path} is absent");
            return;
        };
        let mut whole = crate::Analyzer::new();
        whole
            .feed("whole", std::io::Cursor::new(bytes.clone()))
            .unwrap();
        let expected = whole.finish(None).stats.packets;
        let mut windows = CaptureWindows::new(std::io::Cursor::new(bytes), "netbios").unwrap();
        let (mut total, mut count) = (0, 0);
        while let Some(window) = windows.next_window(4096, Duration::from_secs(60)).unwrap() {
            let mut part = crate::Analyzer::new();
            part.feed("window", std::io::Cursor::new(window)).unwrap();
            let report = part.finish(None);
            assert_eq!(
                report.stats.malformed, 0,
                "a window lost its interface description"
            );
            total += report.stats.packets;
            count += 1;
        }
        assert!(count > 1, "the capture should span several 4 KiB windows");
        assert_eq!(total, expected);
    }

    #[test]
    fn garbage_is_refused_with_a_reason() {
        let err = CaptureWindows::new(std::io::Cursor::new(b"GET / HTTP/1.1".to_vec()), "-")
            .err()
            .unwrap();
        assert!(err.to_string().contains("unknown magic number"));
        let mut stream = pcap_with(1);
        stream[24 + 8..24 + 12].copy_from_slice(&u32::MAX.to_le_bytes());
        let mut windows = CaptureWindows::new(std::io::Cursor::new(stream), "-").unwrap();
        assert!(
            windows
                .next_window(1 << 20, Duration::from_secs(1))
                .is_err()
        );
    }
}
