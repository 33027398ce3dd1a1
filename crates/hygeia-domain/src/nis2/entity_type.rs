//! Entity types of NIS2 Annexes I and II, with their sector, Annex reference and labels.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// The NIS2 Annex an entity type is listed in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Annex {
    /// Annex I: sectors of high criticality.
    #[serde(rename = "I")]
    I,
    /// Annex II: other critical sectors.
    #[serde(rename = "II")]
    II,
}

impl fmt::Display for Annex {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(match self {
            Annex::I => "Annex I",
            Annex::II => "Annex II",
        })
    }
}

/// Sectors of Annexes I and II.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Energy,
    Transport,
    Banking,
    FinancialMarketInfrastructures,
    Health,
    DrinkingWater,
    WasteWater,
    DigitalInfrastructure,
    IctServiceManagement,
    PublicAdministration,
    Space,
    PostalAndCourier,
    WasteManagement,
    Chemicals,
    Food,
    Manufacturing,
    DigitalProviders,
    Research,
    /// Not a sector of either Annex.
    None,
}

impl Sector {
    /// English label.
    pub fn label_en(self) -> &'static str {
        self.labels().0
    }

    /// French label.
    pub fn label_fr(self) -> &'static str {
        self.labels().1
    }

    fn labels(self) -> (&'static str, &'static str) {
        match self {
            Sector::Energy => ("Energy", "Énergie"),
            Sector::Transport => ("Transport", "Transports"),
            Sector::Banking => ("Banking", "Secteur bancaire"),
            Sector::FinancialMarketInfrastructures => (
                "Financial market infrastructures",
                "Infrastructures des marchés financiers",
            ),
            Sector::Health => ("Health", "Santé"),
            Sector::DrinkingWater => ("Drinking water", "Eau potable"),
            Sector::WasteWater => ("Waste water", "Eaux usées"),
            Sector::DigitalInfrastructure => ("Digital infrastructure", "Infrastructure numérique"),
            Sector::IctServiceManagement => (
                "ICT service management (business-to-business)",
                "Gestion des services TIC (entre entreprises)",
            ),
            Sector::PublicAdministration => ("Public administration", "Administration publique"),
            Sector::Space => ("Space", "Espace"),
            Sector::PostalAndCourier => (
                "Postal and courier services",
                "Services postaux et d'expédition",
            ),
            Sector::WasteManagement => ("Waste management", "Gestion des déchets"),
            Sector::Chemicals => (
                "Manufacture, production and distribution of chemicals",
                "Fabrication, production et distribution de produits chimiques",
            ),
            Sector::Food => (
                "Production, processing and distribution of food",
                "Production, transformation et distribution des denrées alimentaires",
            ),
            Sector::Manufacturing => ("Manufacturing", "Fabrication"),
            Sector::DigitalProviders => ("Digital providers", "Fournisseurs numériques"),
            Sector::Research => ("Research", "Recherche"),
            Sector::None => ("Not a NIS2 sector", "Hors secteurs NIS2"),
        }
    }
}

