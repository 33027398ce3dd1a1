//! The compliance catalogs as the application sees them: the embedded frameworks and
//! crosswalks, plus the files users imported (kept in the database and replayed in order).
//!
//! Each instance caches the built catalog with the import count it was built from; when another
//! instance imports a file, the count changes and the next reader rebuilds.

use std::sync::{Arc, RwLock};

use hygeia_catalog::{Catalog, CatalogError, IssueKind, oscal};
use hygeia_domain::validation::FieldError;
use hygeia_store::{CatalogImport, Store};

use crate::error::{ApiError, ApiResult};

/// What a file to import is.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ImportKind {
    Framework,
    Mapping,
    /// A reporting-obligation template for incidents (`docs/obligations-format.md`).
    Obligation,
}

/// How a file to import is written.
#[derive(
    Debug, Clone, Copy, PartialEq, Eq, serde::Deserialize, serde::Serialize, utoipa::ToSchema,
)]
#[serde(rename_all = "snake_case")]
pub enum ImportFormat {
    /// Hygeia's catalog format (`docs/catalog-format.md`).
    Yaml,
    /// An OSCAL catalog (JSON); frameworks only.
    Oscal,
}

impl ImportKind {
    pub fn code(self) -> &'static str {
        match self {
            ImportKind::Framework => "framework",
            ImportKind::Mapping => "mapping",
            ImportKind::Obligation => "obligation",
        }
    }
}

impl ImportFormat {
    pub fn code(self) -> &'static str {
        match self {
            ImportFormat::Yaml => "yaml",
            ImportFormat::Oscal => "oscal",
        }
    }
}

/// Adds one file to `catalog`, all-or-nothing, and returns the id it defines.
pub fn apply_import(
    catalog: &mut Catalog,
    kind: ImportKind,
    format: ImportFormat,
    file_name: &str,
    content: &str,
) -> Result<String, CatalogError> {
    match (kind, format) {
        (ImportKind::Framework, ImportFormat::Yaml) => Ok(catalog
            .import_framework(file_name, content)?
            .id()
            .to_owned()),
        (ImportKind::Framework, ImportFormat::Oscal) => Ok(catalog
            .insert_framework(oscal::import(file_name, content))?
            .id()
            .to_owned()),
        (ImportKind::Mapping, ImportFormat::Yaml) => {
            Ok(catalog.import_mapping(file_name, content)?.id().to_owned())
        }
        (ImportKind::Obligation, ImportFormat::Yaml) => {
            Ok(catalog.import_obligation(file_name, content)?.id.clone())
        }
        (ImportKind::Obligation, ImportFormat::Oscal) => Err(CatalogError::Parse {
            file: file_name.to_owned(),
            message: "reporting-obligation templates are written in Hygeia's YAML format".into(),
        }),
        (ImportKind::Mapping, ImportFormat::Oscal) => Err(CatalogError::Parse {
            file: file_name.to_owned(),
            message: "OSCAL catalogs hold frameworks; import crosswalks in Hygeia's YAML format"
                .into(),
        }),
    }
}

fn parse_kind(text: &str) -> Option<ImportKind> {
    match text {
        "framework" => Some(ImportKind::Framework),
        "mapping" => Some(ImportKind::Mapping),
        "obligation" => Some(ImportKind::Obligation),
        _ => None,
    }
}

fn parse_format(text: &str) -> Option<ImportFormat> {
    match text {
        "yaml" => Some(ImportFormat::Yaml),
        "oscal" => Some(ImportFormat::Oscal),
        _ => None,
    }
}

/// The embedded catalogs with every stored import replayed on top.
pub fn build(imports: &[CatalogImport]) -> Result<Catalog, CatalogError> {
    let mut catalog = Catalog::load_embedded()?;
    for import in imports {
        let (Some(kind), Some(format)) = (parse_kind(&import.kind), parse_format(&import.format))
        else {
            return Err(CatalogError::Parse {
                file: import.file_name.clone(),
                message: format!(
                    "stored import has unknown kind '{}' or format '{}'",
                    import.kind, import.format
                ),
            });
        };
        apply_import(
            &mut catalog,
            kind,
            format,
            &import.file_name,
            &import.content,
        )?;
    }
    Ok(catalog)
}

