//! The automated checks from the command line, on the demo: its seed has run them once, so
//! the observations are there to list; another run finds the same and opens nothing new.

use super::*;

#[test]
fn checks_run_on_the_demo_and_their_observations_are_listed() {
    let dir = temp_dir();
    let url = format!("sqlite://{}", dir.join("h.db").display());
    create_entities(&url);

    let out = hygeia(&["checks", "observations", "--json"], &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let open: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    let checks: Vec<&str> = open
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["check_id"].as_str().unwrap())
        .collect();
    // The demo administrator signs in with a password alone; a demo certificate has lapsed; a
    // member of the plant's management body has let their training expire, and a policy is
    // past its review.
    assert!(
        checks.contains(&"admins-without-mfa")
            && checks.contains(&"supplier-certificate-expired")
            && checks.contains(&"board-members-untrained")
            && checks.contains(&"policy-review-overdue"),
        "{checks:?}"
    );
    let out = hygeia(&["checks", "observations"], &url);
    let listing = text(&out.stdout);
    assert!(
        listing.contains("Administrators without a second factor")
            && listing.contains("Laboratoires Hygée SAS"),
        "{listing}"
    );

    let out = hygeia(&["checks", "run"], &url);
    assert!(out.status.success(), "{}", text(&out.stderr));
    let said = text(&out.stdout);
    assert!(
        said.contains("12 checks run: 0 observation(s) opened")
            && said.contains(&format!("{} open in all", open.as_array().unwrap().len())),
        "{said}"
    );
}