macro_rules! entity_types {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, $annex:expr, $sector:ident, $aref:literal,
        $en:literal, $fr:literal, [$($alias:literal),*]; )*) => {
        /// An entity type of NIS2 Annex I or II (or `NotListed`). Serialized as a stable
        /// snake_case code; [`FromStr`] also accepts the English or French label and a few
        /// aliases, case-insensitively.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize, Default)]
        #[serde(rename_all = "snake_case")]
        pub enum EntityType {
            $( $(#[$doc])* $variant, )*
            /// Not of a type listed in Annex I or II: outside NIS2 (unless a critical entity
            /// under the CER Directive).
            #[default]
            NotListed,
        }

        impl EntityType {
            /// Every entity type, Annex I first, then Annex II, then `NotListed`.
            pub const ALL: &'static [EntityType] = &[ $( EntityType::$variant, )* EntityType::NotListed ];

            /// Stable code (the serde form).
            pub fn code(self) -> &'static str {
                match self {
                    $( EntityType::$variant => $code, )*
                    EntityType::NotListed => "not_listed",
                }
            }

            /// Annex listing the type, `None` for `NotListed`.
            pub fn annex(self) -> Option<Annex> {
                match self {
                    $( EntityType::$variant => Some($annex), )*
                    EntityType::NotListed => None,
                }
            }

            /// Sector of the Annex.
            pub fn sector(self) -> Sector {
                match self {
                    $( EntityType::$variant => Sector::$sector, )*
                    EntityType::NotListed => Sector::None,
                }
            }

            /// Where the type is listed, e.g. "Annex I, point 5 (Health), 1st indent".
            pub fn annex_reference(self) -> &'static str {
                match self {
                    $( EntityType::$variant => $aref, )*
                    EntityType::NotListed => "not listed in Annex I or II",
                }
            }

            /// English label (our paraphrase of the Annex entry).
            pub fn label_en(self) -> &'static str {
                match self {
                    $( EntityType::$variant => $en, )*
                    EntityType::NotListed => "Not listed in NIS2 Annexes I or II",
                }
            }

            /// French label (our paraphrase of the Annex entry).
            pub fn label_fr(self) -> &'static str {
                match self {
                    $( EntityType::$variant => $fr, )*
                    EntityType::NotListed => "Non listé aux annexes I ou II de NIS2",
                }
            }

            fn aliases(self) -> &'static [&'static str] {
                match self {
                    $( EntityType::$variant => &[$($alias),*], )*
                    EntityType::NotListed => &["none", "other", "out of scope"],
                }
            }
        }
    };
}

