//! Imports: an asset list in CSV, and Zeek `conn.log` in TSV or JSON-lines form. Each import is
//! all-or-nothing: the whole input is parsed first, and the first bad line fails it with its
//! line number.

use crate::error::MonitorError;
use crate::inventory::Inventory;
use crate::model::{AttrKind, MacAddr, Protocol, Role};
use std::io::BufRead;
use std::net::IpAddr;

/// Parses one CSV line (RFC 4180 quoting, no line breaks inside fields).
fn csv_fields(line: &str) -> Result<Vec<String>, String> {
    let mut out = Vec::new();
    let mut cur = String::new();
    let mut quoted = false;
    let mut chars = line.chars().peekable();
    let mut at_start = true;
    while let Some(c) = chars.next() {
        match (quoted, c) {
            (false, '"') if at_start => {
                quoted = true;
                at_start = false;
            }
            (true, '"') => {
                if chars.peek() == Some(&'"') {
                    cur.push('"');
                    chars.next();
                } else {
                    quoted = false;
                    if !matches!(chars.peek(), None | Some(',')) {
                        return Err("text after a closing quote".to_owned());
                    }
                }
            }
            (false, ',') => {
                out.push(std::mem::take(&mut cur));
                at_start = true;
            }
            (_, c) => {
                cur.push(c);
                at_start = false;
            }
        }
    }
    if quoted {
        return Err("unterminated quoted field".to_owned());
    }
    out.push(cur);
    Ok(out)
}

/// Parses a MAC in `aa:bb:cc:dd:ee:ff` or `aa-bb-…` form.
pub fn parse_mac(s: &str) -> Option<MacAddr> {
    let parts: Vec<&str> = s.trim().split([':', '-']).collect();
    if parts.len() != 6 {
        return None;
    }
    let mut m = [0u8; 6];
    for (slot, p) in m.iter_mut().zip(parts) {
        if p.len() != 2 {
            return None;
        }
        *slot = u8::from_str_radix(p, 16).ok()?;
    }
    Some(MacAddr(m))
}

struct CsvAsset {
    ip: Option<IpAddr>,
    mac: Option<MacAddr>,
    attrs: Vec<(AttrKind, String)>,
    roles: Vec<Role>,
}

const CSV_COLUMNS: [&str; 9] = [
    "ip", "mac", "name", "vendor", "model", "firmware", "serial", "role", "zone",
];

/// Imports an asset list. The header names columns among `ip, mac, name, vendor, model,
/// firmware, serial, role` (`role` may hold several roles separated by `;`); each row needs an
/// `ip` or a `mac`. Returns the number of rows imported.
pub(crate) fn asset_csv<R: BufRead>(
    inv: &mut Inventory,
    origin: &str,
    input: R,
) -> Result<usize, MonitorError> {
    let err = |line: usize, reason: String| MonitorError::Import {
        origin: origin.to_owned(),
        line,
        reason,
    };
    let mut lines = input.lines().enumerate();
    let header = loop {
        match lines.next() {
            Some((i, l)) => {
                let l = l.map_err(|e| err(i + 1, e.to_string()))?;
                if !l.trim().is_empty() {
                    break csv_fields(l.trim_start_matches('\u{feff}'))
                        .map_err(|e| err(i + 1, e))?;
                }
            }
            None => return Err(err(1, "empty file: a header line is required".to_owned())),
        }
    };
    let header: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    if let Some(h) = header.iter().find(|h| !CSV_COLUMNS.contains(&h.as_str())) {
        return Err(err(
            1,
            format!("unknown column {h:?} (known: {})", CSV_COLUMNS.join(", ")),
        ));
    }
    if !header.iter().any(|h| h == "ip" || h == "mac") {
        return Err(err(1, "an ip or mac column is required".to_owned()));
    }
    let mut rows = Vec::new();
    for (i, l) in lines {
        let n = i + 1;
        let l = l.map_err(|e| err(n, e.to_string()))?;
        if l.trim().is_empty() {
            continue;
        }
        let f = csv_fields(&l).map_err(|e| err(n, e))?;
        if f.len() != header.len() {
            return Err(err(
                n,
                format!("{} fields, the header has {}", f.len(), header.len()),
            ));
        }
        let mut row = CsvAsset {
            ip: None,
            mac: None,
            attrs: Vec::new(),
            roles: Vec::new(),
        };
        for (h, v) in header.iter().zip(f) {
            let v = v.trim();
            if v.is_empty() {
                continue;
            }
            match h.as_str() {
                "ip" => row.ip = Some(v.parse().map_err(|_| err(n, format!("bad ip {v:?}")))?),
                "mac" => {
                    row.mac = Some(parse_mac(v).ok_or_else(|| err(n, format!("bad mac {v:?}")))?)
                }
                "name" => row.attrs.push((AttrKind::Name, v.to_owned())),
                "vendor" => row.attrs.push((AttrKind::Vendor, v.to_owned())),
                "model" => row.attrs.push((AttrKind::Model, v.to_owned())),
                "firmware" => row.attrs.push((AttrKind::Firmware, v.to_owned())),
                "serial" => row.attrs.push((AttrKind::Serial, v.to_owned())),
                "role" => {
                    for r in v.split(';').filter(|r| !r.trim().is_empty()) {
                        row.roles.push(
                            Role::parse(r).ok_or_else(|| err(n, format!("unknown role {r:?}")))?,
                        );
                    }
                }
                _ => {}
            }
        }
        if row.ip.is_none() && row.mac.is_none() {
            return Err(err(n, "row has neither ip nor mac".to_owned()));
        }
        rows.push(row);
    }
    let count = rows.len();
    for r in rows {
        inv.import_attr(r.ip, r.mac, None, None, "", "asset list import");
        for (k, v) in &r.attrs {
            inv.import_attr(r.ip, r.mac, Some(*k), None, v, "asset list import");
        }
        for role in r.roles {
            inv.import_attr(r.ip, r.mac, None, Some(role), "", "asset list import");
        }
    }
    Ok(count)
}

