//! The management body's report typeset from the command line, on the demo: a PDF with the
//! entity's name and the sections in the language asked; never over an existing file.

use super::audit::raw;
use super::*;

#[tokio::test]
async fn the_board_report_is_written_as_pdf_from_the_command_line() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    create_entities(&url);
    let pool = raw(&url).await;
    let entity: String = sqlx::query_scalar("SELECT id FROM entities WHERE name = $1")
        .bind("Laboratoires Hygée SAS")
        .fetch_one(&pool)
        .await
        .unwrap();
    pool.close().await;
    let out_file = dir.join("board.pdf");
    let out_path = out_file.display().to_string();
    let args = [
        "report", "board", "--entity", &entity, "--lang", "fr", "--out", &out_path,
    ];
    let out = hygeia(&args, &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let pdf = std::fs::read(&out_file).unwrap();
    assert!(pdf.starts_with(b"%PDF-"));
    match std::process::Command::new("pdftotext")
        .args(["-enc", "UTF-8", &out_path, "-"])
        .output()
    {
        Ok(read) => {
            let words = text(&read.stdout)
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" ");
            assert!(
                words.contains("Laboratoires Hygée SAS")
                    && words.contains("Rapport à l'organe de direction")
                    && words.contains("Principaux risques")
                    && words.contains("Approbations, formation et politiques (article 20)")
                    && words.contains("Hélène Moreau"),
                "{words}"
            );
        }
        Err(e) => println!("skipping the PDF text check: pdftotext is not runnable ({e})"),
    }
    // An existing file is never overwritten; a language the reports lack is refused.
    let again = hygeia(&args, &url);
    assert!(!again.status.success());
    assert!(
        text(&again.stderr).contains("board.pdf"),
        "{}",
        text(&again.stderr)
    );
    let other = dir.join("other.pdf").display().to_string();
    let out = hygeia(
        &[
            "report", "board", "--entity", &entity, "--lang", "de", "--out", &other,
        ],
        &url,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--lang"),
        "{}",
        text(&out.stderr)
    );
    // The registration data as JSON: the sheet with what is still missing (nothing saved yet).
    let json_file = dir.join("registration.json").display().to_string();
    let out = hygeia(
        &[
            "report",
            "registration",
            "--entity",
            &entity,
            "--format",
            "json",
            "--out",
            &json_file,
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let sheet: serde_json::Value =
        serde_json::from_slice(&std::fs::read(&json_file).unwrap()).unwrap();
    assert_eq!(sheet["name"], "Laboratoires Hygée SAS");
    assert_eq!(sheet["article"], "Art. 3(3)–(4)", "{sheet}");
    assert!(
        sheet["missing"]
            .as_array()
            .is_some_and(|m| m.iter().any(|f| f == "ip_ranges")),
        "{sheet}"
    );
    let pdf_file = dir.join("registration.pdf").display().to_string();
    let out = hygeia(
        &[
            "report",
            "registration",
            "--entity",
            &entity,
            "--lang",
            "fr",
            "--out",
            &pdf_file,
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    assert!(std::fs::read(&pdf_file).unwrap().starts_with(b"%PDF-"));
    let out = hygeia(
        &[
            "report",
            "registration",
            "--entity",
            &entity,
            "--format",
            "docx",
            "--out",
            &dir.join("x").display().to_string(),
        ],
        &url,
    );
    assert_eq!(out.status.code(), Some(2));
    assert!(
        text(&out.stderr).contains("--format"),
        "{}",
        text(&out.stderr)
    );
}