entity_types! {
    // ---- Annex I ----
    /// Electricity undertakings, operators, producers, market participants, charging points.
    Electricity = "electricity", Annex::I, Energy, "Annex I, point 1(a)",
        "Electricity", "Électricité", [];
    /// District heating and cooling operators.
    DistrictHeatingCooling = "district_heating_cooling", Annex::I, Energy, "Annex I, point 1(b)",
        "District heating and cooling", "Réseaux de chaleur et de froid", ["district heating"];
    /// Oil pipelines, production, refining, storage, central stockholding.
    Oil = "oil", Annex::I, Energy, "Annex I, point 1(c)", "Oil", "Pétrole", [];
    /// Gas supply, distribution, transmission, storage, LNG, refining.
    Gas = "gas", Annex::I, Energy, "Annex I, point 1(d)", "Gas", "Gaz", [];
    /// Hydrogen production, storage and transmission.
    Hydrogen = "hydrogen", Annex::I, Energy, "Annex I, point 1(e)", "Hydrogen", "Hydrogène", [];
    /// Air carriers, airport managing bodies, traffic management.
    AirTransport = "air_transport", Annex::I, Transport, "Annex I, point 2(a)",
        "Air transport", "Transport aérien", ["air"];
    /// Railway infrastructure managers and undertakings.
    RailTransport = "rail_transport", Annex::I, Transport, "Annex I, point 2(b)",
        "Rail transport", "Transport ferroviaire", ["rail"];
    /// Water transport companies, ports, vessel traffic services.
    WaterTransport = "water_transport", Annex::I, Transport, "Annex I, point 2(c)",
        "Water transport", "Transport par voie d'eau", [];
    /// Road authorities and intelligent transport system operators.
    RoadTransport = "road_transport", Annex::I, Transport, "Annex I, point 2(d)",
        "Road transport", "Transport routier", ["road"];
    /// Credit institutions (DORA applies as lex specialis).
    Banking = "banking", Annex::I, Banking, "Annex I, point 3",
        "Credit institution", "Établissement de crédit", ["bank"];
    /// Trading venues and central counterparties (DORA applies as lex specialis).
    FinancialMarketInfrastructure = "financial_market_infrastructure", Annex::I,
        FinancialMarketInfrastructures, "Annex I, point 4",
        "Financial market infrastructure", "Infrastructure des marchés financiers", [];
    /// Healthcare providers (Directive 2011/24/EU, Art. 3(g)).
    HealthcareProvider = "healthcare_provider", Annex::I, Health,
        "Annex I, point 5 (Health), 1st indent",
        "Healthcare provider", "Prestataire de soins de santé",
        ["hospital", "clinic", "healthcare", "prestataire de soins", "établissement de santé", "etablissement de sante"];
    /// EU reference laboratories (Regulation (EU) 2022/2371, Art. 15).
    EuReferenceLaboratory = "eu_reference_laboratory", Annex::I, Health,
        "Annex I, point 5 (Health), 2nd indent",
        "EU reference laboratory", "Laboratoire de référence de l'UE",
        ["eu reference lab", "reference laboratory"];
    /// Research and development of medicinal products (Directive 2001/83/EC, Art. 1(2)).
    MedicinalProductRd = "medicinal_product_rd", Annex::I, Health,
        "Annex I, point 5 (Health), 3rd indent",
        "Research and development of medicinal products",
        "Recherche et développement de médicaments",
        ["medicinal product r&d", "medicinal product research", "pharma r&d", "drug research"];
    /// Manufacture of basic pharmaceutical products and preparations (NACE Rev. 2 C21).
    BasicPharmaceuticalManufacturing = "basic_pharmaceutical_manufacturing", Annex::I, Health,
        "Annex I, point 5 (Health), 4th indent (NACE C21)",
        "Manufacture of basic pharmaceutical products and preparations",
        "Fabrication de produits pharmaceutiques de base et de préparations pharmaceutiques",
        ["pharmaceutical manufacturing", "pharma manufacturing", "pharmaceutical manufacturer", "pharma", "nace c21",
         "nace 21", "nace 21.10", "nace 21.20", "api manufacturing", "active pharmaceutical ingredients",
         "principes actifs"];
    /// Manufacture of medical devices on the public-health-emergency critical devices list
    /// (Regulation (EU) 2022/123, Art. 22).
    CriticalMedicalDeviceManufacturing = "critical_medical_device_manufacturing", Annex::I, Health,
        "Annex I, point 5 (Health), 5th indent",
        "Manufacture of medical devices critical in a public health emergency",
        "Fabrication de dispositifs médicaux critiques en cas d'urgence de santé publique",
        ["critical medical device manufacturing", "critical medical devices"];
    /// Suppliers and distributors of water intended for human consumption.
    DrinkingWater = "drinking_water", Annex::I, DrinkingWater, "Annex I, point 6",
        "Drinking water supply", "Distribution d'eau potable", ["water supply"];
    /// Collection, disposal or treatment of urban, domestic or industrial waste water.
    WasteWater = "waste_water", Annex::I, WasteWater, "Annex I, point 7",
        "Waste water", "Eaux usées", [];
    /// Internet exchange point providers.
    InternetExchangePoint = "internet_exchange_point", Annex::I, DigitalInfrastructure,
        "Annex I, point 8", "Internet exchange point provider",
        "Fournisseur de point d'échange internet", ["ixp"];
    /// DNS service providers (excluding root name servers) — size-independent.
    DnsServiceProvider = "dns_service_provider", Annex::I, DigitalInfrastructure,
        "Annex I, point 8", "DNS service provider", "Fournisseur de services DNS", ["dns"];
    /// Top-level domain name registries — size-independent.
    TldNameRegistry = "tld_name_registry", Annex::I, DigitalInfrastructure,
        "Annex I, point 8", "TLD name registry", "Registre de noms de domaine de premier niveau",
        ["tld registry", "tld"];
    /// Cloud computing service providers.
    CloudComputingProvider = "cloud_computing_provider", Annex::I, DigitalInfrastructure,
        "Annex I, point 8", "Cloud computing service provider",
        "Fournisseur de services d'informatique en nuage", ["cloud", "cloud provider"];
    /// Data centre service providers.
    DataCentreProvider = "data_centre_provider", Annex::I, DigitalInfrastructure,
        "Annex I, point 8", "Data centre service provider",
        "Fournisseur de services de centre de données", ["data center provider", "data centre"];
    /// Content delivery network providers.
    ContentDeliveryNetwork = "content_delivery_network", Annex::I, DigitalInfrastructure,
        "Annex I, point 8", "Content delivery network provider",
        "Fournisseur de réseau de diffusion de contenu", ["cdn"];
    /// Trust service providers (non-qualified) — size-independent.
    TrustServiceProvider = "trust_service_provider", Annex::I, DigitalInfrastructure,
        "Annex I, point 8", "Trust service provider (non-qualified)",
        "Prestataire de services de confiance (non qualifié)", ["tsp"];
    /// Qualified trust service providers — size-independent, always essential.
    QualifiedTrustServiceProvider = "qualified_trust_service_provider", Annex::I,
        DigitalInfrastructure, "Annex I, point 8", "Qualified trust service provider",
        "Prestataire de services de confiance qualifié", ["qtsp"];
    /// Public electronic communications networks or publicly available services.
    PublicElectronicCommunications = "public_electronic_communications", Annex::I,
        DigitalInfrastructure, "Annex I, point 8",
        "Public electronic communications network or service provider",
        "Fournisseur de réseaux ou de services de communications électroniques publics",
        ["telecom", "telecommunications"];
    /// Managed service providers.
    ManagedServiceProvider = "managed_service_provider", Annex::I, IctServiceManagement,
        "Annex I, point 9", "Managed service provider", "Fournisseur de services gérés", ["msp"];
    /// Managed security service providers.
    ManagedSecurityServiceProvider = "managed_security_service_provider", Annex::I,
        IctServiceManagement, "Annex I, point 9", "Managed security service provider",
        "Fournisseur de services de sécurité gérés", ["mssp"];
    /// Central government public administration entities — size-independent, essential.
    CentralPublicAdministration = "central_public_administration", Annex::I,
        PublicAdministration, "Annex I, point 10, 1st indent",
        "Central government public administration", "Administration publique centrale", [];
    /// Regional public administration entities — in scope after a national risk-based assessment.
    RegionalPublicAdministration = "regional_public_administration", Annex::I,
        PublicAdministration, "Annex I, point 10, 2nd indent",
        "Regional public administration", "Administration publique régionale", [];
    /// Operators of ground-based space infrastructure.
    Space = "space", Annex::I, Space, "Annex I, point 11",
        "Ground-based space infrastructure operator",
        "Exploitant d'infrastructures terrestres spatiales", [];
    // ---- Annex II ----
    /// Postal service providers including couriers.
    PostalCourier = "postal_courier", Annex::II, PostalAndCourier, "Annex II, point 1",
        "Postal and courier service provider", "Prestataire de services postaux et d'expédition",
        ["postal", "courier"];
    /// Waste collection, transport, recovery or disposal undertakings.
    WasteManagement = "waste_management", Annex::II, WasteManagement, "Annex II, point 2",
        "Waste management", "Gestion des déchets", [];
    /// Manufacture and distribution of substances and mixtures, production of articles (REACH).
    ChemicalsManufacturing = "chemicals_manufacturing", Annex::II, Chemicals,
        "Annex II, point 3", "Manufacture, production and distribution of chemicals",
        "Fabrication, production et distribution de produits chimiques",
        ["chemicals", "chemical manufacturing"];
    /// Food businesses in wholesale distribution and industrial production and processing.
    FoodProductionDistribution = "food_production_distribution", Annex::II, Food,
        "Annex II, point 4", "Production, processing and distribution of food",
        "Production, transformation et distribution de denrées alimentaires", ["food"];
    /// Manufacture of medical devices (MDR) and in-vitro diagnostic devices (IVDR), other than
    /// the Annex I critical devices.
    MedicalDeviceManufacturing = "medical_device_manufacturing", Annex::II, Manufacturing,
        "Annex II, point 5(a)",
        "Manufacture of medical devices and in-vitro diagnostic medical devices",
        "Fabrication de dispositifs médicaux et de dispositifs médicaux de diagnostic in vitro",
        ["medical device manufacturer", "medical devices", "medtech", "ivd", "in vitro diagnostics",
         "ivd manufacturing", "medical device manufacturing"];
    /// Manufacture of computer, electronic and optical products (NACE C26).
    ComputerElectronicOpticalManufacturing = "computer_electronic_optical_manufacturing",
        Annex::II, Manufacturing, "Annex II, point 5(b) (NACE C26)",
        "Manufacture of computer, electronic and optical products",
        "Fabrication de produits informatiques, électroniques et optiques",
        ["electronics manufacturing"];
    /// Manufacture of electrical equipment (NACE C27).
    ElectricalEquipmentManufacturing = "electrical_equipment_manufacturing", Annex::II,
        Manufacturing, "Annex II, point 5(c) (NACE C27)",
        "Manufacture of electrical equipment", "Fabrication d'équipements électriques", [];
    /// Manufacture of machinery and equipment n.e.c. (NACE C28).
    MachineryManufacturing = "machinery_manufacturing", Annex::II, Manufacturing,
        "Annex II, point 5(d) (NACE C28)", "Manufacture of machinery and equipment n.e.c.",
        "Fabrication de machines et équipements n.c.a.", [];
    /// Manufacture of motor vehicles, trailers and semi-trailers (NACE C29).
    MotorVehicleManufacturing = "motor_vehicle_manufacturing", Annex::II, Manufacturing,
        "Annex II, point 5(e) (NACE C29)", "Manufacture of motor vehicles and trailers",
        "Construction de véhicules automobiles et de remorques", [];
    /// Manufacture of other transport equipment (NACE C30).
    OtherTransportEquipmentManufacturing = "other_transport_equipment_manufacturing", Annex::II,
        Manufacturing, "Annex II, point 5(f) (NACE C30)",
        "Manufacture of other transport equipment", "Fabrication d'autres matériels de transport", [];
    /// Providers of online marketplaces.
    OnlineMarketplace = "online_marketplace", Annex::II, DigitalProviders, "Annex II, point 6",
        "Online marketplace provider", "Fournisseur de place de marché en ligne", ["marketplace"];
    /// Providers of online search engines.
    OnlineSearchEngine = "online_search_engine", Annex::II, DigitalProviders, "Annex II, point 6",
        "Online search engine provider", "Fournisseur de moteur de recherche en ligne",
        ["search engine"];
    /// Providers of social networking services platforms.
    SocialNetworkingPlatform = "social_networking_platform", Annex::II, DigitalProviders,
        "Annex II, point 6", "Social networking services platform provider",
        "Fournisseur de plateforme de services de réseaux sociaux", ["social network"];
    /// Research organisations (NIS2 Art. 6(41)); education institutions excluded.
    ResearchOrganisation = "research_organisation", Annex::II, Research, "Annex II, point 7",
        "Research organisation", "Organisme de recherche",
        ["research", "research organization"];
}

