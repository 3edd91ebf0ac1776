/// Azure Key Vault's built-in data roles, with their exact names, ids and data actions.
public struct BuiltInRole: Hashable, Sendable, CustomStringConvertible {
    public let name: String
    /// Azure's role definition id.
    public let id: String
    /// Data action patterns, verbatim from Azure's role definitions (`*` is a wildcard).
    public let dataActions: [String]
    /// Whether the role may write and delete role assignments (Key Vault Data Access Administrator).
    public let managesAssignments: Bool
    /// Whether the role may read and verify the audit log (kvfs's own Key Vault Audit Reader).
    public let readsAudit: Bool
    /// Whether Azure defines the role; `false` for the roles kvfs adds (the Key Vault Audit Reader).
    public let isAzureBuiltIn: Bool
    public let summary: String
    /// The known data actions (`DataAction.all`) the patterns grant, matched once when the role is made.
    private let knownGrants: Set<DataAction>

    init(name: String, id: String, dataActions: [String], managesAssignments: Bool, readsAudit: Bool = false,
         isAzureBuiltIn: Bool = true, summary: String) {
        self.name = name
        self.id = id
        self.dataActions = dataActions
        self.managesAssignments = managesAssignments
        self.readsAudit = readsAudit
        self.isAzureBuiltIn = isAzureBuiltIn
        self.summary = summary
        knownGrants = Set(DataAction.all.filter { action in dataActions.contains { action.matches(pattern: $0) } })
    }

    public static func == (a: BuiltInRole, b: BuiltInRole) -> Bool { a.id == b.id }
    public func hash(into hasher: inout Hasher) { hasher.combine(id) }

    public var description: String { name }

    /// Whether the role may read role assignments (`Microsoft.Authorization/*/read` among its actions): the
    /// roles with Azure's standard control-plane actions, and the Data Access Administrator.
    public var readsAssignments: Bool {
        [BuiltInRole.administrator.id, BuiltInRole.reader.id, BuiltInRole.secretsOfficer.id, BuiltInRole.certificatesOfficer.id,
         BuiltInRole.cryptoOfficer.id, BuiltInRole.dataAccessAdministrator.id].contains(id)
    }

    /// Whether the role grants `action`. The actions kvfs knows are matched once, when the roles are first
    /// used; any other action string is matched against the patterns.
    public func grants(_ action: DataAction) -> Bool {
        knownGrants.contains(action) || !DataAction.known.contains(action) && dataActions.contains { action.matches(pattern: $0) }
    }

    /// Every data action kvfs knows that this role grants.
    public var grantedActions: [DataAction] { DataAction.all.filter(grants) }

