//! The offline list of breached passwords: a file in the format of the "Pwned Passwords"
//! download (one `SHA1:COUNT` line per password, upper-case hexadecimal SHA-1, sorted), looked
//! up by binary search without loading it (the full list is tens of gigabytes). Nothing is sent
//! anywhere: an air-gapped hub checks against a copy on its own disk.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Read, Seek, SeekFrom};
use std::path::PathBuf;

use sha1::{Digest, Sha1};

/// Below this span, the remaining lines are read one by one.
const SCAN_SPAN: u64 = 8 * 1024;

#[derive(Debug, Clone)]
pub struct BreachedList {
    path: PathBuf,
}

/// The first whole line starting at or after `at`: its start and its text (no line break).
fn line_from(file: &mut File, at: u64) -> io::Result<Option<(u64, String)>> {
    file.seek(SeekFrom::Start(at))?;
    let mut reader = BufReader::new(file.take(4096));
    let mut start = at;
    if at > 0 {
        // Skip the rest of the line `at` falls in (unless `at` is just after a line break).
        let mut skipped = Vec::new();
        reader.read_until(b'\n', &mut skipped)?;
        start += skipped.len() as u64;
    }
    let mut line = String::new();
    if reader.read_line(&mut line)? == 0 {
        return Ok(None);
    }
    Ok(Some((start, line.trim_end().to_owned())))
}

impl BreachedList {
    /// A list kept in `path`; fails now if the file cannot be opened.
    pub fn open(path: impl Into<PathBuf>) -> io::Result<Self> {
        let path = path.into();
        File::open(&path)?;
        Ok(Self { path })
    }

    /// Whether `password` is in the list.
    pub fn contains(&self, password: &str) -> io::Result<bool> {
        let target = hex::encode_upper(Sha1::digest(password.as_bytes()));
        let mut file = File::open(&self.path)?;
        let (mut lo, mut hi) = (0u64, file.metadata()?.len());
        // Invariant: `lo` is a line start, and a matching line starts in [lo, hi).
        while hi - lo > SCAN_SPAN {
            let mid = lo + (hi - lo) / 2;
            let Some((start, line)) = line_from(&mut file, mid)? else {
                hi = mid;
                continue;
            };
            if start >= hi {
                hi = mid;
                continue;
            }
            let key = line.get(..40).unwrap_or(&line);
            match key.cmp(target.as_str()) {
                std::cmp::Ordering::Equal => return Ok(true),
                std::cmp::Ordering::Greater => hi = start,
                std::cmp::Ordering::Less => lo = start + line.len() as u64 + 1,
            }
        }
        file.seek(SeekFrom::Start(lo))?;
        let mut reader = BufReader::new(file);
        let mut position = lo;
        let mut line = String::new();
        while position < hi {
            line.clear();
            let read = reader.read_line(&mut line)?;
            if read == 0 {
                break;
            }
            position += read as u64;
            if line.get(..40) == Some(target.as_str()) {
                return Ok(true);
            }
        }
        Ok(false)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn sorted_lists_are_searched_without_reading_them_whole() {
        let dir = std::env::temp_dir().join(format!("hygeia-breached-{}", uuid::Uuid::now_v7()));
        std::fs::create_dir_all(&dir).unwrap_or_default();
        let path = dir.join("pwned.txt");
        // Many lines, so the binary search really runs; CRLF endings as in the download.
        let mut lines: Vec<String> = (0..20_000)
            .map(|n| {
                format!(
                    "{}:{}",
                    hex::encode_upper(Sha1::digest(format!("pw{n}"))),
                    n % 97 + 1
                )
            })
            .collect();
        lines.sort();
        std::fs::write(&path, lines.join("\r\n") + "\r\n").unwrap_or_default();
        let list =
            BreachedList::open(&path).unwrap_or_else(|_| BreachedList { path: path.clone() });
        for n in [0, 1, 777, 19_999] {
            assert!(list.contains(&format!("pw{n}")).unwrap_or(false), "pw{n}");
        }
        assert!(!list.contains("pw20000").unwrap_or(true));
        assert!(!list.contains("a long and unusual phrase").unwrap_or(true));
        // The first and last lines of the file.
        let first = lines
            .first()
            .map(|l| l[..40].to_owned())
            .unwrap_or_default();
        let found =
            (0..20_000).find(|n| hex::encode_upper(Sha1::digest(format!("pw{n}"))) == first);
        assert!(found.is_some_and(|n| list.contains(&format!("pw{n}")).unwrap_or(false)));
        assert!(BreachedList::open(dir.join("missing.txt")).is_err());
        let _ = std::fs::remove_dir_all(dir);
    }
}
