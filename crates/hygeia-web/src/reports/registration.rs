//! The registration sheet of an entity (NIS2 Art. 3(4); Art. 27(2) for the digital providers of
//! Art. 27(1)): what its competent authority asks for, from its profile (name, registration
//! number, sector and type of each activity, NIS2 class) and its saved registration data
//! (addresses, contacts, Member States served, public IP ranges, representative), with what is
//! still missing; as JSON and typeset as PDF.

use hygeia_domain::access::Principal;
use hygeia_domain::nis2::EntityType;
use hygeia_domain::org::registration::Registration;
use hygeia_store::Entity;
use serde::Serialize;

use crate::AppState;
use crate::error::{ApiError, ApiResult};
use crate::ui::i18n::Tr;

/// One activity of the entity as the Annexes name it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct SheetActivity {
    pub code: String,
    pub label_en: String,
    pub label_fr: String,
    pub sector_en: String,
    pub sector_fr: String,
    /// `Annex I, point 5`, … (empty when in neither Annex).
    pub annex_reference: String,
}

/// What the competent authority asks for, filled in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, utoipa::ToSchema)]
pub struct RegistrationSheet {
    pub entity_id: String,
    pub name: String,
    pub registration_number: Option<String>,
    /// Country of establishment (ISO code).
    pub country: String,
    /// `essential`, `important`, `out_of_scope`, or `unclassified` when the profile is
    /// incomplete.
    pub classification: String,
    /// The main activity first.
    pub activities: Vec<SheetActivity>,
    /// `Art. 3(3)–(4)` or `Art. 27` (digital providers), with what it asks, in both languages.
    pub article: Option<String>,
    pub obligation_en: Option<String>,
    pub obligation_fr: Option<String>,
    /// The competent authority and its registration channel, where Hygeia knows them.
    pub authority: Option<String>,
    pub registration_channel: Option<String>,
    pub authority_url: Option<String>,
    /// The saved data; empty until first saved.
    pub data: Registration,
    /// How many times it was saved; when and by whom last.
    pub version: i64,
    pub updated_at: Option<String>,
    pub updated_by: Option<String>,
    /// Fields the authority expects that are not given yet.
    pub missing: Vec<String>,
}

/// The sheet of an entity the principal may see.
pub async fn sheet(
    state: &AppState,
    principal: &Principal,
    entity: &Entity,
) -> ApiResult<RegistrationSheet> {
    let saved = state
        .store
        .registration(&principal.scope, &entity.id)
        .await?;
    let class = crate::api::entities::classify_stored(state, entity).await?;
    let mut codes = vec![entity.entity_type.clone()];
    codes.extend(entity.other_activities.iter().cloned());
    let activities = codes
        .iter()
        .filter_map(|c| c.parse::<EntityType>().ok())
        .map(|t| SheetActivity {
            code: t.code().to_owned(),
            label_en: t.label_en().to_owned(),
            label_fr: t.label_fr().to_owned(),
            sector_en: t.sector().label_en().to_owned(),
            sector_fr: t.sector().label_fr().to_owned(),
            annex_reference: t.annex_reference().to_owned(),
        })
        .collect();
    let registration = class.as_ref().and_then(|c| c.registration.clone());
    let authority = class.as_ref().and_then(|c| c.competent_authority.clone());
    let data = saved.as_ref().map(|s| s.data.clone()).unwrap_or_default();
    Ok(RegistrationSheet {
        entity_id: entity.id.clone(),
        name: entity.name.clone(),
        registration_number: entity.registration_number.clone(),
        country: entity.country.clone(),
        classification: class
            .as_ref()
            .map_or("unclassified", |c| c.classification.code())
            .to_owned(),
        activities,
        article: registration.as_ref().map(|r| r.article.clone()),
        obligation_en: registration.as_ref().map(|r| r.en.clone()),
        obligation_fr: registration.as_ref().map(|r| r.fr.clone()),
        authority: authority.as_ref().map(|a| a.authority.clone()),
        registration_channel: authority.as_ref().map(|a| a.registration_channel.clone()),
        authority_url: authority.as_ref().map(|a| a.url.clone()),
        missing: data
            .missing(&entity.country)
            .into_iter()
            .map(str::to_owned)
            .collect(),
        data,
        version: saved.as_ref().map_or(0, |s| s.version),
        updated_at: saved.as_ref().map(|s| s.updated_at.clone()),
        updated_by: saved.map(|s| s.updated_by),
    })
}

fn lines_or_missing(tr: Tr, items: &[String]) -> String {
    if items.is_empty() {
        tr.t("registration.not_given").to_owned()
    } else {
        items.join("\n")
    }
}