struct ConnRow {
    ts_ns: u64,
    duration_ns: u64,
    orig: IpAddr,
    resp: IpAddr,
    protocol: Protocol,
    packets: u64,
    bytes: u64,
}

/// Maps a Zeek service name, or else the responder port, to a protocol.
fn conn_protocol(proto: &str, port: u16, service: &str) -> Result<Protocol, String> {
    let first = service.split(',').next().unwrap_or("").trim();
    let by_service = match first {
        "modbus" => Some(Protocol::Modbus),
        "dnp3" | "dnp3_tcp" | "dnp3_udp" => Some(Protocol::Dnp3),
        "s7comm" | "cotp" => Some(Protocol::S7comm),
        "s7comm_plus" | "s7comm-plus" => Some(Protocol::S7commPlus),
        "enip" | "cip" => Some(Protocol::Enip),
        "bacnet" => Some(Protocol::Bacnet),
        "opcua_binary" | "opcua-binary" => Some(Protocol::OpcUa),
        "http" => Some(Protocol::Http),
        "ssl" | "tls" => Some(Protocol::Tls),
        "dns" => Some(if port == 5353 {
            Protocol::Mdns
        } else {
            Protocol::Dns
        }),
        "dhcp" => Some(Protocol::Dhcp),
        "snmp" => Some(Protocol::Snmp),
        _ => None,
    };
    if let Some(p) = by_service {
        return Ok(p);
    }
    Ok(match proto {
        "tcp" => match port {
            502 => Protocol::Modbus,
            102 => Protocol::S7comm,
            44818 => Protocol::Enip,
            20000 => Protocol::Dnp3,
            4840 => Protocol::OpcUa,
            104 | 11112 => Protocol::Dicom,
            2575 => Protocol::Hl7,
            p => Protocol::Tcp(p),
        },
        "udp" => match port {
            2222 => Protocol::CipIo,
            47808 => Protocol::Bacnet,
            20000 => Protocol::Dnp3,
            p => Protocol::Udp(p),
        },
        "icmp" => Protocol::Icmp,
        other => return Err(format!("unknown proto {other:?}")),
    })
}

fn secs_to_ns(s: &str) -> Option<u64> {
    if s == "-" || s.is_empty() {
        return Some(0);
    }
    let v: f64 = s.parse().ok()?;
    (v.is_finite() && v >= 0.0).then_some((v * 1e9) as u64)
}

fn count(s: &str) -> Option<u64> {
    if s == "-" || s.is_empty() {
        Some(0)
    } else {
        s.parse().ok()
    }
}