/// The built catalog and the import count it reflects.
#[derive(Debug, Clone)]
pub struct CatalogCache {
    inner: Arc<RwLock<(i64, Arc<Catalog>)>>,
}

impl CatalogCache {
    /// A cache holding a catalog built from `generation` imports.
    pub fn new(catalog: Catalog, generation: i64) -> Self {
        Self {
            inner: Arc::new(RwLock::new((generation, Arc::new(catalog)))),
        }
    }

    /// Builds the catalog from the store (embedded files plus imports).
    pub async fn load(store: &Store) -> Result<Self, String> {
        let imports = store.catalog_imports().await.map_err(|e| e.to_string())?;
        let catalog = build(&imports).map_err(|e| e.to_string())?;
        Ok(Self::new(catalog, imports.len() as i64))
    }

    fn cached(&self) -> (i64, Arc<Catalog>) {
        match self.inner.read() {
            Ok(guard) => (guard.0, guard.1.clone()),
            Err(poisoned) => {
                let guard = poisoned.into_inner();
                (guard.0, guard.1.clone())
            }
        }
    }

    fn replace(&self, generation: i64, catalog: Arc<Catalog>) {
        let mut guard = match self.inner.write() {
            Ok(guard) => guard,
            Err(poisoned) => poisoned.into_inner(),
        };
        if generation >= guard.0 {
            *guard = (generation, catalog);
        }
    }

    /// The current catalog, rebuilt first if another instance imported a file meanwhile.
    pub async fn current(&self, store: &Store) -> ApiResult<Arc<Catalog>> {
        Ok(self.current_with_generation(store).await?.1)
    }

    /// The current catalog with its generation (the number of imports it reflects), for
    /// caches of figures computed from it.
    pub async fn current_with_generation(&self, store: &Store) -> ApiResult<(i64, Arc<Catalog>)> {
        let generation = store.catalog_generation().await?;
        let (cached_generation, catalog) = self.cached();
        if generation == cached_generation {
            return Ok((generation, catalog));
        }
        let imports = store.catalog_imports().await?;
        let rebuilt = Arc::new(build(&imports).map_err(ApiError::internal)?);
        let rebuilt_generation = imports.len() as i64;
        self.replace(rebuilt_generation, rebuilt.clone());
        Ok((rebuilt_generation, rebuilt))
    }

    /// Validates a file against the current catalog, stores it, and publishes the new catalog.
    pub async fn import(
        &self,
        store: &Store,
        actor: &hygeia_store::Actor,
        kind: ImportKind,
        format: ImportFormat,
        file_name: &str,
        content: &str,
    ) -> ApiResult<(String, Arc<Catalog>)> {
        let current = self.current(store).await?;
        let mut next = (*current).clone();
        let id =
            apply_import(&mut next, kind, format, file_name, content).map_err(catalog_error)?;
        store
            .add_catalog_import(actor, &id, kind.code(), format.code(), file_name, content)
            .await?;
        let generation = store.catalog_generation().await?;
        let next = Arc::new(next);
        self.replace(generation, next.clone());
        Ok((id, next))
    }
}

/// A catalog validation failure as a 400 naming file, entry and field of each problem.
pub fn catalog_error(error: CatalogError) -> ApiError {
    let errors = error.issues().iter().map(issue_error).collect();
    ApiError::BadRequest {
        detail: error.to_string(),
        errors,
    }
}

/// A catalog problem as a coded field error located by file and entry.
fn issue_error(issue: &hygeia_catalog::Issue) -> FieldError {
    let field = issue.field.as_str();
    let error = match &issue.kind {
        IssueKind::Missing => FieldError::empty(field),
        IssueKind::DuplicateId => FieldError::duplicate(field, &issue.entry),
        IssueKind::UnknownParent(parent) => FieldError::unknown_parent(field, parent),
        IssueKind::ParentCycle => FieldError::parent_cycle(field),
        IssueKind::UnknownFramework(framework) => FieldError::unknown_framework(field, framework),
        IssueKind::DanglingReference { framework, id } => {
            FieldError::unknown_requirement(field, framework, id)
        }
        IssueKind::DuplicateFramework(id) => FieldError::already_exists(field, id),
        IssueKind::InvalidValue(why) => FieldError::bad_value(field, why),
    };
    error.in_entry(&issue.file, &issue.entry)
}