impl EntityType {
    /// Whether the type belongs to the health sector of Annex I or is a medical-device / IVD
    /// manufacturer of Annex II (the product's core audience).
    pub fn is_health_or_medtech(self) -> bool {
        self.sector() == Sector::Health || self == EntityType::MedicalDeviceManufacturing
    }

    /// Types whose entities register in the Art. 27 registry kept by ENISA (digital providers
    /// with a main establishment rule) rather than only in the national Art. 3(4) list.
    pub fn registers_under_article_27(self) -> bool {
        matches!(
            self,
            EntityType::DnsServiceProvider
                | EntityType::TldNameRegistry
                | EntityType::CloudComputingProvider
                | EntityType::DataCentreProvider
                | EntityType::ContentDeliveryNetwork
                | EntityType::ManagedServiceProvider
                | EntityType::ManagedSecurityServiceProvider
                | EntityType::OnlineMarketplace
                | EntityType::OnlineSearchEngine
                | EntityType::SocialNetworkingPlatform
        )
    }
}

impl fmt::Display for EntityType {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// An entity type name that matches no code, label or alias.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown NIS2 entity type {input:?}; expected one of: {}", EntityType::ALL.iter().map(|t| t.code()).collect::<Vec<_>>().join(", "))]
pub struct UnknownEntityType {
    pub input: String,
}

/// Lower-case, keep letters/digits/`&`, turn every other run of characters into one `_`.
fn normalise(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut pending_sep = false;
    for c in s.trim().chars().flat_map(char::to_lowercase) {
        if c.is_alphanumeric() || c == '&' {
            if pending_sep && !out.is_empty() {
                out.push('_');
            }
            pending_sep = false;
            out.push(c);
        } else {
            pending_sep = true;
        }
    }
    out
}

impl FromStr for EntityType {
    type Err = UnknownEntityType;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let wanted = normalise(s);
        if wanted.is_empty() {
            return Err(UnknownEntityType {
                input: s.to_owned(),
            });
        }
        EntityType::ALL
            .iter()
            .copied()
            .find(|t| {
                t.code() == wanted
                    || normalise(t.label_en()) == wanted
                    || normalise(t.label_fr()) == wanted
                    || t.aliases().iter().any(|a| normalise(a) == wanted)
            })
            .ok_or_else(|| UnknownEntityType {
                input: s.to_owned(),
            })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]
mod tests {
    use super::*;

