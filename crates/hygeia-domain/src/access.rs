//! Roles, permissions and need-to-know scoping.
//!
//! A role grants a fixed set of [`Permission`]s; an entity scope says which legal entities a
//! user may see at all. Administrators see every entity of their organisation; everybody else
//! sees only the entities granted to them.

use std::collections::BTreeSet;
use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

/// What a user is in the organisation. Ordered from most to least powerful.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// Manages users, entities and settings; sees everything.
    Administrator,
    /// Runs the compliance programme of the entities granted.
    ComplianceManager,
    /// Contributes answers and evidence on the entities granted.
    Contributor,
    /// Reads everything granted, including the audit trail; changes nothing.
    Auditor,
}

impl Role {
    pub const ALL: [Role; 4] = [
        Role::Administrator,
        Role::ComplianceManager,
        Role::Contributor,
        Role::Auditor,
    ];

    pub fn code(self) -> &'static str {
        match self {
            Role::Administrator => "administrator",
            Role::ComplianceManager => "compliance_manager",
            Role::Contributor => "contributor",
            Role::Auditor => "auditor",
        }
    }

    /// Whether this role holds a permission.
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            Role::Administrator => true,
            Role::ComplianceManager => matches!(
                permission,
                P::OrganisationRead
                    | P::CatalogRead
                    | P::ComplianceRead
                    | P::ComplianceEdit
                    | P::ComplianceManage
                    | P::AssetRead
                    | P::AssetIngest
                    | P::EntityRead
                    | P::EntityUpdate
                    | P::SiteWrite
                    | P::IncidentRead
                    | P::IncidentWrite
                    | P::IncidentDecide
                    | P::VulnerabilityTriage
                    | P::RiskRead
                    | P::RiskWrite
                    | P::RiskAccept
                    | P::SupplierRead
                    | P::SupplierWrite
                    | P::SupplierAssess
                    | P::GovernanceRead
                    | P::GovernanceWrite
                    | P::PolicyAcknowledge
                    | P::OwnTokens
            ),
            Role::Contributor => matches!(
                permission,
                P::OrganisationRead
                    | P::CatalogRead
                    | P::ComplianceRead
                    | P::ComplianceEdit
                    | P::AssetRead
                    | P::EntityRead
                    | P::IncidentRead
                    | P::IncidentWrite
                    | P::VulnerabilityTriage
                    | P::RiskRead
                    | P::RiskWrite
                    | P::SupplierRead
                    | P::SupplierWrite
                    | P::GovernanceRead
                    | P::PolicyAcknowledge
                    | P::OwnTokens
            ),
            Role::Auditor => matches!(
                permission,
                P::OrganisationRead
                    | P::CatalogRead
                    | P::ComplianceRead
                    | P::AssetRead
                    | P::EntityRead
                    | P::IncidentRead
                    | P::RiskRead
                    | P::SupplierRead
                    | P::AuditRead
                    | P::GovernanceRead
                    | P::PolicyAcknowledge
                    | P::OwnTokens
            ),
        }
    }

    /// Administrators see every entity; the other roles only those granted to them.
    pub fn sees_all_entities(self) -> bool {
        self == Role::Administrator
    }
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// A role name that is not one of Hygeia's roles.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error(
    "unknown role '{0}' (expected one of: administrator, compliance_manager, contributor, auditor)"
)]
pub struct UnknownRole(pub String);

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalised = text.trim().to_ascii_lowercase().replace(['-', ' '], "_");
        Role::ALL
            .into_iter()
            .find(|role| role.code() == normalised)
            .ok_or_else(|| UnknownRole(text.to_owned()))
    }
}

