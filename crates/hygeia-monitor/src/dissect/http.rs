//! HTTP/1.x: User-Agent of clients, Server of servers (header values only).

use super::Dissection;
use crate::model::{AttrKind, Subject};

const METHODS: [&[u8]; 8] = [
    b"GET ",
    b"POST ",
    b"PUT ",
    b"HEAD ",
    b"DELETE ",
    b"OPTIONS ",
    b"PATCH ",
    b"CONNECT ",
];

/// Recognises HTTP on a non-standard port.
pub fn sniff(payload: &[u8], _sport: u16, _dport: u16) -> Option<bool> {
    if METHODS.iter().any(|m| payload.starts_with(m)) {
        Some(true)
    } else if payload.starts_with(b"HTTP/1.") {
        Some(false)
    } else {
        None
    }
}

fn header<'a>(head: &'a [u8], name: &[u8]) -> Option<&'a [u8]> {
    head.split(|b| *b == b'\n').skip(1).find_map(|line| {
        let (k, v) = line.split_at(line.iter().position(|b| *b == b':')?);
        k.eq_ignore_ascii_case(name)
            .then(|| v.get(1..).unwrap_or_default())
    })
}

/// Dissects the start of a request or response.
pub fn dissect(payload: &[u8], _to_server: bool, out: &mut Dissection) {
    let head = payload.get(..payload.len().min(4096)).unwrap_or_default();
    let end = head
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .unwrap_or(head.len());
    let head = head.get(..end).unwrap_or_default();
    if METHODS.iter().any(|m| head.starts_with(m)) {
        out.client_is_src = Some(true);
        if let Some(v) = header(head, b"user-agent") {
            out.text(Subject::Src, AttrKind::Software, v, 60, "http user-agent");
        }
    } else if head.starts_with(b"HTTP/1.") {
        out.client_is_src = Some(false);
        if let Some(v) = header(head, b"server") {
            out.text(Subject::Src, AttrKind::Software, v, 70, "http server");
        }
    }
}