    public static let administrator = BuiltInRole(
        name: "Key Vault Administrator", id: "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        dataActions: ["Microsoft.KeyVault/vaults/*"], managesAssignments: false,
        summary: "Perform all data plane operations on a key vault and all objects in it, including certificates, keys, and secrets. Cannot manage key vault resources or manage role assignments.")
    public static let reader = BuiltInRole(
        name: "Key Vault Reader", id: "21090545-7ca7-4776-b22c-e363652d74d2",
        dataActions: ["Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
        managesAssignments: false,
        summary: "Read metadata of key vaults and its certificates, keys, and secrets. Cannot read sensitive values such as secret contents or key material.")
    public static let secretsOfficer = BuiltInRole(
        name: "Key Vault Secrets Officer", id: "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        dataActions: ["Microsoft.KeyVault/vaults/secrets/*"], managesAssignments: false,
        summary: "Perform any action on the secrets of a key vault, except manage permissions.")
    public static let secretsUser = BuiltInRole(
        name: "Key Vault Secrets User", id: "4633458b-17de-408a-b874-0445c86b69e6",
        dataActions: ["Microsoft.KeyVault/vaults/secrets/getSecret/action", "Microsoft.KeyVault/vaults/secrets/readMetadata/action"],
        managesAssignments: false,
        summary: "Read secret contents including secret portion of a certificate with private key.")
    public static let certificatesOfficer = BuiltInRole(
        name: "Key Vault Certificates Officer", id: "a4417e6f-fecd-4de8-b567-7b0420556985",
        dataActions: ["Microsoft.KeyVault/vaults/certificatecas/*", "Microsoft.KeyVault/vaults/certificates/*",
                      "Microsoft.KeyVault/vaults/certificatecontacts/write"],
        managesAssignments: false,
        summary: "Perform any action on the certificates of a key vault, excluding reading the secret and key portions, and managing permissions.")
    public static let certificateUser = BuiltInRole(
        name: "Key Vault Certificate User", id: "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
        dataActions: ["Microsoft.KeyVault/vaults/certificates/read", "Microsoft.KeyVault/vaults/secrets/getSecret/action",
                      "Microsoft.KeyVault/vaults/secrets/readMetadata/action", "Microsoft.KeyVault/vaults/keys/read"],
        managesAssignments: false,
        summary: "Read entire certificate contents including secret and key portion.")
    public static let cryptoOfficer = BuiltInRole(
        name: "Key Vault Crypto Officer", id: "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
        dataActions: ["Microsoft.KeyVault/vaults/keys/*", "Microsoft.KeyVault/vaults/keyrotationpolicies/*"],
        managesAssignments: false,
        summary: "Perform any action on the keys of a key vault, except manage permissions.")
    public static let cryptoUser = BuiltInRole(
        name: "Key Vault Crypto User", id: "12338af0-0e69-4776-bea7-57ae8d297424",
        dataActions: ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/update/action",
                      "Microsoft.KeyVault/vaults/keys/backup/action", "Microsoft.KeyVault/vaults/keys/encrypt/action",
                      "Microsoft.KeyVault/vaults/keys/decrypt/action", "Microsoft.KeyVault/vaults/keys/wrap/action",
                      "Microsoft.KeyVault/vaults/keys/unwrap/action", "Microsoft.KeyVault/vaults/keys/sign/action",
                      "Microsoft.KeyVault/vaults/keys/verify/action"],
        managesAssignments: false,
        summary: "Perform cryptographic operations using keys.")
    public static let cryptoServiceEncryptionUser = BuiltInRole(
        name: "Key Vault Crypto Service Encryption User", id: "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        dataActions: ["Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/wrap/action",
                      "Microsoft.KeyVault/vaults/keys/unwrap/action"],
        managesAssignments: false,
        summary: "Read metadata of keys and perform wrap/unwrap operations.")
    public static let cryptoServiceReleaseUser = BuiltInRole(
        name: "Key Vault Crypto Service Release User", id: "08bbd89e-9f13-488c-ac41-acfcb10c90ab",
        dataActions: ["Microsoft.KeyVault/vaults/keys/release/action"], managesAssignments: false,
        summary: "Release keys.")
    public static let dataAccessAdministrator = BuiltInRole(
        name: "Key Vault Data Access Administrator", id: "8b54135c-b56d-4d72-a534-26097cfdc8d8",
        dataActions: [], managesAssignments: true,
        summary: "Manage access to Azure Key Vault by adding or removing role assignments for the Key Vault Administrator, Key Vault Certificates Officer, Key Vault Crypto Officer, Key Vault Crypto Service Encryption User, Key Vault Crypto User, Key Vault Reader, Key Vault Secrets Officer, or Key Vault Secrets User roles.")

    /// kvfs's own least-privilege auditor — not an Azure built-in role. Azure lets Monitoring Reader or Log
    /// Analytics Reader read Key Vault's diagnostic logs without any data access; this role is that for kvfs's
    /// audit log: it reads and verifies the lines (of the whole store, or of one vault when assigned at vault
    /// scope) and grants no data action and no management right (docs/security-model.md, "Audit readers").
    /// Its id is kvfs's own. A Data Access Administrator may not assign it.
    public static let auditReader = BuiltInRole(
        name: "Key Vault Audit Reader", id: "5310c6fe-48f7-4091-bbf5-2f0bb61f9df3",
        dataActions: [], managesAssignments: false, readsAudit: true, isAzureBuiltIn: false,
        summary: "kvfs's own role (not an Azure built-in): read and verify the audit log of the store, or of one vault, without any data access.")

    /// All roles: Azure's built-in data roles in Azure's documentation order, then kvfs's own.
    public static let all: [BuiltInRole] = [
        administrator, reader, secretsOfficer, secretsUser, certificatesOfficer, certificateUser, cryptoOfficer,
        cryptoUser, cryptoServiceEncryptionUser, cryptoServiceReleaseUser, dataAccessAdministrator, auditReader,
    ]

    /// The roles a Data Access Administrator may assign or remove (Azure's ABAC condition).
    public static let delegable: Set<BuiltInRole> = [
        administrator, certificatesOfficer, cryptoOfficer, cryptoServiceEncryptionUser, cryptoUser, reader,
        secretsOfficer, secretsUser,
    ]

    /// The role with this exact name or id (names compare without regard to case).
    public static func named(_ nameOrID: String) -> BuiltInRole? {
        all.first { $0.name.lowercased() == nameOrID.lowercased() || $0.id == nameOrID.lowercased() }
    }
}
