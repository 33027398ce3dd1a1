//! Which passwords people may choose, after NIST SP 800-63B (§3.1.1.2): long enough, no
//! composition rules (no forced digits or symbols), and not a password that is easy to guess —
//! made of the account's own names, a repeated or sequential run, or found in a list of
//! passwords known from breaches (checked by the caller against its offline list).

/// The shortest password accepted, in characters.
pub const MIN_CHARS: usize = 12;
/// The longest password accepted, in bytes (longer ones are refused before hashing).
pub const MAX_BYTES: usize = 1024;

/// Why a password is refused.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Weakness {
    #[error("must be at least {MIN_CHARS} characters")]
    TooShort,
    #[error("must be at most {MAX_BYTES} bytes")]
    TooLong,
    #[error("must not be made of your name, e-mail address or organisation")]
    Personal,
    #[error("is mostly one repeated or sequential run of characters: choose a phrase")]
    Predictable,
    #[error("appears in a list of passwords known from breaches: choose another one")]
    Breached,
}

/// Rows and runs that guessers try first.
const SEQUENCES: [&str; 5] = [
    "abcdefghijklmnopqrstuvwxyz",
    "0123456789",
    "qwertyuiopasdfghjklzxcvbnm",
    "azertyuiopqsdfghjklmwxcvbn",
    "1234567890",
];

fn lower(text: &str) -> String {
    text.chars().flat_map(char::to_lowercase).collect()
}

/// The longest run of the password that repeats one character or follows a sequence (either
/// direction), in characters.
fn longest_predictable_run(password: &str) -> usize {
    let chars: Vec<char> = lower(password).chars().collect();
    let mut best = chars.len().min(1);
    let mut repeat = 1;
    for pair in chars.windows(2) {
        repeat = if pair[0] == pair[1] { repeat + 1 } else { 1 };
        best = best.max(repeat);
    }
    for sequence in SEQUENCES {
        let forward: Vec<char> = sequence.chars().collect();
        let backward: Vec<char> = forward.iter().rev().copied().collect();
        for line in [forward, backward] {
            let mut run = 1;
            for pair in chars.windows(2) {
                let follows = line
                    .iter()
                    .position(|c| *c == pair[0])
                    .is_some_and(|i| line.get(i + 1) == Some(&pair[1]));
                run = if follows { run + 1 } else { 1 };
                best = best.max(run);
            }
        }
    }
    best
}

/// Checks a new password against the rules that need no list. `personal` holds the account's
/// e-mail address, name and organisation (parts shorter than four characters are ignored).
pub fn check(password: &str, personal: &[&str]) -> Result<(), Weakness> {
    if password.len() > MAX_BYTES {
        return Err(Weakness::TooLong);
    }
    let length = password.chars().count();
    if length < MIN_CHARS {
        return Err(Weakness::TooShort);
    }
    // What is left once the account's own words are taken out must carry the strength.
    let mut rest = lower(password);
    let words = personal
        .iter()
        .flat_map(|text| text.split(|c: char| !c.is_alphanumeric()))
        .map(lower)
        .filter(|word| word.chars().count() >= 4)
        .chain(["hygeia".to_owned()]);
    let mut found = false;
    for word in words {
        if rest.contains(&word) {
            found = true;
            rest = rest.replace(&word, "");
        }
    }
    let left = rest.chars().filter(|c| c.is_alphanumeric()).count();
    if found && left < MIN_CHARS / 2 {
        return Err(Weakness::Personal);
    }
    if longest_predictable_run(password) * 2 > length {
        return Err(Weakness::Predictable);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn length_counts_and_composition_does_not() {
        assert_eq!(check("short pass", &[]), Err(Weakness::TooShort));
        assert_eq!(check("a long lowercase phrase", &[]), Ok(()));
        assert_eq!(check("ééééèèèàààçç ok", &[]), Ok(()));
        assert_eq!(check(&"x y".repeat(400), &[]), Err(Weakness::TooLong));
    }

    #[test]
    fn runs_and_sequences_are_predictable() {
        for weak in [
            "aaaaaaaaaaaa",
            "123456789012",
            "qwertyuiop12",
            "zyxwvutsrqpo",
            "AZERTYUIOPqs",
        ] {
            assert_eq!(check(weak, &[]), Err(Weakness::Predictable), "{weak}");
        }
        assert_eq!(check("abc horse battery", &[]), Ok(()));
    }

    #[test]
    fn the_account_s_own_names_are_not_a_password() {
        let personal = [
            "marie.curie@hygee.example",
            "Marie Curie",
            "Groupe Hygée Santé",
        ];
        assert_eq!(check("mariecurie2026", &personal), Err(Weakness::Personal));
        assert_eq!(check("HygeiaHygeia1", &[]), Err(Weakness::Personal));
        // A name inside a long phrase is fine: the rest carries the strength.
        assert_eq!(check("marie likes green tea at noon", &personal), Ok(()));
    }
}
