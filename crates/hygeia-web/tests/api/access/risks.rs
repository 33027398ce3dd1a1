//! The access table's rows for the risk register and what is at stake: everyone reads, the
//! writers change, accepting and the matrix need their own rights; a risk or process of another
//! entity is not found.

use super::*;

/// A rating that holds on the default matrix.
fn risk_rating() -> Value {
    json!({"likelihood": 3, "likelihood_justification": "seen in the sector",
           "impacts": [{"dimension": "product_quality", "value": 4,
                        "justification": "batches out of specification"}]})
}

pub(super) fn cases() -> Vec<Case> {
    use Method as M;
    vec![
        // The risk register (entity A; B is outside the non-administrators' scope).
        case(
            M::GET,
            "/api/v1/risks?entity_id={a}",
            "/api/v1/risks",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/risks",
            "/api/v1/risks",
            Some(json!({"entity_id": "{a}", "title": "Set points altered",
                        "inherent": risk_rating(), "treatment": "mitigate"})),
            [201, 201, 201, 403],
        ),
        case(
            M::POST,
            "/api/v1/risks",
            "/api/v1/risks",
            Some(json!({"entity_id": "{a}", "title": "Old imaging server",
                        "inherent": risk_rating(), "treatment": "accept",
                        "acceptance": {"approver": "Director", "justification": "replaced soon",
                                       "expires_on": "2027-06-30"}})),
            // Accepting a risk is for managers.
            [201, 201, 403, 403],
        ),
        case(
            M::POST,
            "/api/v1/risks",
            "/api/v1/risks",
            Some(json!({"entity_id": "{b}", "title": "Elsewhere"})),
            [201, 404, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/risks/heat-map?entity_id={a}&stage=inherent",
            "/api/v1/risks/heat-map",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/risks/no-such-risk",
            "/api/v1/risks/{id}",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::PUT,
            "/api/v1/risks/no-such-risk",
            "/api/v1/risks/{id}",
            Some(json!({"title": "Renamed"})),
            [404, 404, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/risk-matrix",
            "/api/v1/risk-matrix",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::PUT,
            "/api/v1/risk-matrix",
            "/api/v1/risk-matrix",
            // It re-rates every entity's risks: administrators only (this one is refused).
            Some(json!({"likelihood": [], "impact": [], "levels": [], "cells": []})),
            [400, 403, 403, 403],
        ),
        case(
            M::GET,
            "/api/v1/risk-scenarios",
            "/api/v1/risk-scenarios",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/risk-scenarios/ransomware-plant/risks",
            "/api/v1/risk-scenarios/{id}/risks",
            Some(json!({"entity_id": "{a}", "lang": "fr"})),
            [201, 201, 201, 403],
        ),
        case(
            M::GET,
            "/api/v1/risks/overview?entity_id={a}",
            "/api/v1/risks/overview",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/risks/export?entity_id={a}&format=xlsx",
            "/api/v1/risks/export",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/risks/bulk",
            "/api/v1/risks/bulk",
            // An unknown risk refuses the whole change, by name.
            Some(json!({"risk_ids": ["no-such-risk"], "reviewed": true})),
            [400, 400, 400, 403],
        ),
        case(
            M::GET,
            "/api/v1/risks/no-such-risk/actions",
            "/api/v1/risks/{id}/actions",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::POST,
            "/api/v1/risks/no-such-risk/actions",
            "/api/v1/risks/{id}/actions",
            Some(json!({"title": "Segment the line"})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/risks/no-such-risk/actions/no-such-action",
            "/api/v1/risks/{id}/actions/{action_id}",
            Some(json!({"title": "Segment the line", "status": "done"})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/risks/no-such-risk/controls",
            "/api/v1/risks/{id}/controls",
            Some(json!({"control_ids": []})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/risks/no-such-risk/processes",
            "/api/v1/risks/{id}/processes",
            Some(json!({"process_ids": []})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/risks/no-such-risk/path",
            "/api/v1/risks/{id}/path",
            Some(json!({"supplier_ids": [], "steps": []})),
            [404, 404, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/processes?entity_id={a}",
            "/api/v1/processes",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/processes",
            "/api/v1/processes",
            Some(
                json!({"entity_id": "{a}", "name": "Aseptic filling", "confidentiality": 1,
                        "integrity": 4, "availability": 4, "product_quality": true}),
            ),
            [201, 201, 201, 403],
        ),
        case(
            M::POST,
            "/api/v1/processes",
            "/api/v1/processes",
            Some(
                json!({"entity_id": "{b}", "name": "Elsewhere", "confidentiality": 1,
                        "integrity": 1, "availability": 1}),
            ),
            [201, 404, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/processes/no-such-process",
            "/api/v1/processes/{id}",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::PUT,
            "/api/v1/processes/no-such-process",
            "/api/v1/processes/{id}",
            Some(
                json!({"name": "Renamed", "confidentiality": 1, "integrity": 1,
                        "availability": 1}),
            ),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/processes/no-such-process/links",
            "/api/v1/processes/{id}/links",
            Some(json!({"asset_ids": [], "site_ids": []})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/risks/no-such-risk/assets",
            "/api/v1/risks/{id}/assets",
            Some(json!({"asset_ids": []})),
            [404, 404, 404, 403],
        ),
    ]
}
