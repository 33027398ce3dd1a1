//! What the class entails: supervision (Art. 32, 33), the fine ceiling (Art. 34) on the
//! worldwide turnover of the undertaking, registration (Art. 3(4), 27) and, for France, the
//! competent authority and its registration service.

use serde::Serialize;

use super::Step;
use super::classify::{Class, EntityProfile, FineCeiling, fine_ceiling};
use super::entity_type::{EntityType, Sector};

/// Supervision regime.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SupervisionRegime {
    /// Proactive (ex ante and ex post) supervision, Art. 32.
    ExAnte,
    /// Reactive (ex post) supervision, Art. 33.
    ExPost,
}

/// Supervision consequences of the class.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Supervision {
    pub regime: SupervisionRegime,
    pub article: String,
    pub en: String,
    pub fr: String,
}

/// Registration duty.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Registration {
    pub article: String,
    pub en: String,
    pub fr: String,
}

/// The national competent authority and how to register with it, for the Member States whose
/// arrangements Hygeia knows. `confirmed` stays false while the national law is not final.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct CompetentAuthority {
    /// ISO 3166-1 alpha-2 code of the Member State of establishment (Art. 26).
    pub member_state: String,
    pub authority: String,
    pub registration_channel: String,
    pub url: String,
    /// Whether the national law naming them is in force and was checked.
    pub confirmed: bool,
    pub en: String,
    pub fr: String,
}

/// Everything [`consequences`] computes.
pub(super) struct Consequences {
    pub supervision: Option<Supervision>,
    pub fine: Option<FineCeiling>,
    pub registration: Option<Registration>,
    pub competent_authority: Option<CompetentAuthority>,
}

