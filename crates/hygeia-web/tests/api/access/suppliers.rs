//! The access table's rows for the supplier register: everyone reads, contributors and up
//! write, auditors change nothing; a supplier of another entity is not found.

use super::*;

fn case(
    method: Method,
    path: &'static str,
    template: &'static str,
    body: Option<Value>,
    expect: [u16; 4],
) -> Case {
    Case {
        method,
        path,
        template,
        body,
        expect,
    }
}

/// A supplier as the API takes it, of entity `{a}` or `{b}`.
fn supplier(entity: &str) -> Value {
    json!({"entity_id": entity, "name": "Automation Services", "category": "ot_integrator",
           "ot_access": true, "dependency": 3, "substitutability": 3})
}

pub(super) fn cases() -> Vec<Case> {
    use Method as M;
    vec![
        case(
            M::GET,
            "/api/v1/suppliers?entity_id={a}",
            "/api/v1/suppliers",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/suppliers",
            "/api/v1/suppliers",
            Some(supplier("{a}")),
            [201, 201, 201, 403],
        ),
        case(
            M::POST,
            "/api/v1/suppliers",
            "/api/v1/suppliers",
            Some(supplier("{b}")),
            [201, 404, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/suppliers/overview",
            "/api/v1/suppliers/overview",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/suppliers/ot-access",
            "/api/v1/suppliers/ot-access",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/suppliers/export?format=csv",
            "/api/v1/suppliers/export",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::GET,
            "/api/v1/suppliers/no-such-supplier",
            "/api/v1/suppliers/{id}",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::PUT,
            "/api/v1/suppliers/no-such-supplier",
            "/api/v1/suppliers/{id}",
            Some(
                json!({"name": "Renamed", "category": "other", "dependency": 1, "substitutability": 1}),
            ),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/suppliers/no-such-supplier/links",
            "/api/v1/suppliers/{id}/links",
            Some(json!({"process_ids": []})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/suppliers/no-such-supplier/incidents",
            "/api/v1/suppliers/{id}/incidents",
            Some(json!({"incident_ids": []})),
            [404, 404, 404, 403],
        ),
        case(
            M::POST,
            "/api/v1/suppliers/no-such-supplier/reviewed",
            "/api/v1/suppliers/{id}/reviewed",
            None,
            [404, 404, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/suppliers/no-such-supplier/exposure",
            "/api/v1/suppliers/{id}/exposure",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::POST,
            "/api/v1/suppliers/no-such-supplier/certifications",
            "/api/v1/suppliers/{id}/certifications",
            Some(json!({"scheme": "hds", "valid_until": "2027-01-31"})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/suppliers/no-such-supplier/certifications/no-such-certification",
            "/api/v1/suppliers/{id}/certifications/{certification_id}",
            Some(json!({"scheme": "hds", "valid_until": "2027-01-31"})),
            [404, 404, 404, 403],
        ),
        case(
            M::DELETE,
            "/api/v1/suppliers/no-such-supplier/certifications/no-such-certification",
            "/api/v1/suppliers/{id}/certifications/{certification_id}",
            None,
            [404, 404, 404, 403],
        ),
        case(
            M::POST,
            "/api/v1/suppliers/no-such-supplier/contracts",
            "/api/v1/suppliers/{id}/contracts",
            Some(json!({"title": "Maintenance contract"})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/suppliers/no-such-supplier/contracts/no-such-contract",
            "/api/v1/suppliers/{id}/contracts/{contract_id}",
            Some(json!({"title": "Maintenance contract"})),
            [404, 404, 404, 403],
        ),
        case(
            M::PUT,
            "/api/v1/suppliers/no-such-supplier/contracts/no-such-contract/clauses/right_to_audit",
            "/api/v1/suppliers/{id}/contracts/{contract_id}/clauses/{kind}",
            Some(json!({"status": "present"})),
            [404, 404, 404, 403],
        ),
        case(
            M::GET,
            "/api/v1/questionnaire-templates",
            "/api/v1/questionnaire-templates",
            None,
            [200, 200, 200, 200],
        ),
        case(
            M::POST,
            "/api/v1/questionnaire-templates",
            "/api/v1/questionnaire-templates",
            Some(json!({"id": "ot-remote-access", "version": 1,
                        "title": {"en": "Remote access", "fr": "Accès distant"},
                        "description": {"en": "Two questions", "fr": "Deux questions"},
                        "sections": [{"id": "access", "title": {"en": "Access", "fr": "Accès"},
                          "questions": [{"id": "ra.bastion", "kind": "yes_no",
                            "text": {"en": "Through our bastion?", "fr": "Par notre bastion ?"}}]}]})),
            [201, 201, 403, 403],
        ),
        // Sending, revoking and reviewing questionnaires is for those who assess suppliers.
        case(
            M::POST,
            "/api/v1/suppliers/no-such-supplier/questionnaires",
            "/api/v1/suppliers/{id}/questionnaires",
            Some(
                json!({"template_id": "nis2-supplier-short", "contact_name": "Léa",
                        "contact_email": "lea@supplier.example"}),
            ),
            [404, 404, 403, 403],
        ),
        case(
            M::GET,
            "/api/v1/questionnaires/no-such-questionnaire",
            "/api/v1/questionnaires/{id}",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::POST,
            "/api/v1/questionnaires/no-such-questionnaire/revoke",
            "/api/v1/questionnaires/{id}/revoke",
            None,
            [404, 404, 403, 403],
        ),
        case(
            M::PUT,
            "/api/v1/questionnaires/no-such-questionnaire/review",
            "/api/v1/questionnaires/{id}/review",
            Some(json!({"scores": [], "complete": false})),
            [404, 404, 403, 403],
        ),
        case(
            M::POST,
            "/api/v1/questionnaires/no-such-questionnaire/actions",
            "/api/v1/questionnaires/{id}/actions",
            Some(json!({"title": "Enable MFA"})),
            [404, 404, 403, 403],
        ),
        case(
            M::PUT,
            "/api/v1/questionnaires/no-such-questionnaire/actions/no-such-action",
            "/api/v1/questionnaires/{id}/actions/{action_id}",
            Some(json!({"status": "done"})),
            [404, 404, 403, 403],
        ),
        case(
            M::POST,
            "/api/v1/suppliers/no-such-supplier/device-disclosures",
            "/api/v1/suppliers/{id}/device-disclosures",
            None,
            [404, 404, 403, 403],
        ),
        case(
            M::GET,
            "/api/v1/incidents/no-such-incident/suppliers",
            "/api/v1/incidents/{id}/suppliers",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::GET,
            "/api/v1/suppliers/no-such-supplier/device-disclosures",
            "/api/v1/suppliers/{id}/device-disclosures",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::GET,
            "/api/v1/device-disclosures/no-such-disclosure",
            "/api/v1/device-disclosures/{id}",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::DELETE,
            "/api/v1/device-disclosures/no-such-disclosure",
            "/api/v1/device-disclosures/{id}",
            None,
            [404, 404, 403, 403],
        ),
        case(
            M::GET,
            "/api/v1/questionnaires/no-such-questionnaire/export",
            "/api/v1/questionnaires/{id}/export",
            None,
            [404, 404, 404, 404],
        ),
        case(
            M::POST,
            "/api/v1/questionnaires/no-such-questionnaire/import",
            "/api/v1/questionnaires/{id}/import",
            None,
            [404, 404, 403, 403],
        ),
        case(
            M::GET,
            "/api/v1/portal/workbook",
            "/api/v1/portal/workbook",
            None,
            [401, 401, 401, 401],
        ),
        case(
            M::PUT,
            "/api/v1/portal/workbook",
            "/api/v1/portal/workbook",
            None,
            [401, 401, 401, 401],
        ),
        // The portal takes a questionnaire link's token only: users' credentials reach nothing.
        case(
            M::GET,
            "/api/v1/portal/questionnaire",
            "/api/v1/portal/questionnaire",
            None,
            [401, 401, 401, 401],
        ),
        case(
            M::PUT,
            "/api/v1/portal/answers",
            "/api/v1/portal/answers",
            Some(json!({"answers": [], "submit": false})),
            [401, 401, 401, 401],
        ),
        case(
            M::POST,
            "/api/v1/portal/evidence?question_id=gov.policy&file_name=policy.pdf",
            "/api/v1/portal/evidence",
            None,
            [401, 401, 401, 401],
        ),
    ]
}
