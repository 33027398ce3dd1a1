//! Reading feeds from files: plants are air-gapped, so advisories arrive as a CSAF JSON file,
//! a folder of them (as mirrored from a provider), a `.tar.gz` bundle, and the KEV catalog as
//! its JSON file. Nothing here opens a network connection.
//!
//! Every document is recognised by its content (a CSAF advisory has `document`, the KEV
//! catalog `catalogVersion`); a provider's index files (`provider-metadata.json`, ROLIE feeds,
//! `index.txt`, `changes.csv`, checksums and signatures) are skipped. A document that cannot be
//! read does not stop the others: it goes to [`Feed::refused`] with the reason, so the caller
//! can make the import all-or-nothing and tell the user exactly what to fix. Within one feed,
//! the same advisory (publisher and tracking id) keeps its newest revision only.

use crate::csaf::Advisory;
use crate::error::Error;
use crate::kev::KevCatalog;
use crate::version::Version;
use flate2::read::GzDecoder;
use serde::de::IgnoredAny;
use serde::{Deserialize, Serialize};
use std::cmp::Ordering;
use std::collections::HashMap;
use std::io::Read;
use std::path::Path;

/// Larger documents are refused rather than read into memory (the largest CISA advisory is
/// under 1 MiB, the KEV catalog about 1.3 MiB).
pub const MAX_DOCUMENT_BYTES: u64 = 64 * 1024 * 1024;

/// A bundle is refused beyond this many bytes unpacked (CISA's whole ICS bundle unpacks to
/// about 56 MiB), so that a small compressed upload cannot fill the memory.
pub const MAX_BUNDLE_BYTES: u64 = 1024 * 1024 * 1024;

/// A bundle is refused beyond this many files (CISA's holds about 2,400).
pub const MAX_BUNDLE_FILES: usize = 100_000;

/// What a feed held.
#[derive(Debug, Default)]
pub struct Feed {
    /// The advisories, one per publisher and tracking id (the newest revision).
    pub advisories: Vec<Advisory>,
    /// The KEV catalog, if the feed had one (the newest if several).
    pub kev: Option<KevCatalog>,
    /// Documents that could not be read, and why. An import should stop if this is not empty.
    pub refused: Vec<Refusal>,
    /// Files deliberately ignored (provider index files, files that are not JSON).
    pub skipped: Vec<Skipped>,
    /// Older revisions replaced by a newer one of the same advisory (or an older KEV catalog).
    pub superseded: Vec<Superseded>,
    /// Where the kept KEV catalog came from.
    kev_source: String,
}

/// A document that could not be read.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Refusal {
    /// The file, or `bundle.tar.gz!/entry` inside a bundle.
    pub path: String,
    /// Why, naming the field when one is at fault.
    pub reason: String,
}

/// A file left aside on purpose.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Skipped {
    /// The file.
    pub path: String,
    /// Why.
    pub reason: String,
}

/// An older revision dropped for a newer one.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Superseded {
    /// The file of the dropped revision.
    pub path: String,
    /// Tracking id (or `KEV` for the catalog).
    pub tracking_id: String,
    /// The dropped revision (tracking version, or catalog version).
    pub version: String,
    /// The file of the revision kept.
    pub kept: String,
}

/// Top-level keys that tell what a JSON document is, without reading it into a model.
#[derive(Deserialize)]
struct Probe {
    document: Option<IgnoredAny>,
    #[serde(rename = "catalogVersion")]
    catalog_version: Option<IgnoredAny>,
    feed: Option<IgnoredAny>,
    service: Option<IgnoredAny>,
    categories: Option<IgnoredAny>,
    canonical_url: Option<IgnoredAny>,
}

impl Feed {
    /// Reads one input: a `.json` file, a `.tar.gz`/`.tgz` bundle or a folder (recursively).
    pub fn read(path: &Path) -> Result<Feed, Error> {
        Feed::read_all(&[path])
    }

    /// Reads several inputs into one feed (e.g. a bundle and the KEV file).
    pub fn read_all<P: AsRef<Path>>(paths: &[P]) -> Result<Feed, Error> {
        let mut feed = Feed::default();
        for p in paths {
            let path = p.as_ref();
            let meta = std::fs::metadata(path).map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
            if meta.is_dir() {
                feed.add_dir(path)?;
            } else if is_bundle(path) {
                feed.add_bundle_file(path)?;
            } else if has_ext(path, "json") {
                feed.add_file(path)?;
            } else {
                return Err(Error::Unsupported {
                    path: path.to_path_buf(),
                });
            }
        }
        feed.keep_newest();
        Ok(feed)
    }

    /// Reads a `.tar.gz` bundle from memory or a stream (an upload); `name` labels it.
    pub fn from_tar_gz(reader: impl Read, name: &str) -> Result<Feed, Error> {
        let mut feed = Feed::default();
        feed.add_tar_gz(reader, name)?;
        feed.keep_newest();
        Ok(feed)
    }