fn eur(v: u64) -> String {
    let s = v.to_string();
    let mut out = String::new();
    for (i, c) in s.chars().enumerate() {
        if i > 0 && (s.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

fn supervision(class: Class) -> Option<Supervision> {
    match class {
        Class::Essential => Some(Supervision {
            regime: SupervisionRegime::ExAnte,
            article: "Art. 32".to_owned(),
            en: "Proactive supervision: on-site inspections and random checks, regular and targeted audits, security scans, at any time; the authority can appoint a monitoring officer, suspend certifications and seek a temporary ban on managers.".to_owned(),
            fr: "Supervision proactive : inspections sur place et contrôles aléatoires, audits réguliers et ciblés, scans de sécurité, à tout moment ; l'autorité peut désigner un responsable du contrôle, suspendre des certifications et demander une interdiction temporaire de dirigeants.".to_owned(),
        }),
        Class::Important => Some(Supervision {
            regime: SupervisionRegime::ExPost,
            article: "Art. 33".to_owned(),
            en: "Reactive supervision: the authority acts after the fact, when evidence or indications of non-compliance reach it (inspections, targeted audits, scans, information requests).".to_owned(),
            fr: "Supervision réactive : l'autorité intervient a posteriori, lorsqu'elle dispose d'éléments ou d'indications de non-conformité (inspections, audits ciblés, scans, demandes d'informations).".to_owned(),
        }),
        Class::OutOfScope => None,
    }
}

/// Whether the entity is a public body for Art. 34(7) (public administration, or flagged).
fn public_body(p: &EntityProfile, t: EntityType) -> bool {
    p.public_body || p.local_public_administration || t.sector() == Sector::PublicAdministration
}

fn fine_step(p: &EntityProfile, t: EntityType, f: &FineCeiling) -> Step {
    let (pct_en, pct_fr) = if f.turnover_basis_points == 200 {
        ("2 %", "2 %")
    } else {
        ("1.4 %", "1,4 %")
    };
    let fixed_en = eur(f.fixed_eur);
    let fixed_fr = fixed_en.replace(',', " ");
    let (mut en, mut fr) = match (f.turnover_based_eur, p.group_worldwide_turnover_eur) {
        (Some(tb), Some(g)) => (
            format!(
                "Maximum administrative fine for breaching Art. 21 or 23: at least the higher of EUR {fixed_en} and {pct_en} of the total worldwide annual turnover of the undertaking the entity belongs to (group turnover EUR {}: EUR {}), i.e. EUR {}.",
                eur(g),
                eur(tb),
                eur(f.max_fine_eur)
            ),
            format!(
                "Amende administrative maximale pour manquement aux art. 21 ou 23 : au moins le plus élevé de {fixed_fr} EUR et {pct_fr} du chiffre d'affaires annuel mondial total de l'entreprise à laquelle appartient l'entité (chiffre d'affaires du groupe {} EUR : {} EUR), soit {} EUR.",
                eur(g).replace(',', " "),
                eur(tb).replace(',', " "),
                eur(f.max_fine_eur).replace(',', " ")
            ),
        ),
        (Some(tb), None) => (
            format!(
                "Maximum administrative fine for breaching Art. 21 or 23: at least the higher of EUR {fixed_en} and {pct_en} of the total worldwide annual turnover of the undertaking. The group's worldwide turnover is not recorded, so the entity's own turnover is used (EUR {}: EUR {}), i.e. EUR {}; for an entity of a group this understates the ceiling.",
                eur(p.annual_turnover_eur.unwrap_or_default()),
                eur(tb),
                eur(f.max_fine_eur)
            ),
            format!(
                "Amende administrative maximale pour manquement aux art. 21 ou 23 : au moins le plus élevé de {fixed_fr} EUR et {pct_fr} du chiffre d'affaires annuel mondial total de l'entreprise. Le chiffre d'affaires mondial du groupe n'est pas renseigné : celui de l'entité est retenu ({} EUR : {} EUR), soit {} EUR ; pour une entité d'un groupe, ce plafond est sous-estimé.",
                eur(p.annual_turnover_eur.unwrap_or_default()).replace(',', " "),
                eur(tb).replace(',', " "),
                eur(f.max_fine_eur).replace(',', " ")
            ),
        ),
        (None, _) => (
            format!(
                "Maximum administrative fine for breaching Art. 21 or 23: at least the higher of EUR {fixed_en} and {pct_en} of the total worldwide annual turnover of the undertaking (unknown: neither the group's nor the entity's turnover is recorded)."
            ),
            format!(
                "Amende administrative maximale pour manquement aux art. 21 ou 23 : au moins le plus élevé de {fixed_fr} EUR et {pct_fr} du chiffre d'affaires annuel mondial total de l'entreprise (inconnu : ni le chiffre d'affaires du groupe ni celui de l'entité ne sont renseignés)."
            ),
        ),
    };
    let mut article = f.article.clone();
    if public_body(p, t) {
        en.push_str(" For public administration entities, each Member State decides whether and to what extent administrative fines may be imposed on them: check the national rules.");
        fr.push_str(" Pour les entités de l'administration publique, chaque État membre décide si et dans quelle mesure des amendes administratives peuvent leur être infligées : vérifiez les règles nationales.");
        article.push_str(", Art. 34(7)");
    }
    Step::new("fine_ceiling", en, fr, &article)
}

fn registration(t: EntityType) -> Registration {
    if t.registers_under_article_27() {
        Registration {
            article: "Art. 27".to_owned(),
            en: "Register with the authority of the Member State of main establishment (name, sector, addresses, contacts, IP ranges, Member States served) for the ENISA registry; notify changes within three months.".to_owned(),
            fr: "S'enregistrer auprès de l'autorité de l'État membre de l'établissement principal (nom, secteur, adresses, contacts, plages IP, États membres desservis) pour le registre de l'ENISA ; notifier les changements dans les trois mois.".to_owned(),
        }
    } else {
        Registration {
            article: "Art. 3(3)–(4)".to_owned(),
            en: "Register with the competent authority of the Member State of establishment (name, address and contact details including e-mail, IP ranges and telephone, Annex sector and sub-sector, Member States served); notify changes within two weeks.".to_owned(),
            fr: "S'enregistrer auprès de l'autorité compétente de l'État membre d'établissement (nom, adresse et coordonnées dont courriel, plages IP et téléphone, secteur et sous-secteur de l'annexe, États membres desservis) ; notifier les changements sous deux semaines.".to_owned(),
        }
    }
}

/// The competent authority and registration channel of the Member State, where Hygeia knows
/// them. France: ANSSI and its MonEspaceNIS2 service, named by ANSSI's own help pages; the
/// transposition law was not final when this was written, hence `confirmed: false`.
pub fn competent_authority(member_state: &str) -> Option<CompetentAuthority> {
    match member_state {
        "FR" => Some(CompetentAuthority {
            member_state: "FR".to_owned(),
            authority: "ANSSI (Agence nationale de la sécurité des systèmes d'information)".to_owned(),
            registration_channel: "MonEspaceNIS2".to_owned(),
            url: "https://monespacenis2.cyber.gouv.fr/".to_owned(),
            confirmed: false,
            en: "In France, ANSSI is the authority the transposition bill designates, and entities register (a pre-registration first) on ANSSI's MonEspaceNIS2 service. The French law was not final when this text was written: the authority, the channel and the deadlines are to be confirmed against the law in force.".to_owned(),
            fr: "En France, l'ANSSI est l'autorité que désigne le projet de loi de transposition, et les entités s'enregistrent (d'abord par un pré-enregistrement) sur le service MonEspaceNIS2 de l'ANSSI. La loi française n'était pas définitive à la rédaction de ce texte : l'autorité, le canal et les délais sont à confirmer au regard de la loi en vigueur.".to_owned(),
        }),
        _ => None,
    }
}

/// Supervision, fine, registration and national authority for `class`, each also pushed as a
/// reasoning step.
pub(super) fn consequences(
    p: &EntityProfile,
    t: EntityType,
    class: Class,
    steps: &mut Vec<Step>,
) -> Consequences {
    let supervision = supervision(class);
    if let Some(s) = &supervision {
        steps.push(Step::new(
            "supervision",
            s.en.clone(),
            s.fr.clone(),
            &s.article,
        ));
    }
    // Art. 34(4)-(5): the worldwide turnover of the undertaking, i.e. the group.
    let fine = fine_ceiling(
        class,
        p.group_worldwide_turnover_eur.or(p.annual_turnover_eur),
    );
    if let Some(f) = &fine {
        steps.push(fine_step(p, t, f));
    }
    let registration = (class != Class::OutOfScope).then(|| registration(t));
    if let Some(r) = &registration {
        steps.push(Step::new(
            "registration",
            r.en.clone(),
            r.fr.clone(),
            &r.article,
        ));
    }
    let competent_authority = registration
        .as_ref()
        .and(competent_authority(&p.member_state));
    if let Some(a) = &competent_authority {
        steps.push(Step::new(
            "competent_authority",
            format!("{} ({})", a.en, a.url),
            format!("{} ({})", a.fr, a.url),
            "Art. 3(4), Art. 8, Art. 26; French transposition (to be confirmed)",
        ));
    }
    Consequences {
        supervision,
        fine,
        registration,
        competent_authority,
    }
}
