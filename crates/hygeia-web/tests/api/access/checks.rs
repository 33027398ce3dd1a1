//! The access table's rows for automated checks: everyone who reads compliance reads the
//! checks, observations and proposals; contributors and up decide proposals; administrators
//! run the checks on request.

use super::*;

pub(super) fn cases() -> Vec<Case> {
    let decide = json!({"reason": "The device is a visitor's laptop, removed."});
    vec![
        case(
            Method::GET,
            "/api/v1/checks",
            "/api/v1/checks",
            None,
            [200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/checks/run",
            "/api/v1/checks/run",
            None,
            [200, 403, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/observations?state=open",
            "/api/v1/observations",
            None,
            [200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/v1/observations/no-such-observation",
            "/api/v1/observations/{id}",
            None,
            [404, 404, 404, 404],
        ),
        case(
            Method::GET,
            "/api/v1/result-proposals?state=proposed",
            "/api/v1/result-proposals",
            None,
            [200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/result-proposals/no-such-proposal/confirm",
            "/api/v1/result-proposals/{id}/confirm",
            Some(json!({"lang": "fr"})),
            [404, 404, 404, 403],
        ),
        case(
            Method::POST,
            "/api/v1/result-proposals/no-such-proposal/dismiss",
            "/api/v1/result-proposals/{id}/dismiss",
            Some(decide),
            [404, 404, 404, 403],
        ),
    ]
}