    #[test]
    fn fixed_codes_are_stable() {
        let fixed = [
            (
                EntityType::HealthcareProvider,
                "healthcare_provider",
                Annex::I,
            ),
            (
                EntityType::EuReferenceLaboratory,
                "eu_reference_laboratory",
                Annex::I,
            ),
            (
                EntityType::MedicinalProductRd,
                "medicinal_product_rd",
                Annex::I,
            ),
            (
                EntityType::BasicPharmaceuticalManufacturing,
                "basic_pharmaceutical_manufacturing",
                Annex::I,
            ),
            (
                EntityType::CriticalMedicalDeviceManufacturing,
                "critical_medical_device_manufacturing",
                Annex::I,
            ),
            (
                EntityType::MedicalDeviceManufacturing,
                "medical_device_manufacturing",
                Annex::II,
            ),
            (
                EntityType::ChemicalsManufacturing,
                "chemicals_manufacturing",
                Annex::II,
            ),
        ];
        for (t, code, annex) in fixed {
            assert_eq!(t.code(), code);
            assert_eq!(t.annex(), Some(annex));
            assert_eq!(serde_json::to_value(t).unwrap(), serde_json::json!(code));
            assert_eq!(
                serde_json::from_value::<EntityType>(serde_json::json!(code)).unwrap(),
                t
            );
        }
        assert_eq!(EntityType::NotListed.code(), "not_listed");
        assert_eq!(EntityType::NotListed.annex(), None);
    }

