//! The access table's rows for reports: whoever reads an entity's compliance reads its
//! management body report (its parts follow the reader's other rights); whoever reads an
//! entity reads its registration sheet, and those who may change its profile save it.

use super::*;

pub(super) fn cases() -> Vec<Case> {
    vec![
        case(
            Method::GET,
            "/api/v1/entities/{a}/reports/board?lang=fr",
            "/api/v1/entities/{id}/reports/board",
            None,
            [200, 200, 200, 200],
        ),
        case(
            Method::GET,
            "/api/v1/entities/{a}/registration",
            "/api/v1/entities/{id}/registration",
            None,
            [200, 200, 200, 200],
        ),
        case(
            Method::PUT,
            "/api/v1/entities/{a}/registration",
            "/api/v1/entities/{id}/registration",
            Some(json!({"emails": ["rssi@pharma.example"]})),
            [200, 200, 403, 403],
        ),
        case(
            Method::GET,
            "/api/v1/entities/{a}/registration/pdf?lang=en",
            "/api/v1/entities/{id}/registration/pdf",
            None,
            [200, 200, 200, 200],
        ),
    ]
}
