//! The access table's rows for reports: whoever reads an entity's compliance reads its
//! management body report (its parts follow the reader's other rights).

use super::*;

pub(super) fn cases() -> Vec<Case> {
    vec![case(
        Method::GET,
        "/api/v1/entities/{a}/reports/board?lang=fr",
        "/api/v1/entities/{id}/reports/board",
        None,
        [200, 200, 200, 200],
    )]
}
