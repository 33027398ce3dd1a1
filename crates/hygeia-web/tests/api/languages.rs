//! Field errors in the user's language on the pages, and coded in the API.

use super::*;

/// Posts a form with `role`'s API token (no CSRF token needed) and returns the status and the
/// page's text with askama's character references decoded.
async fn post_form(
    app: &TestApp,
    role: Role,
    path: &str,
    fields: &[(&str, &str)],
) -> (StatusCode, String) {
    let mut body = url::form_urlencoded::Serializer::new(String::new());
    for (name, value) in fields {
        body.append_pair(name, value);
    }
    let mut request = Request::builder()
        .method(Method::POST)
        .uri(path)
        .header(header::AUTHORIZATION, format!("Bearer {}", app.token(role)))
        .header(header::CONTENT_TYPE, "application/x-www-form-urlencoded")
        .body(Body::from(body.finish()))
        .unwrap();
    request
        .extensions_mut()
        .insert(ConnectInfo(SocketAddr::from(([198, 51, 100, 7], 40000))));
    let response = app.app.clone().oneshot(request).await.unwrap();
    let status = response.status();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    let text = String::from_utf8_lossy(&bytes)
        .replace("&#39;", "'")
        .replace("&#34;", "\"")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
        .replace("&#38;", "&");
    (status, text)
}

/// The entity profile form with a negative head count and a bad country.
fn bad_profile(version: &str) -> Vec<(&str, &str)> {
    vec![
        ("version", version),
        ("name", "Hôpital A"),
        ("country", "France"),
        ("entity_type", "healthcare_provider"),
        ("employees", "-5"),
        ("annual_turnover_eur", "140000000"),
        ("balance_sheet_eur", "90000000"),
        ("parent_entity_id", ""),
        ("registration_number", ""),
    ]
}