    /// Reads JSON documents already in memory, as `(name, bytes)`.
    pub fn from_documents<'a>(docs: impl IntoIterator<Item = (&'a str, &'a [u8])>) -> Feed {
        let mut feed = Feed::default();
        for (name, bytes) in docs {
            feed.add_json(name, bytes);
        }
        feed.keep_newest();
        feed
    }

    /// Whether every document was read (nothing refused).
    pub fn is_complete(&self) -> bool {
        self.refused.is_empty()
    }

    fn add_dir(&mut self, dir: &Path) -> Result<(), Error> {
        let io = |source| Error::Io {
            path: dir.to_path_buf(),
            source,
        };
        let mut items: Vec<_> = std::fs::read_dir(dir)
            .map_err(io)?
            .collect::<Result<Vec<_>, _>>()
            .map_err(io)?;
        items.sort_by_key(|e| e.file_name());
        for item in items {
            let path = item.path();
            // Symbolic links are not followed: a mirrored folder has none, and a loop must not
            // hang an import.
            let kind = item.file_type().map_err(io)?;
            if kind.is_dir() {
                self.add_dir(&path)?;
            } else if !kind.is_file() {
                self.skip(&path.display().to_string(), "not a regular file");
            } else if is_bundle(&path) {
                self.add_bundle_file(&path)?;
            } else if let Some(reason) = skip_reason(&path.to_string_lossy()) {
                self.skip(&path.display().to_string(), reason);
            } else {
                self.add_file(&path)?;
            }
        }
        Ok(())
    }

    fn add_file(&mut self, path: &Path) -> Result<(), Error> {
        let name = path.display().to_string();
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let mut bytes = Vec::new();
        file.take(MAX_DOCUMENT_BYTES + 1)
            .read_to_end(&mut bytes)
            .map_err(|source| Error::Io {
                path: path.to_path_buf(),
                source,
            })?;
        self.add_bytes(&name, &bytes);
        Ok(())
    }

    fn add_bundle_file(&mut self, path: &Path) -> Result<(), Error> {
        let file = std::fs::File::open(path).map_err(|source| Error::Io {
            path: path.to_path_buf(),
            source,
        })?;
        self.add_tar_gz(std::io::BufReader::new(file), &path.display().to_string())
    }

    fn add_tar_gz(&mut self, reader: impl Read, name: &str) -> Result<(), Error> {
        let broken = |message: String| Error::Archive {
            path: name.into(),
            message,
        };
        let mut archive = tar::Archive::new(GzDecoder::new(reader));
        let entries = archive.entries().map_err(|e| broken(e.to_string()))?;
        let (mut unpacked, mut files) = (0u64, 0usize);
        for entry in entries {
            let entry = entry.map_err(|e| broken(e.to_string()))?;
            files += 1;
            unpacked = unpacked.saturating_add(entry.header().size().unwrap_or(0));
            if files > MAX_BUNDLE_FILES || unpacked > MAX_BUNDLE_BYTES {
                return Err(broken(format!(
                    "more than {MAX_BUNDLE_FILES} files or {MAX_BUNDLE_BYTES} bytes unpacked: \
                     split it into smaller bundles"
                )));
            }
            let inner = entry
                .path()
                .map(|p| p.to_string_lossy().into_owned())
                .unwrap_or_else(|_| String::from("?"));
            let label = format!("{name}!/{inner}");
            if !entry.header().entry_type().is_file() {
                continue; // folders, links: nothing to read
            }
            if let Some(reason) = skip_reason(&inner) {
                self.skip(&label, reason);
                continue;
            }
            let mut bytes = Vec::new();
            entry
                .take(MAX_DOCUMENT_BYTES + 1)
                .read_to_end(&mut bytes)
                .map_err(|e| broken(format!("{inner}: {e}")))?;
            self.add_bytes(&label, &bytes);
        }
        Ok(())
    }

    fn add_bytes(&mut self, name: &str, bytes: &[u8]) {
        if bytes.len() as u64 > MAX_DOCUMENT_BYTES {
            let reason = format!("larger than {MAX_DOCUMENT_BYTES} bytes");
            self.refuse(name, reason);
        } else {
            self.add_json(name, bytes);
        }
    }

    /// Recognises one JSON document by its content and reads it.
    fn add_json(&mut self, name: &str, bytes: &[u8]) {
        let probe: Probe = match serde_json::from_slice(bytes) {
            Ok(p) => p,
            Err(e) => return self.refuse(name, format!("not valid JSON: {e}")),
        };
        if probe.document.is_some() {
            match Advisory::from_slice(bytes, name) {
                Ok(a) => self.advisories.push(a),
                Err(e) => self.refuse(name, e.to_string()),
            }
        } else if probe.catalog_version.is_some() {
            match KevCatalog::from_slice(bytes, name) {
                Ok(k) => self.add_kev(k, name),
                Err(e) => self.refuse(name, e.to_string()),
            }
        } else if probe.feed.is_some() || probe.service.is_some() || probe.categories.is_some() {
            self.skip(name, "ROLIE feed index of a CSAF provider");
        } else if probe.canonical_url.is_some() {
            self.skip(name, "CSAF provider metadata");
        } else {
            let reason = "neither a CSAF advisory (no `document`) nor the KEV catalog \
                          (no `catalogVersion`)";
            self.refuse(name, reason.to_string());
        }
    }

    fn add_kev(&mut self, kev: KevCatalog, name: &str) {
        let (keep, keep_source, dropped) = match self.kev.take() {
            None => (kev, name.to_string(), None),
            Some(old) => {
                let old_source = std::mem::take(&mut self.kev_source);
                let newer = compare_revisions(
                    (&kev.catalog_version, &kev.date_released),
                    (&old.catalog_version, &old.date_released),
                );
                if newer == Ordering::Greater {
                    (kev, name.to_string(), Some((old, old_source)))
                } else {
                    (old, old_source, Some((kev, name.to_string())))
                }
            }
        };
        if let Some((old, path)) = dropped {
            self.superseded.push(Superseded {
                path,
                tracking_id: String::from("KEV"),
                version: old.catalog_version,
                kept: keep_source.clone(),
            });
        }
        self.kev = Some(keep);
        self.kev_source = keep_source;
    }

    /// One advisory per publisher and tracking id: the newest revision.
    fn keep_newest(&mut self) {
        let mut kept: HashMap<(String, String), Advisory> = HashMap::new();
        let mut order = Vec::new();
        for a in std::mem::take(&mut self.advisories) {
            let publisher = a.publisher_namespace.as_deref().unwrap_or(&a.publisher);
            let key = (
                publisher.trim().to_lowercase(),
                a.tracking_id.to_uppercase(),
            );
            match kept.remove(&key) {
                None => {
                    order.push(key.clone());
                    kept.insert(key, a);
                }
                Some(old) => {
                    let newer = compare_revisions(
                        (&a.version, &a.current_release_date),
                        (&old.version, &old.current_release_date),
                    );
                    let (keep, drop) = if newer == Ordering::Greater {
                        (a, old)
                    } else {
                        (old, a)
                    };
                    self.superseded.push(Superseded {
                        path: drop.source.clone(),
                        tracking_id: drop.tracking_id.clone(),
                        version: drop.version.clone(),
                        kept: keep.source.clone(),
                    });
                    kept.insert(key, keep);
                }
            }
        }
        self.advisories = order.into_iter().filter_map(|k| kept.remove(&k)).collect();
    }

    fn refuse(&mut self, path: &str, reason: String) {
        self.refused.push(Refusal {
            path: path.to_string(),
            reason,
        });
    }

    fn skip(&mut self, path: &str, reason: &str) {
        self.skipped.push(Skipped {
            path: path.to_string(),
            reason: reason.to_string(),
        });
    }
}