fn conn_row(get: &dyn Fn(&str) -> Option<String>) -> Result<ConnRow, String> {
    let need = |k: &str| get(k).ok_or_else(|| format!("missing field {k}"));
    let ip = |k: &str| -> Result<IpAddr, String> {
        let v = need(k)?;
        v.parse().map_err(|_| format!("bad {k} {v:?}"))
    };
    let num = |k: &str| -> Result<u64, String> {
        match get(k) {
            None => Ok(0),
            Some(v) => count(&v).ok_or_else(|| format!("bad {k} {v:?}")),
        }
    };
    let port: u16 = {
        let v = need("id.resp_p")?;
        v.parse().map_err(|_| format!("bad id.resp_p {v:?}"))?
    };
    let ts = need("ts")?;
    let ts_ns = secs_to_ns(&ts).ok_or_else(|| format!("bad ts {ts:?}"))?;
    let dur = get("duration").unwrap_or_default();
    let duration_ns = secs_to_ns(&dur).ok_or_else(|| format!("bad duration {dur:?}"))?;
    let protocol = conn_protocol(&need("proto")?, port, &get("service").unwrap_or_default())?;
    Ok(ConnRow {
        ts_ns,
        duration_ns,
        orig: ip("id.orig_h")?,
        resp: ip("id.resp_h")?,
        protocol,
        packets: num("orig_pkts")?.saturating_add(num("resp_pkts")?),
        bytes: num("orig_ip_bytes")?.saturating_add(num("resp_ip_bytes")?),
    })
}

/// Imports a Zeek `conn.log`, TSV (with its `#fields` header) or JSON lines. Returns the number
/// of connections imported.
pub(crate) fn zeek_conn<R: BufRead>(
    inv: &mut Inventory,
    origin: &str,
    input: R,
) -> Result<usize, MonitorError> {
    let err = |line: usize, reason: String| MonitorError::Import {
        origin: origin.to_owned(),
        line,
        reason,
    };
    let mut fields: Option<Vec<String>> = None;
    let mut sep = '\t';
    let mut rows = Vec::new();
    for (i, l) in input.lines().enumerate() {
        let n = i + 1;
        let l = l.map_err(|e| err(n, e.to_string()))?;
        let t = l.trim_end_matches('\r');
        if t.trim().is_empty() {
            continue;
        }
        if let Some(rest) = t.strip_prefix("#separator ") {
            sep = match rest.trim() {
                "\\x09" => '\t',
                "\\x2c" => ',',
                "\\x20" => ' ',
                other => return Err(err(n, format!("unsupported separator {other:?}"))),
            };
            continue;
        }
        if let Some(rest) = t.strip_prefix("#fields") {
            fields = Some(
                rest.split(sep)
                    .filter(|f| !f.is_empty())
                    .map(str::to_owned)
                    .collect(),
            );
            continue;
        }
        if t.starts_with('#') {
            continue;
        }
        let row = if t.starts_with('{') {
            let v: serde_json::Value =
                serde_json::from_str(t).map_err(|e| err(n, format!("bad JSON: {e}")))?;
            let get = |k: &str| -> Option<String> {
                match v.get(k)? {
                    serde_json::Value::String(s) => Some(s.clone()),
                    serde_json::Value::Number(x) => Some(x.to_string()),
                    serde_json::Value::Array(a) => {
                        a.first().and_then(|x| x.as_str()).map(str::to_owned)
                    }
                    _ => None,
                }
            };
            conn_row(&get).map_err(|e| err(n, e))?
        } else {
            let names = fields
                .as_ref()
                .ok_or_else(|| err(n, "data before the #fields header".to_owned()))?;
            let vals: Vec<&str> = t.split(sep).collect();
            if vals.len() != names.len() {
                return Err(err(
                    n,
                    format!("{} fields, #fields lists {}", vals.len(), names.len()),
                ));
            }
            let get = |k: &str| -> Option<String> {
                names
                    .iter()
                    .position(|x| x == k)
                    .and_then(|i| vals.get(i))
                    .map(|s| (*s).to_owned())
            };
            conn_row(&get).map_err(|e| err(n, e))?
        };
        rows.push(row);
    }
    let count = rows.len();
    for r in rows {
        inv.import_flow(
            r.orig,
            r.resp,
            r.protocol,
            r.packets,
            r.bytes,
            r.ts_ns,
            r.ts_ns.saturating_add(r.duration_ns),
        );
    }
    Ok(count)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing, clippy::panic)]
mod tests {
    use super::*;
    use crate::Analyzer;