#[tokio::test]
async fn the_entity_form_says_what_is_wrong_in_the_users_language() {
    let app = TestApp::new(testing::sqlite()).await;
    let a = app.ids.entity_a.clone();
    let edit = format!("/entities/{a}/edit");
    let version = app.store.entity(&a).await.unwrap().version.to_string();
    let role = Role::ComplianceManager;

    let (status, en) = post_form(&app, role, &edit, &bad_profile(&version)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{en}");
    assert!(
        en.contains("Employees (annual work units)</a>: must not be negative"),
        "{en}"
    );
    assert!(en.contains("'FRANCE' is not an ISO 3166-1 alpha-2 country code"));

    app.speak(role, "fr").await;
    let (status, fr) = post_form(&app, role, &edit, &bad_profile(&version)).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{fr}");
    assert!(
        fr.contains("Effectif (unités de travail annuel)</a>: ne doit pas être négatif"),
        "{fr}"
    );
    assert!(fr.contains("« FRANCE » n'est pas un code pays ISO 3166-1 alpha-2"));
    assert!(!fr.contains("must not be negative") && !fr.contains("is not an ISO"));
    assert_eq!(app.store.entity(&a).await.unwrap().employees, 1500);

    // The site form too (empty name).
    let sites = format!("/entities/{a}/sites");
    let site = [
        ("name", " "),
        ("kind", "hospital"),
        ("city", "Lyon"),
        ("country", "FR"),
    ];
    let (status, fr) = post_form(&app, role, &sites, &site).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{fr}");
    assert!(fr.contains("</a>: ne doit pas être vide"), "{fr}");
}

#[tokio::test]
async fn the_control_form_says_what_is_wrong_in_the_users_language() {
    let app = TestApp::new(testing::sqlite()).await;
    let role = Role::ComplianceManager;
    let control = [
        ("entity_id", app.ids.entity_a.as_str()),
        ("name", ""),
        ("description", ""),
        ("status", "planned"),
        ("implemented_on", "31/12/2026"),
        ("requirements", "iso27001-2022 a.99.9"),
    ];
    let (status, en) = post_form(&app, role, "/compliance/controls", &control).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{en}");
    assert!(
        en.contains(
            "Nothing was saved: Name: must not be empty; \
             Implemented on: must be a date written YYYY-MM-DD; \
             Requirements served: 'iso27001-2022' has no requirement 'a.99.9'"
        ),
        "{en}"
    );

    app.speak(role, "fr").await;
    let (status, fr) = post_form(&app, role, "/compliance/controls", &control).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{fr}");
    assert!(
        fr.contains(
            "Rien n'a été enregistré : Nom : ne doit pas être vide ; \
             Mise en œuvre le : doit être une date écrite AAAA-MM-JJ ; \
             Exigences couvertes : « iso27001-2022 » n'a pas d'exigence « a.99.9 »"
        ),
        "{fr}"
    );
}

#[tokio::test]
async fn the_user_form_says_what_is_wrong_in_the_users_language() {
    let app = TestApp::new(testing::sqlite()).await;
    let role = Role::Administrator;
    let user = [
        ("email", "not-an-address"),
        ("display_name", ""),
        ("role", "auditor"),
        ("locale", "fr"),
        ("password", ""),
    ];
    let (status, en) = post_form(&app, role, "/settings/users", &user).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{en}");
    assert!(
        en.contains("E-mail: 'not-an-address' is not an e-mail address; Name: must not be empty"),
        "{en}"
    );

    app.speak(role, "fr").await;
    let (status, fr) = post_form(&app, role, "/settings/users", &user).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{fr}");
    assert!(
        fr.contains(
            "Adresse e-mail : « not-an-address » n'est pas une adresse e-mail ; \
             Nom : ne doit pas être vide"
        ),
        "{fr}"
    );
    // A token valid for too long, in French too.
    let (status, fr) = post_form(
        &app,
        role,
        "/settings/tokens",
        &[("name", "script"), ("expires_in_days", "9999")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{fr}");
    assert!(
        fr.contains("Durée de validité (jours) : doit être compris entre 1 et 730"),
        "{fr}"
    );
}

#[tokio::test]
async fn api_field_errors_carry_a_code_and_typed_parameters() {
    let app = TestApp::new(testing::sqlite()).await;
    let admin = app.token(Role::Administrator).to_owned();
    let mut bad = entity_body("Y");
    bad["entity_type"] = json!("spaceport");
    bad["employees"] = json!(-3);
    bad["country"] = json!("France");
    bad["name"] = json!("x".repeat(201));
    let (status, body) = app
        .call(Method::POST, "/api/v1/entities", Some(&admin), Some(bad))
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert_eq!(
        body["errors"],
        json!([
            {"field": "name", "code": "too_long", "params": {"max": 200},
             "message": "must be at most 200 characters"},
            {"field": "country", "code": "not_country", "params": {"value": "France"},
             "message": "'France' is not an ISO 3166-1 alpha-2 country code such as FR or DE"},
            {"field": "entity_type", "code": "unknown_entity_type", "params": {"value": "spaceport"},
             "message": "unknown NIS2 entity type 'spaceport'"},
            {"field": "employees", "code": "negative", "params": {},
             "message": "must not be negative"},
        ]),
        "{body}"
    );

    // Errors worded by the web layer have a code too.
    let (status, body) = app
        .call(
            Method::POST,
            "/api/v1/tokens",
            Some(&admin),
            Some(json!({"name": "x", "expires_in_days": 0})),
        )
        .await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{body}");
    assert_eq!(body["errors"][0]["code"], "out_of_range", "{body}");
    assert_eq!(body["errors"][0]["params"], json!({"min": 1, "max": 730}));

    // The OpenAPI document lists the codes.
    let (_, doc) = app
        .call(Method::GET, "/api/v1/openapi.json", None, None)
        .await;
    let schemas = &doc["components"]["schemas"];
    let codes: Vec<&str> = schemas["FieldErrorCode"]["enum"]
        .as_array()
        .unwrap()
        .iter()
        .map(|c| c.as_str().unwrap())
        .collect();
    let all: Vec<&str> = hygeia_domain::validation::Code::ALL
        .iter()
        .map(|c| c.as_str())
        .collect();
    assert_eq!(codes, all);
    let problem_errors = &schemas["Problem"]["properties"]["errors"]["items"]["$ref"];
    assert_eq!(
        problem_errors, "#/components/schemas/FieldError",
        "{schemas}"
    );
    for property in ["field", "code", "params", "message"] {
        assert!(
            schemas["FieldError"]["properties"][property].is_object(),
            "{property}"
        );
    }
}

// The French interface texts use the legal vocabulary of the French NIS2 text: the same check
// as the catalogs' French strings, `hygeia_catalog::french::shortcuts`.

const FR_TOML: &str = include_str!("../../i18n/fr.toml");

fn strings(prefix: &str, value: &toml::Value, out: &mut Vec<(String, String)>) {
    match value {
        toml::Value::String(s) => out.push((prefix.to_owned(), s.clone())),
        toml::Value::Table(t) => {
            for (k, v) in t {
                let key = if prefix.is_empty() {
                    k.clone()
                } else {
                    format!("{prefix}.{k}")
                };
                strings(&key, v, out);
            }
        }
        toml::Value::Array(a) => {
            for (i, v) in a.iter().enumerate() {
                strings(&format!("{prefix}[{i}]"), v, out);
            }
        }
        _ => {}
    }
}

#[test]
fn french_interface_texts_use_the_legal_vocabulary() {
    let table: toml::Value = toml::from_str(FR_TOML).unwrap();
    let mut texts = Vec::new();
    strings("", &table, &mut texts);
    assert!(texts.len() > 300, "{}", texts.len());
    let problems: Vec<String> = texts
        .iter()
        .flat_map(|(key, text)| {
            hygeia_catalog::french::shortcuts(text)
                .into_iter()
                .map(move |s| format!("{key}: `{}` → {}", s.found, s.use_instead))
        })
        .collect();
    assert!(problems.is_empty(), "{}", problems.join("\n"));
}

/// The NIS2 reasoning cites the law as its reader does: `Art. 3(1)(a)` in English, "article 3,
/// paragraphe 1, point a)" in French.
#[tokio::test]
async fn legal_references_read_in_the_users_language() {
    for db in testing::all().await {
        let app = TestApp::new(db).await;
        let path = format!("/entities/{}", app.ids.entity_a);
        let page = |role: Role| {
            let request = Request::builder()
                .uri(&path)
                .header(header::AUTHORIZATION, format!("Bearer {}", app.token(role)))
                .body(Body::empty())
                .unwrap();
            app.send(request)
        };
        let (status, english) = page(Role::Auditor).await;
        assert_eq!(status, StatusCode::OK);
        let english = english.as_str().unwrap_or_default().to_owned();
        assert!(english.contains("class=\"article\">Art. "), "{english}");
        app.speak(Role::Auditor, "fr").await;
        let (_, french) = page(Role::Auditor).await;
        let french = french.as_str().unwrap_or_default().to_owned();
        assert!(french.contains("class=\"article\">article "), "{french}");
        assert!(!french.contains("class=\"article\">Art. "), "{french}");
        assert!(!french.contains("Annex I"), "{french}");
    }
}

/// A user's own time zone (Settings) changes how incident times are shown, never when they
/// fall due: deadlines keep counting in the entity's zone, and the API stays in UTC.
#[tokio::test]
async fn a_user_s_time_zone_changes_the_times_shown_not_the_deadlines() {
    let app = TestApp::new(testing::sqlite()).await;
    async fn page(app: &TestApp) -> Exchange {
        let request = Request::builder()
            .uri(format!("/incidents/{}", app.ids.incident))
            .header(
                header::AUTHORIZATION,
                format!("Bearer {}", app.token(Role::Administrator)),
            )
            .body(Body::empty())
            .unwrap();
        app.exchange(request).await
    }
    // Aware on 1 March 2026 at 08:00 UTC: the early warning is due at 09:00 in Paris.
    let before = page(&app).await;
    let row = |body: &str| {
        let start = body.find("id=\"stage-nis2-art23-early_warning\"").unwrap();
        body[start..start + 1500].to_owned()
    };
    assert!(
        row(&before.body).contains("2026-03-02 09:00 CET"),
        "{}",
        row(&before.body)
    );
    let (status, _) = post_form(
        &app,
        Role::Administrator,
        "/settings/time-zone",
        &[("time_zone", "America/Martinique")],
    )
    .await;
    assert_eq!(status, StatusCode::SEE_OTHER);
    let after = page(&app).await;
    assert!(
        row(&after.body).contains("2026-03-02 04:00 AST"),
        "{}",
        row(&after.body)
    );
    assert!(after.body.contains("America/Martinique"));
    let (_, detail) = app
        .call(
            Method::GET,
            &format!("/api/v1/incidents/{}", app.ids.incident),
            Some(app.token(Role::Administrator)),
            None,
        )
        .await;
    let early = &detail["obligations"][0]["stages"][0];
    assert_eq!(early["due_at"], "2026-03-02T08:00:00.000000Z");
    // Not a zone: refused, nothing changed.
    let (status, _) = post_form(
        &app,
        Role::Administrator,
        "/settings/time-zone",
        &[("time_zone", "Mars/Olympus")],
    )
    .await;
    assert_eq!(status, StatusCode::BAD_REQUEST);
    assert!(row(&page(&app).await.body).contains("04:00 AST"));
}