/// Something a user may be allowed to do. Checked before every operation.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Permission {
    /// See the organisation's name and settings.
    OrganisationRead,
    /// Browse frameworks, requirements and crosswalks.
    CatalogRead,
    /// Import frameworks and crosswalks.
    CatalogManage,
    /// See controls, assessments, results, evidence and compliance views (within scope).
    ComplianceRead,
    /// Record results, notes and evidence, and edit controls (within scope).
    ComplianceEdit,
    /// Create and close assessments, accept or override derived results (within scope).
    ComplianceManage,
    /// Confirm, refine or reject a crosswalk pair for the whole organisation (it changes
    /// derived results in every entity, so only those who see every entity may).
    MappingReview,
    /// See the asset inventory, communication map and zone findings (within scope).
    AssetRead,
    /// Push sensor observations into the inventory (within scope).
    AssetIngest,
    /// See entities (within scope) and their sites.
    EntityRead,
    /// Create a legal entity.
    EntityCreate,
    /// Change an entity's profile (within scope).
    EntityUpdate,
    /// Delete an entity.
    EntityDelete,
    /// Create, change or remove sites of an entity (within scope).
    SiteWrite,
    /// List users.
    UserRead,
    /// Create, change, deactivate users and grant entities.
    UserManage,
    /// Create, list and revoke one's own API tokens.
    OwnTokens,
    /// List and revoke anybody's API tokens.
    AllTokens,
    /// Read the audit trail.
    AuditRead,
    /// See incidents, their clocks and reports (within scope).
    IncidentRead,
    /// Declare and document incidents: details, timeline, actions, links, report drafts
    /// (within scope).
    IncidentWrite,
    /// Decide on reporting: verdicts, obligations set aside, submissions recorded (within
    /// scope).
    IncidentDecide,
    /// Import advisory feeds (CSAF documents, the KEV catalog): they apply to every entity's
    /// inventory, so only those who see every entity may.
    AdvisoryImport,
    /// Triage the vulnerabilities matched on the inventory: confirm, mark false positive,
    /// record a mitigation (within scope). Accepting a risk also needs `ComplianceManage`.
    VulnerabilityTriage,
    /// See the risk register, its heat maps and the risk matrix (within scope).
    RiskRead,
    /// Add risks, take scenarios from the library, rate and treat them (within scope).
    RiskWrite,
    /// Accept a risk (the treatment `accept`, with its approver and end date) (within scope).
    RiskAccept,
    /// Replace the organisation's risk matrix: it re-rates every entity's risks, so only
    /// those who see every entity may.
    RiskMatrixManage,
    /// See the supplier register, its certifications, contracts and exposure (within scope).
    SupplierRead,
    /// Add and change suppliers, their links, certifications, contracts and clauses (within
    /// scope).
    SupplierWrite,
    /// Send questionnaires to suppliers (single-use links), revoke them, and score the
    /// answers (within scope).
    SupplierAssess,
    /// See the background jobs of every hub instance and retry a failed one: administrators.
    JobManage,
    /// See the management body, its approvals, training records and policies with who
    /// acknowledged them (within scope).
    GovernanceRead,
    /// Record members, approvals and training; draft, publish and revise policies (within
    /// scope).
    GovernanceWrite,
    /// Acknowledge the policies that apply to oneself: every role, never through a read-only
    /// token.
    PolicyAcknowledge,
}

/// Which legal entities a user may see.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum EntityScope {
    All,
    Only(BTreeSet<String>),
}

impl EntityScope {
    pub fn contains(&self, entity_id: &str) -> bool {
        match self {
            EntityScope::All => true,
            EntityScope::Only(ids) => ids.contains(entity_id),
        }
    }
}

/// How much of its owner's rights an API token carries. Browser sessions and the CLI act
/// with [`TokenScope::Full`].
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Default, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Everything the owner's role allows.
    #[default]
    Full,
    /// Reading only: catalogs, compliance, assets, entities, users and the audit trail as the
    /// role allows; never a change.
    Read,
    /// A sensor's token: pushing observations (and reading the zone policy they are checked
    /// against), nothing else.
    Ingest,
}

impl TokenScope {
    pub const ALL: [TokenScope; 3] = [TokenScope::Full, TokenScope::Read, TokenScope::Ingest];

    pub fn code(self) -> &'static str {
        match self {
            TokenScope::Full => "full",
            TokenScope::Read => "read",
            TokenScope::Ingest => "ingest",
        }
    }

    /// Whether a token of this scope may be used for `permission` (the role decides as well).
    pub fn allows(self, permission: Permission) -> bool {
        use Permission as P;
        match self {
            TokenScope::Full => true,
            TokenScope::Read => matches!(
                permission,
                P::OrganisationRead
                    | P::CatalogRead
                    | P::ComplianceRead
                    | P::AssetRead
                    | P::EntityRead
                    | P::UserRead
                    | P::AuditRead
                    | P::IncidentRead
                    | P::RiskRead
                    | P::SupplierRead
                    | P::GovernanceRead
            ),
            TokenScope::Ingest => matches!(permission, P::AssetIngest),
        }
    }
}

/// A token scope name that is not one of Hygeia's scopes.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown token scope '{0}' (expected one of: full, read, ingest)")]
pub struct UnknownTokenScope(pub String);