    #[test]
    fn csv_quoting() {
        assert_eq!(
            csv_fields(r#"a,"b,c","d""e",,"#).unwrap(),
            vec!["a", "b,c", "d\"e", "", ""]
        );
        assert!(csv_fields(r#""open"#).is_err());
    }

    #[test]
    fn asset_csv_is_all_or_nothing_with_line_numbers() {
        let good = "ip,mac,name,vendor,model,firmware,role\n\
                    192.168.10.5,00:0e:8c:00:00:05,plc-filling-01,Siemens,6ES7 515-2AM02-0AB0,V2.9,plc\n\
                    10.10.1.50,,office-pc-7,,,,hmi;engineering_workstation\n";
        let mut a = Analyzer::new();
        assert_eq!(
            a.import_asset_csv("assets.csv", good.as_bytes()).unwrap(),
            2
        );
        let r = a.finish(None);
        let plc = r
            .assets
            .iter()
            .find(|x| x.names.contains(&"plc-filling-01".to_owned()))
            .unwrap();
        assert_eq!(plc.mac.unwrap().to_string(), "00:0e:8c:00:00:05");
        assert_eq!(plc.model.as_deref(), Some("6ES7 515-2AM02-0AB0"));
        assert_eq!(plc.vendor.as_deref(), Some("Siemens"));
        assert_eq!(plc.roles, vec![Role::Plc]);

        let bad = format!("{good}10.0.0.1,zz:00:00:00:00:00,x,,,,\n");
        let mut a = Analyzer::new();
        let e = a
            .import_asset_csv("assets.csv", bad.as_bytes())
            .unwrap_err();
        assert!(matches!(e, MonitorError::Import { line: 4, .. }), "{e}");
        assert!(
            a.finish(None).assets.is_empty(),
            "a failed import must import nothing"
        );
        let e = Analyzer::new()
            .import_asset_csv("a.csv", "ip,colour\n1.2.3.4,red\n".as_bytes())
            .unwrap_err();
        assert!(e.to_string().contains("unknown column \"colour\""), "{e}");
        let e = Analyzer::new()
            .import_asset_csv("a.csv", "ip,role\n1.2.3.4,toaster\n".as_bytes())
            .unwrap_err();
        assert!(matches!(e, MonitorError::Import { line: 2, .. }), "{e}");
    }

    const TSV: &str = "#separator \\x09\n#set_separator\t,\n#empty_field\t(empty)\n#unset_field\t-\n#path\tconn\n\
#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\tservice\tduration\torig_bytes\tresp_bytes\tconn_state\tlocal_orig\tlocal_resp\tmissed_bytes\thistory\torig_pkts\torig_ip_bytes\tresp_pkts\tresp_ip_bytes\ttunnel_parents\n\
#types\ttime\tstring\taddr\tport\taddr\tport\tenum\tstring\tinterval\tcount\tcount\tstring\tbool\tbool\tcount\tstring\tcount\tcount\tcount\tcount\tset[string]\n\
1700000000.000001\tC1\t10.10.1.50\t50001\t192.168.10.5\t502\ttcp\tmodbus\t1.5\t24\t24\tSF\t-\t-\t0\tShADadFf\t6\t344\t5\t300\t-\n\
1700000002.5\tC2\t192.168.10.20\t40001\t192.168.10.5\t44818\ttcp\t-\t-\t-\t-\tS0\t-\t-\t0\tS\t1\t60\t0\t0\t-\n";

    #[test]
    fn zeek_conn_tsv_and_json() {
        let mut a = Analyzer::new();
        assert_eq!(a.import_zeek_conn("conn.log", TSV.as_bytes()).unwrap(), 2);
        let json = r#"{"ts":1700000010.0,"uid":"C3","id.orig_h":"10.10.1.50","id.orig_p":51000,"id.resp_h":"172.16.0.10","id.resp_p":443,"proto":"tcp","service":"ssl","duration":0.25,"orig_pkts":10,"orig_ip_bytes":1000,"resp_pkts":8,"resp_ip_bytes":4000}"#;
        assert_eq!(a.import_zeek_conn("conn.json", json.as_bytes()).unwrap(), 1);
        let r = a.finish(None);
        let m = r
            .flows
            .iter()
            .find(|f| f.protocol == Protocol::Modbus)
            .unwrap();
        assert_eq!((m.packets, m.bytes), (11, 644));
        assert_eq!(m.first_seen, "2023-11-14T22:13:20.000001Z");
        assert!(
            r.flows
                .iter()
                .any(|f| f.protocol == Protocol::Enip && f.packets == 1)
        );
        let t = r
            .flows
            .iter()
            .find(|f| f.protocol == Protocol::Tls)
            .unwrap();
        assert_eq!((t.packets, t.bytes), (18, 5000));
    }

    #[test]
    fn zeek_conn_errors_carry_line_numbers() {
        let bad = TSV.replace("192.168.10.20", "192.168.10.999");
        let mut a = Analyzer::new();
        let e = a.import_zeek_conn("conn.log", bad.as_bytes()).unwrap_err();
        assert!(matches!(e, MonitorError::Import { line: 9, .. }), "{e}");
        assert!(a.finish(None).flows.is_empty());
        let e = Analyzer::new()
            .import_zeek_conn("c", "1\t2\n".as_bytes())
            .unwrap_err();
        assert!(e.to_string().contains("before the #fields header"), "{e}");
    }
}
