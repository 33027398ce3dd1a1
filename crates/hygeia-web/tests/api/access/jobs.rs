//! The access table's rows for background jobs: administrators only.

use super::*;

pub(super) fn cases() -> Vec<Case> {
    vec![
        Case {
            method: Method::GET,
            path: "/api/v1/jobs?state=failed",
            template: "/api/v1/jobs",
            body: None,
            expect: [200, 403, 403, 403],
        },
        Case {
            method: Method::POST,
            path: "/api/v1/jobs/no-such-job/retry",
            template: "/api/v1/jobs/{id}/retry",
            body: None,
            expect: [404, 403, 403, 403],
        },
    ]
}