impl FromStr for TokenScope {
    type Err = UnknownTokenScope;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let normalised = text.trim().to_ascii_lowercase();
        TokenScope::ALL
            .into_iter()
            .find(|scope| scope.code() == normalised)
            .ok_or_else(|| UnknownTokenScope(text.to_owned()))
    }
}

impl fmt::Display for TokenScope {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

/// The authenticated user behind a request or a command, with what they may do.
#[derive(Debug, Clone)]
pub struct Principal {
    pub user_id: String,
    pub organisation_id: String,
    pub email: String,
    pub role: Role,
    pub scope: EntityScope,
    /// What the credential used carries of the role (tokens may carry less).
    pub token_scope: TokenScope,
}

/// A refused operation: the user lacks a permission or the entity is outside their scope.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum Denied {
    #[error("your role ({role}) does not allow this operation")]
    Permission { role: Role, permission: Permission },
    #[error("this API token's scope ({scope}) does not allow this operation")]
    TokenScope {
        scope: TokenScope,
        permission: Permission,
    },
    #[error("you have no access to this entity")]
    OutOfScope { entity_id: String },
}

impl Principal {
    /// Succeeds when the user's role holds `permission` and the credential carries it.
    pub fn require(&self, permission: Permission) -> Result<(), Denied> {
        if !self.role.allows(permission) {
            return Err(Denied::Permission {
                role: self.role,
                permission,
            });
        }
        if !self.token_scope.allows(permission) {
            return Err(Denied::TokenScope {
                scope: self.token_scope,
                permission,
            });
        }
        Ok(())
    }

    /// The same principal acting through a token: its scope, and its entity when it names one
    /// (a token never reaches beyond its owner's own entities).
    pub fn through_token(mut self, scope: TokenScope, entity_id: Option<&str>) -> Self {
        self.token_scope = scope;
        if let Some(entity) = entity_id {
            let reachable = self.scope.contains(entity);
            let mut only = BTreeSet::new();
            if reachable {
                only.insert(entity.to_owned());
            }
            self.scope = EntityScope::Only(only);
        }
        self
    }

    /// Succeeds when the user holds `permission` and may see `entity_id`.
    pub fn require_on_entity(&self, permission: Permission, entity_id: &str) -> Result<(), Denied> {
        self.require(permission)?;
        if self.scope.contains(entity_id) {
            Ok(())
        } else {
            Err(Denied::OutOfScope {
                entity_id: entity_id.to_owned(),
            })
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_parse_from_codes_and_readable_names() {
        assert_eq!(
            "compliance manager".parse::<Role>(),
            Ok(Role::ComplianceManager)
        );
        assert_eq!("Auditor".parse::<Role>(), Ok(Role::Auditor));
        assert!("root".parse::<Role>().is_err());
    }

    #[test]
    fn only_administrators_and_auditors_read_the_audit_trail() {
        let readers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::AuditRead))
            .collect();
        assert_eq!(readers, vec![Role::Administrator, Role::Auditor]);
    }

