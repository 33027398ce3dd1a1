//! Catalog files: validation, import and export.

use super::*;

const ACME: &str = "framework:\n  id: acme-policy\n  name: {en: \"ACME policy\", fr: \"Politique ACME\"}\n  kind: other\nrequirements:\n  - id: \"p1\"\n    assessable: true\n    title: {en: \"Board approval\", fr: \"Approbation du conseil\"}\n";

#[test]
fn catalog_files_are_validated_imported_and_exported() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let good = dir.join("acme.yaml");
    std::fs::write(&good, ACME).unwrap();
    let bad = dir.join("broken.yaml");
    std::fs::write(
        &bad,
        ACME.replace("fr: \"Approbation du conseil\"", "fr: \"\""),
    )
    .unwrap();

    let out = hygeia(&["catalog", "validate", &bad.display().to_string()], &url);
    assert_eq!(out.status.code(), Some(1));
    let err = text(&out.stderr);
    assert!(
        err.contains("broken.yaml") && err.contains("p1") && err.contains("title.fr"),
        "{err}"
    );
    let out = hygeia(&["catalog", "import", &bad.display().to_string()], &url);
    assert_eq!(out.status.code(), Some(1));
    assert!(text(&out.stderr).contains("nothing was imported"));

    let out = hygeia(&["catalog", "import", &good.display().to_string()], &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let out = hygeia(&["catalog", "list"], &url);
    let listing = text(&out.stdout);
    assert!(
        listing.contains("acme-policy") && listing.contains("nis2-2024-2690"),
        "{listing}"
    );
    assert!(
        listing.contains("ENISA"),
        "crosswalk credits missing: {listing}"
    );

    let exported = dir.join("iso.oscal.json");
    let out = hygeia(
        &[
            "catalog",
            "export",
            "iso27001-2022",
            "--to",
            &exported.display().to_string(),
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let json: serde_json::Value =
        serde_json::from_str(&std::fs::read_to_string(&exported).unwrap()).unwrap();
    assert!(json["catalog"]["metadata"]["title"].is_string());
    // Re-importing the same framework id is refused: ids are unique.
    let out = hygeia(
        &["catalog", "validate", &exported.display().to_string()],
        &url,
    );
    assert_eq!(out.status.code(), Some(1));
    let _ = std::fs::remove_dir_all(dir);
}
