//! The access table's rows for governance (Art. 20): everyone reads an entity's governance
//! and policies; administrators and compliance managers record members, approvals, training
//! and policy changes; every role acknowledges the policies that apply to it.

use super::*;

pub(super) fn cases() -> Vec<Case> {
    let member = json!({"name": "Claire Martin", "title": "CEO", "appointed_on": "2025-01-01"});
    let training = json!({"person_name": "Claire Martin", "course": "NIS2 for boards",
        "completed_on": "2026-02-01"});
    let policy = json!({"title": "Information security policy", "summary": "First version"});
    vec![
        case(
            Method::GET,
            "/api/v1/entities/{a}/governance",
            "/api/v1/entities/{id}/governance",
            None,
            [200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/entities/{a}/board-members",
            "/api/v1/entities/{id}/board-members",
            Some(member.clone()),
            [201, 201, 403, 403],
        ),
        case(
            Method::PUT,
            "/api/v1/board-members/no-such-member",
            "/api/v1/board-members/{id}",
            Some(member),
            [404, 404, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/entities/{a}/approvals",
            "/api/v1/entities/{id}/approvals",
            Some(
                json!({"subject": "measures", "version": "v1", "approved_on": "2026-03-01",
                "member_id": "no-such-member"}),
            ),
            [400, 400, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/entities/{a}/training",
            "/api/v1/entities/{id}/training",
            Some(training.clone()),
            [201, 201, 403, 403],
        ),
        case(
            Method::PUT,
            "/api/v1/training/no-such-record",
            "/api/v1/training/{id}",
            Some(training),
            [404, 404, 403, 403],
        ),
        case(
            Method::DELETE,
            "/api/v1/training/no-such-record",
            "/api/v1/training/{id}",
            None,
            [404, 404, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/entities/{a}/policies",
            "/api/v1/entities/{id}/policies",
            None,
            [200, 200, 200, 200],
        ),
        case(
            Method::POST,
            "/api/v1/entities/{a}/policies",
            "/api/v1/entities/{id}/policies",
            Some(policy.clone()),
            [201, 201, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/policies/no-such-policy",
            "/api/v1/policies/{id}",
            None,
            [404, 404, 404, 404],
        ),
        case(
            Method::PUT,
            "/api/v1/policies/no-such-policy",
            "/api/v1/policies/{id}",
            Some(policy),
            [404, 404, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/policies/no-such-policy/drafts",
            "/api/v1/policies/{id}/drafts",
            Some(json!({"summary": "Second version"})),
            [404, 404, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/policies/no-such-policy/publish",
            "/api/v1/policies/{id}/publish",
            None,
            [404, 404, 403, 403],
        ),
        case(
            Method::POST,
            "/api/v1/policies/no-such-policy/acknowledge",
            "/api/v1/policies/{id}/acknowledge",
            None,
            [404, 404, 404, 404],
        ),
    ]
}