    #[test]
    fn serde_code_matches_code_for_all() {
        for t in EntityType::ALL {
            assert_eq!(
                serde_json::to_value(t).unwrap(),
                serde_json::json!(t.code())
            );
        }
    }

    #[test]
    fn parses_codes_labels_and_aliases() {
        for t in EntityType::ALL {
            assert_eq!(t.code().parse::<EntityType>().unwrap(), *t);
            assert_eq!(
                t.label_en().parse::<EntityType>().unwrap(),
                *t,
                "{}",
                t.label_en()
            );
            assert_eq!(
                t.label_fr().parse::<EntityType>().unwrap(),
                *t,
                "{}",
                t.label_fr()
            );
        }
        assert_eq!(
            "Healthcare Provider".parse(),
            Ok(EntityType::HealthcareProvider)
        );
        assert_eq!(
            "healthcare-provider".parse(),
            Ok(EntityType::HealthcareProvider)
        );
        assert_eq!("  HOSPITAL ".parse(), Ok(EntityType::HealthcareProvider));
        assert_eq!("IVD".parse(), Ok(EntityType::MedicalDeviceManufacturing));
        assert_eq!(
            "pharma".parse(),
            Ok(EntityType::BasicPharmaceuticalManufacturing)
        );
        // Active pharmaceutical ingredients are NACE 21.10, basic pharmaceutical products
        // (Annex I, health), not Annex II chemicals.
        for api in ["API manufacturing", "nace 21.10", "NACE 21.20"] {
            assert_eq!(
                api.parse(),
                Ok(EntityType::BasicPharmaceuticalManufacturing),
                "{api}"
            );
        }
    }

    #[test]
    fn labels_and_aliases_are_unambiguous() {
        let mut seen = std::collections::HashMap::new();
        for t in EntityType::ALL {
            let mut names = vec![
                t.code().to_owned(),
                normalise(t.label_en()),
                normalise(t.label_fr()),
            ];
            names.extend(t.aliases().iter().map(|a| normalise(a)));
            names.sort();
            names.dedup();
            for n in names {
                if let Some(other) = seen.insert(n.clone(), *t) {
                    panic!("{n} names both {other:?} and {t:?}");
                }
            }
        }
    }

    #[test]
    fn unknown_names_are_rejected_with_the_list() {
        let err = "spaceship".parse::<EntityType>().unwrap_err();
        assert!(err.to_string().contains("healthcare_provider"));
        assert!("".parse::<EntityType>().is_err());
    }

    #[test]
    fn health_types_sit_in_annex_i_health() {
        let health: Vec<_> = EntityType::ALL
            .iter()
            .filter(|t| t.sector() == Sector::Health)
            .collect();
        assert_eq!(health.len(), 5);
        assert!(health.iter().all(|t| t.annex() == Some(Annex::I)));
    }
}