/// The sheet typeset as PDF in `lang` (`fr`, else English).
pub async fn sheet_pdf(
    state: &AppState,
    sheet: &RegistrationSheet,
    lang: &str,
) -> ApiResult<Vec<u8>> {
    let tr = Tr::new(crate::ui::i18n::Lang::from_code(lang));
    let now = state.store.clock().now();
    let day = tr.date(&now.format("%Y-%m-%d").to_string());
    let field = |name: &str| tr.t(&format!("registration.{name}")).to_owned();
    let section = |label: String, text: String| hygeia_pdf::Section {
        label,
        text,
        table: None,
    };
    let article = sheet
        .article
        .clone()
        .unwrap_or_else(|| "Art. 3(3)–(4)".to_owned());
    let mut sections = Vec::new();
    if !sheet.missing.is_empty() {
        let names: Vec<String> = sheet.missing.iter().map(|m| field(m)).collect();
        sections.push(section(
            field("still_missing"),
            tr.tf(
                "registration.missing_text",
                &[("fields", &names.join(", "))],
            ),
        ));
    }
    sections.push(section(
        field("activities"),
        sheet
            .activities
            .iter()
            .map(|a| {
                format!(
                    "{} — {} ({})",
                    tr.pick(&a.sector_en, &a.sector_fr),
                    tr.pick(&a.label_en, &a.label_fr),
                    tr.legal(&a.annex_reference)
                )
            })
            .collect::<Vec<_>>()
            .join("\n"),
    ));
    let d = &sheet.data;
    sections.push(section(
        field("address"),
        if d.address.is_empty() {
            tr.t("registration.not_given").to_owned()
        } else {
            d.address.clone()
        },
    ));
    if !d.other_establishments.is_empty() {
        sections.push(section(
            field("other_establishments"),
            d.other_establishments.join("\n\n"),
        ));
    }
    sections.push(section(field("emails"), lines_or_missing(tr, &d.emails)));
    sections.push(section(field("phones"), lines_or_missing(tr, &d.phones)));
    sections.push(section(
        field("member_states"),
        lines_or_missing(tr, &d.member_states).replace('\n', ", "),
    ));
    sections.push(hygeia_pdf::Section {
        label: field("ip_ranges"),
        text: if d.ip_ranges.is_empty() {
            tr.t("registration.not_given").to_owned()
        } else {
            String::new()
        },
        table: (!d.ip_ranges.is_empty()).then(|| hygeia_pdf::Table {
            columns: vec![field("ip_range"), field("ip_family")],
            widths: vec![3, 1],
            rows: d
                .ip_ranges
                .iter()
                .map(|r| {
                    let family = if r.contains(':') { "IPv6" } else { "IPv4" };
                    vec![r.clone(), family.to_owned()]
                })
                .collect(),
        }),
    });
    if !d.representative.is_empty() || sheet.missing.iter().any(|m| m == "representative") {
        sections.push(section(
            field("representative"),
            if d.representative.is_empty() {
                tr.t("registration.not_given").to_owned()
            } else {
                d.representative.clone()
            },
        ));
    }
    if let (Some(en), Some(fr)) = (&sheet.obligation_en, &sheet.obligation_fr) {
        sections.push(section(field("obligation"), tr.pick(en, fr).to_owned()));
    }
    let mut identity = vec![
        (field("entity"), sheet.name.clone()),
        (field("country"), sheet.country.clone()),
        (
            field("registration_number"),
            sheet
                .registration_number
                .clone()
                .unwrap_or_else(|| tr.t("registration.not_given").to_owned()),
        ),
        (
            field("class"),
            tr.label("registration.classification", &sheet.classification),
        ),
    ];
    if let Some(authority) = &sheet.authority {
        identity.push((field("authority"), authority.clone()));
    }
    if let Some(channel) = &sheet.registration_channel {
        identity.push((field("channel"), channel.clone()));
    }
    let title = tr.tf(
        "registration.title_for",
        &[("article", &tr.legal(&article))],
    );
    let doc = hygeia_pdf::ReportDocument {
        language: tr.code().to_owned(),
        title: title.clone(),
        subtitle: format!("{} · {day}", sheet.name),
        identity,
        header: format!("{} — {title} — {day}", sheet.name),
        meta: vec![
            (
                field("saved"),
                match (&sheet.updated_at, &sheet.updated_by) {
                    (Some(at), Some(by)) => tr.tf(
                        "registration.saved_by",
                        &[
                            ("at", &tr.datetime(at)),
                            ("by", by),
                            ("version", &sheet.version.to_string()),
                        ],
                    ),
                    _ => tr.t("registration.never_saved").to_owned(),
                },
            ),
            (
                field("generated_at"),
                format!(
                    "{} UTC",
                    tr.datetime(&hygeia_domain::clock::format_instant(now))
                ),
            ),
        ],
        sections,
        footer_note: format!("Hygeia · {}", sheet.name),
        landscape: false,
    };
    tokio::task::spawn_blocking(move || hygeia_pdf::render(&doc))
        .await
        .map_err(ApiError::internal)?
        .map_err(ApiError::internal)
}
