//! The data an entity gives its competent authority to be registered (NIS2 Art. 3(4), and for
//! the digital providers of Art. 27(1) the ENISA registry of Art. 27(2)): its addresses, contact
//! e-mail addresses and telephone numbers, the Member States it serves, its public IP ranges,
//! and its representative in the Union when it is established outside. A registration may be
//! saved incomplete; what is still missing is listed so the document says it.

use std::net::IpAddr;

use serde::{Deserialize, Serialize};

use super::is_eu_member_state;
use crate::validation::{FieldError, ValidationErrors, Validator};

/// Longest free text (an address, a representative).
pub const MAX_TEXT_CHARS: usize = 1000;
/// Most items in one list (e-mail addresses, telephone numbers, IP ranges…).
pub const MAX_ITEMS: usize = 200;

/// A registration as entered.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RegistrationInput {
    /// The postal address of the main establishment.
    #[serde(default)]
    pub address: String,
    /// Other legal establishments in the Union, one address each (Art. 27(2)(c)).
    #[serde(default)]
    pub other_establishments: Vec<String>,
    #[serde(default)]
    pub emails: Vec<String>,
    #[serde(default)]
    pub phones: Vec<String>,
    /// Member States where the entity provides services in scope, ISO codes (`FR`, `BE`…).
    #[serde(default)]
    pub member_states: Vec<String>,
    /// Public IP ranges in CIDR notation (`198.51.100.0/24`, `2001:db8::/32`).
    #[serde(default)]
    pub ip_ranges: Vec<String>,
    /// Name and contact of the representative in the Union (Art. 26(3)), for an entity not
    /// established in the Union.
    #[serde(default)]
    pub representative: String,
}

/// A checked registration: lists trimmed, blanks dropped, codes upper-cased, ranges in their
/// canonical form.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Registration {
    pub address: String,
    pub other_establishments: Vec<String>,
    pub emails: Vec<String>,
    pub phones: Vec<String>,
    pub member_states: Vec<String>,
    pub ip_ranges: Vec<String>,
    pub representative: String,
}

fn items(list: &[String]) -> impl Iterator<Item = (usize, &str)> {
    list.iter()
        .map(|s| s.trim())
        .enumerate()
        .filter(|(_, s)| !s.is_empty())
}

/// Why a text is not a public IP range.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RangeProblem {
    /// Not CIDR notation (or a prefix too long for the address).
    NotCidr,
    /// A private, loopback, link-local, shared, documentation or multicast range.
    NotPublic,
}

/// A public IP range in canonical form (`address/prefix`, the prefix added to a lone address).
pub fn public_range(text: &str) -> Result<String, RangeProblem> {
    let (address, prefix) = text.split_once('/').unwrap_or((text, ""));
    let address: IpAddr = address.trim().parse().map_err(|_| RangeProblem::NotCidr)?;
    let max = if address.is_ipv4() { 32 } else { 128 };
    let prefix: u8 = if prefix.trim().is_empty() {
        max
    } else {
        prefix
            .trim()
            .parse()
            .ok()
            .filter(|p| *p <= max)
            .ok_or(RangeProblem::NotCidr)?
    };
    let private = match address {
        IpAddr::V4(a) => {
            let [first, second, ..] = a.octets();
            a.is_private()
                || a.is_loopback()
                || a.is_link_local()
                || a.is_documentation()
                || a.is_unspecified()
                || a.is_broadcast()
                || first >= 224
                || (first == 100 && (64..128).contains(&second))
        }
        IpAddr::V6(a) => {
            let first = a.segments()[0];
            a.is_loopback()
                || a.is_unspecified()
                || a.is_multicast()
                || (first & 0xfe00) == 0xfc00
                || (first & 0xffc0) == 0xfe80
                || first == 0x2001 && a.segments()[1] == 0x0db8
        }
    };
    if private {
        return Err(RangeProblem::NotPublic);
    }
    Ok(format!("{address}/{prefix}"))
}

fn phone_ok(phone: &str) -> bool {
    let digits = phone.chars().filter(char::is_ascii_digit).count();
    (6..=20).contains(&digits)
        && phone
            .chars()
            .all(|c| c.is_ascii_digit() || " +-.()/".contains(c))
}