/// Orders two revisions, given as (version, release date), by version (numeric parts), then by
/// release date text: how a feed keeps the newest revision of an advisory or KEV catalog, and
/// how a hub decides whether an imported revision replaces the stored one.
pub fn compare_revisions(a: (&str, &str), b: (&str, &str)) -> Ordering {
    let by_version = match (Version::parse(a.0), Version::parse(b.0)) {
        (Some(x), Some(y)) => x.compare(&y),
        _ => Ordering::Equal,
    };
    by_version.then_with(|| a.1.trim().cmp(b.1.trim()))
}

fn has_ext(path: &Path, ext: &str) -> bool {
    path.extension()
        .is_some_and(|e| e.eq_ignore_ascii_case(ext))
}

fn is_bundle(path: &Path) -> bool {
    let name = path.to_string_lossy().to_lowercase();
    name.ends_with(".tar.gz") || name.ends_with(".tgz")
}

/// Why a file of a provider folder or bundle is not read, from its name.
fn skip_reason(path: &str) -> Option<&'static str> {
    let name = path
        .rsplit(['/', '\\'])
        .next()
        .unwrap_or(path)
        .to_lowercase();
    if name == "provider-metadata.json" {
        Some("CSAF provider metadata")
    } else if name == "index.txt" || name == "changes.csv" {
        Some("CSAF provider index")
    } else if name.ends_with(".asc") || name.contains(".sha") {
        Some("signature or checksum")
    } else if !name.ends_with(".json") {
        Some("not a .json file")
    } else {
        None
    }
}

#[cfg(test)]
mod tests;
