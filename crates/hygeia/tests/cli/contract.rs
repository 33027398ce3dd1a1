//! The API against its own contract, as an outside client sees it: the OpenAPI document is a
//! valid OpenAPI 3 document, and a property-based run of every operation (schemathesis, from
//! the Python registry, bounded in examples and time) gets no 5xx answer.

use super::*;

fn tool(command: &str, args: &[&str]) -> bool {
    Command::new(command)
        .args(args)
        .output()
        .is_ok_and(|o| o.status.success())
}

#[test]
fn every_operation_survives_generated_requests_without_a_server_error() {
    if !tool("st", &["--version"]) {
        eprintln!("skipping: schemathesis (`st`) is not installed (`pip install schemathesis`)");
        return;
    }
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    let server = Server::start(&url, &["--demo", "--mfa-required-roles", "none"]);
    let out = hygeia(
        &[
            "token",
            "create",
            "--email",
            "admin@hygee-demo.example",
            "--name",
            "contract",
        ],
        &url,
    );
    assert!(out.status.success(), "{}", text(&out.stderr));
    let token = text(&out.stdout).trim().to_owned();
    let schema = format!("http://127.0.0.1:{}/api/v1/openapi.json", server.port);

    let (status, _, document) = server.request("GET", "/api/v1/openapi.json", &[], "");
    assert_eq!(status, 200);
    let path = dir.join("openapi.json");
    std::fs::write(&path, document).unwrap();
    if tool("python3", &["-c", "import openapi_spec_validator"]) {
        let check = Command::new("python3")
            .args([
                "-c",
                "import json,sys; from openapi_spec_validator import validate; \
                 validate(json.load(open(sys.argv[1]))); print('valid')",
            ])
            .arg(&path)
            .output()
            .unwrap();
        assert!(check.status.success(), "{}", text(&check.stderr));
    } else {
        eprintln!(
            "openapi-spec-validator is not installed: the document's validity is checked by schemathesis only"
        );
    }

    // Operations that would end the run's own credentials (password changes, deactivation,
    // revocation) are left out; everything else, writes included, is exercised.
    let run = Command::new("timeout")
        .current_dir(&dir)
        .args(["600", "st", "run", &schema])
        .args(["--header", &format!("Authorization: Bearer {token}")])
        .args(["--checks", "not_a_server_error"])
        .args(["--max-examples", "15", "--workers", "2", "--seed", "1"])
        .args(["--request-timeout", "30"])
        .args([
            "--exclude-path-regex",
            "(/password$|^/api/v1/users/\\{id\\}$|^/api/v1/tokens/\\{id\\}$|/second-factor$|/sessions/end-all$)",
        ])
        .output()
        .unwrap();
    let report = text(&run.stdout);
    let tail: String = report
        .lines()
        .rev()
        .take(40)
        .collect::<Vec<_>>()
        .into_iter()
        .rev()
        .collect::<Vec<_>>()
        .join("\n");
    assert!(
        run.status.success(),
        "schemathesis found problems:\n{tail}\n{}",
        text(&run.stderr)
    );
    eprintln!("{tail}");
    // The server is still well.
    let (status, _, _) = server.request("GET", "/readyz", &[], "");
    assert_eq!(status, 200);
    assert!(server.stop().success());
    let _ = std::fs::remove_dir_all(dir);
}