    #[test]
    fn contributors_document_incidents_but_managers_decide_on_reporting() {
        let decide: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::IncidentDecide))
            .collect();
        assert_eq!(decide, [Role::Administrator, Role::ComplianceManager]);
        assert!(Role::Contributor.allows(Permission::IncidentWrite));
        assert!(Role::Auditor.allows(Permission::IncidentRead));
        assert!(TokenScope::Read.allows(Permission::IncidentRead));
        assert!(!TokenScope::Read.allows(Permission::IncidentWrite));
    }

    #[test]
    fn only_administrators_import_feeds_and_engineers_triage() {
        let importers: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::AdvisoryImport))
            .collect();
        assert_eq!(importers, [Role::Administrator]);
        let triage: Vec<Role> = Role::ALL
            .into_iter()
            .filter(|r| r.allows(Permission::VulnerabilityTriage))
            .collect();
        assert_eq!(
            triage,
            [
                Role::Administrator,
                Role::ComplianceManager,
                Role::Contributor
            ]
        );
        assert!(!TokenScope::Read.allows(Permission::VulnerabilityTriage));
    }

    #[test]
    fn managers_accept_risks_and_only_administrators_change_the_matrix() {
        let holders = |permission: Permission| -> Vec<Role> {
            Role::ALL
                .into_iter()
                .filter(|r| r.allows(permission))
                .collect()
        };
        assert_eq!(holders(Permission::RiskRead), Role::ALL);
        assert_eq!(
            holders(Permission::RiskWrite),
            [
                Role::Administrator,
                Role::ComplianceManager,
                Role::Contributor
            ]
        );
        assert_eq!(
            holders(Permission::RiskAccept),
            [Role::Administrator, Role::ComplianceManager]
        );
        assert_eq!(holders(Permission::RiskMatrixManage), [Role::Administrator]);
        assert!(TokenScope::Read.allows(Permission::RiskRead));
        assert!(!TokenScope::Read.allows(Permission::RiskWrite));
    }

    #[test]
    fn contributors_keep_the_register_and_managers_assess_suppliers() {
        let holders = |permission: Permission| -> Vec<Role> {
            Role::ALL
                .into_iter()
                .filter(|r| r.allows(permission))
                .collect()
        };
        assert_eq!(holders(Permission::SupplierRead), Role::ALL);
        assert_eq!(
            holders(Permission::SupplierWrite),
            [
                Role::Administrator,
                Role::ComplianceManager,
                Role::Contributor
            ]
        );
        assert_eq!(
            holders(Permission::SupplierAssess),
            [Role::Administrator, Role::ComplianceManager]
        );
        assert!(TokenScope::Read.allows(Permission::SupplierRead));
        assert!(!TokenScope::Read.allows(Permission::SupplierWrite));
    }

    #[test]
    fn auditors_change_nothing() {
        for permission in [
            Permission::EntityCreate,
            Permission::EntityUpdate,
            Permission::EntityDelete,
            Permission::SiteWrite,
            Permission::UserManage,
            Permission::AllTokens,
            Permission::CatalogManage,
            Permission::AssetIngest,
            Permission::ComplianceEdit,
            Permission::ComplianceManage,
            Permission::IncidentWrite,
            Permission::IncidentDecide,
            Permission::AdvisoryImport,
            Permission::VulnerabilityTriage,
            Permission::RiskWrite,
            Permission::RiskAccept,
            Permission::RiskMatrixManage,
            Permission::SupplierWrite,
            Permission::SupplierAssess,
            Permission::JobManage,
            Permission::GovernanceWrite,
        ] {
            assert!(!Role::Auditor.allows(permission), "{permission:?}");
        }
    }

    #[test]
    fn scope_limits_entities_for_non_administrators() {
        let principal = Principal {
            user_id: "u".into(),
            organisation_id: "o".into(),
            email: "e@example.org".into(),
            role: Role::ComplianceManager,
            scope: EntityScope::Only(["a".to_owned()].into()),
            token_scope: TokenScope::Full,
        };
        assert!(
            principal
                .require_on_entity(Permission::EntityUpdate, "a")
                .is_ok()
        );
        assert_eq!(
            principal.require_on_entity(Permission::EntityUpdate, "b"),
            Err(Denied::OutOfScope {
                entity_id: "b".into()
            })
        );
        assert!(principal.require(Permission::UserManage).is_err());
    }

    #[test]
    fn tokens_carry_at_most_their_scope_and_entity() {
        let admin = Principal {
            user_id: "u".into(),
            organisation_id: "o".into(),
            email: "e@example.org".into(),
            role: Role::Administrator,
            scope: EntityScope::All,
            token_scope: TokenScope::Full,
        };
        let sensor = admin
            .clone()
            .through_token(TokenScope::Ingest, Some("plant"));
        assert!(
            sensor
                .require_on_entity(Permission::AssetIngest, "plant")
                .is_ok()
        );
        assert!(matches!(
            sensor.require_on_entity(Permission::AssetIngest, "lab"),
            Err(Denied::OutOfScope { .. })
        ));
        assert!(matches!(
            sensor.require(Permission::ComplianceEdit),
            Err(Denied::TokenScope { .. })
        ));
        let reader = admin.through_token(TokenScope::Read, None);
        assert!(reader.require(Permission::AuditRead).is_ok());
        for permission in [
            Permission::ComplianceEdit,
            Permission::UserManage,
            Permission::OwnTokens,
            Permission::AssetIngest,
        ] {
            assert!(reader.require(permission).is_err(), "{permission:?}");
        }
        // A token naming an entity its owner cannot see reaches nothing.
        let manager = Principal {
            user_id: "m".into(),
            organisation_id: "o".into(),
            email: "m@example.org".into(),
            role: Role::ComplianceManager,
            scope: EntityScope::Only(["lab".to_owned()].into()),
            token_scope: TokenScope::Full,
        }
        .through_token(TokenScope::Full, Some("plant"));
        assert!(!manager.scope.contains("plant"));
        assert!(!manager.scope.contains("lab"));
        assert_eq!("Ingest".parse::<TokenScope>(), Ok(TokenScope::Ingest));
        assert!("admin".parse::<TokenScope>().is_err());
    }
}