impl RegistrationInput {
    /// Checks every item; problems are named by field and position (`ip_ranges[2]`).
    pub fn check(&self) -> Result<Registration, ValidationErrors> {
        let mut v = Validator::new();
        v.optional_text("address", Some(&self.address), MAX_TEXT_CHARS);
        v.optional_text("representative", Some(&self.representative), MAX_TEXT_CHARS);
        let lists = [
            ("other_establishments", &self.other_establishments),
            ("emails", &self.emails),
            ("phones", &self.phones),
            ("member_states", &self.member_states),
            ("ip_ranges", &self.ip_ranges),
        ];
        for (field, list) in lists {
            if list.len() > MAX_ITEMS {
                v.push(FieldError::out_of_range(field, 0, MAX_ITEMS));
            }
        }
        let mut out = Registration {
            address: self.address.trim().to_owned(),
            representative: self.representative.trim().to_owned(),
            ..Registration::default()
        };
        for (i, text) in items(&self.other_establishments) {
            v.optional_text(
                &format!("other_establishments[{i}]"),
                Some(text),
                MAX_TEXT_CHARS,
            );
            out.other_establishments.push(text.to_owned());
        }
        for (i, email) in items(&self.emails) {
            if !email.contains('@') || email.contains(char::is_whitespace) || email.len() > 254 {
                v.not_email(&format!("emails[{i}]"), email);
            } else if !out.emails.iter().any(|e| e.eq_ignore_ascii_case(email)) {
                out.emails.push(email.to_owned());
            }
        }
        for (i, phone) in items(&self.phones) {
            if phone_ok(phone) {
                out.phones.push(phone.to_owned());
            } else {
                v.push(FieldError::bad_value(
                    &format!("phones[{i}]"),
                    "a telephone number has 6 to 20 digits, with +, spaces, dots or dashes",
                ));
            }
        }
        for (i, code) in items(&self.member_states) {
            let code = code.to_ascii_uppercase();
            if !is_eu_member_state(&code) {
                v.one_of(&format!("member_states[{i}]"), &super::EU_MEMBER_STATES);
            } else if out.member_states.contains(&code) {
                v.duplicate(&format!("member_states[{i}]"), &code);
            } else {
                out.member_states.push(code);
            }
        }
        for (i, range) in items(&self.ip_ranges) {
            let field = format!("ip_ranges[{i}]");
            match public_range(range) {
                Ok(canonical) if !out.ip_ranges.contains(&canonical) => {
                    out.ip_ranges.push(canonical);
                }
                Ok(canonical) => v.duplicate(&field, &canonical),
                Err(RangeProblem::NotCidr) => v.push(FieldError::not_cidr(&field, range)),
                Err(RangeProblem::NotPublic) => v.push(FieldError::private_range(&field, range)),
            }
        }
        v.finish()?;
        out.member_states.sort();
        Ok(out)
    }
}

impl Registration {
    /// What the authority expects that is not given yet, by field name; the representative
    /// only for an entity established outside the Union (`country`).
    pub fn missing(&self, country: &str) -> Vec<&'static str> {
        let mut missing = Vec::new();
        if self.address.is_empty() {
            missing.push("address");
        }
        if self.emails.is_empty() {
            missing.push("emails");
        }
        if self.phones.is_empty() {
            missing.push("phones");
        }
        if self.member_states.is_empty() {
            missing.push("member_states");
        }
        if self.ip_ranges.is_empty() {
            missing.push("ip_ranges");
        }
        if !is_eu_member_state(country) && self.representative.is_empty() {
            missing.push("representative");
        }
        missing
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn strings(items: &[&str]) -> Vec<String> {
        items.iter().map(|s| (*s).to_owned()).collect()
    }

    #[test]
    fn public_ranges_are_kept_in_canonical_form_and_private_ones_refused() {
        assert_eq!(public_range("81.250.0.0/16"), Ok("81.250.0.0/16".into()));
        assert_eq!(public_range(" 81.250.3.4 "), Ok("81.250.3.4/32".into()));
        assert_eq!(
            public_range("2a01:cb00:0000::/28"),
            Ok("2a01:cb00::/28".into())
        );
        for private in [
            "10.0.0.0/8",
            "192.168.1.0/24",
            "172.16.5.0/24",
            "127.0.0.1",
            "169.254.0.0/16",
            "100.64.0.0/10",
            "198.51.100.0/24",
            "fd00::/8",
            "fe80::/10",
            "2001:db8::/32",
            "239.1.1.1",
        ] {
            assert_eq!(
                public_range(private),
                Err(RangeProblem::NotPublic),
                "{private}"
            );
        }
        for bad in [
            "81.250.0.0/33",
            "81.250.0/16",
            "host.example",
            "::/129",
            "1.2.3.4/x",
        ] {
            assert_eq!(public_range(bad), Err(RangeProblem::NotCidr), "{bad}");
        }
    }

    #[test]
    fn a_registration_names_each_bad_item_and_lists_what_is_missing() {
        let refused = RegistrationInput {
            emails: strings(&["rssi@hygee.example", "not-an-address"]),
            phones: strings(&["+33 3 44 00 00 00", "call me"]),
            member_states: strings(&["fr", "CH", "FR"]),
            ip_ranges: strings(&["", "192.168.0.0/16"]),
            ..RegistrationInput::default()
        }
        .check()
        .map_err(|e| e.0.into_iter().map(|f| f.field).collect::<Vec<_>>());
        assert_eq!(
            refused,
            Err(strings(&[
                "emails[1]",
                "phones[1]",
                "member_states[1]",
                "member_states[2]",
                "ip_ranges[1]"
            ]))
        );
        let partial = RegistrationInput {
            emails: strings(&["rssi@hygee.example", " RSSI@hygee.example "]),
            member_states: strings(&["be", "fr"]),
            ..RegistrationInput::default()
        }
        .check()
        .unwrap_or_default();
        assert_eq!(partial.emails, strings(&["rssi@hygee.example"]));
        assert_eq!(partial.member_states, strings(&["BE", "FR"]));
        assert_eq!(partial.missing("FR"), ["address", "phones", "ip_ranges"]);
        assert_eq!(
            partial.missing("CH"),
            ["address", "phones", "ip_ranges", "representative"]
        );
    }
}
