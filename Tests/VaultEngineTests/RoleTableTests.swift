import Testing
import VaultEngine

/// The built-in roles against akv-semantics.md §1, written out by hand (wildcards expanded on paper),
/// never derived from `BuiltInRole`'s own patterns.
@Suite("Built-in roles")
struct RoleTableTests {
    static let prefix = "Microsoft.KeyVault/vaults/"

    /// §1.1's catalogue for secrets, keys (with rotation policies) and certificates (with issuers and contacts).
    static let catalogue: Set<String> = [
        "secrets/getSecret/action", "secrets/setSecret/action", "secrets/readMetadata/action", "secrets/update/action",
        "secrets/delete", "secrets/recover/action", "secrets/purge/action", "secrets/backup/action",
        "secrets/restore/action",
        "keys/read", "keys/create/action", "keys/import/action", "keys/update/action", "keys/delete",
        "keys/recover/action", "keys/purge/action", "keys/backup/action", "keys/restore/action",
        "keys/encrypt/action", "keys/decrypt/action", "keys/wrap/action", "keys/unwrap/action", "keys/sign/action",
        "keys/verify/action", "keys/release/action", "keys/rotate/action",
        "keyrotationpolicies/read", "keyrotationpolicies/write",
        "certificates/read", "certificates/create/action", "certificates/import/action", "certificates/update/action",
        "certificates/delete", "certificates/recover/action", "certificates/purge/action", "certificates/backup/action",
        "certificates/restore/action",
        "certificatecas/read", "certificatecas/write", "certificatecas/delete",
        "certificatecontacts/write",
    ]

    static let allSecrets: Set<String> = [
        "secrets/getSecret/action", "secrets/setSecret/action", "secrets/readMetadata/action", "secrets/update/action",
        "secrets/delete", "secrets/recover/action", "secrets/purge/action", "secrets/backup/action",
        "secrets/restore/action",
    ]

    /// Role name → the data actions (without the prefix) it grants.
    static let expected: [String: Set<String>] = [
        "Key Vault Administrator": catalogue,
        "Key Vault Reader": [
            "keys/read", "keyrotationpolicies/read", "certificates/read", "certificatecas/read",
            "secrets/readMetadata/action",
        ],
        "Key Vault Secrets Officer": allSecrets,
        "Key Vault Secrets User": ["secrets/getSecret/action", "secrets/readMetadata/action"],
        "Key Vault Certificates Officer": [
            "certificates/read", "certificates/create/action", "certificates/import/action",
            "certificates/update/action", "certificates/delete", "certificates/recover/action",
            "certificates/purge/action", "certificates/backup/action", "certificates/restore/action",
            "certificatecas/read", "certificatecas/write", "certificatecas/delete", "certificatecontacts/write",
        ],
        "Key Vault Certificate User": [
            "certificates/read", "secrets/getSecret/action", "secrets/readMetadata/action", "keys/read",
        ],
        "Key Vault Crypto Officer": [
            "keys/read", "keys/create/action", "keys/import/action", "keys/update/action", "keys/delete",
            "keys/recover/action", "keys/purge/action", "keys/backup/action", "keys/restore/action",
            "keys/encrypt/action", "keys/decrypt/action", "keys/wrap/action", "keys/unwrap/action", "keys/sign/action",
            "keys/verify/action", "keys/release/action", "keys/rotate/action",
            "keyrotationpolicies/read", "keyrotationpolicies/write",
        ],
        "Key Vault Crypto User": [
            "keys/read", "keys/update/action", "keys/backup/action", "keys/encrypt/action", "keys/decrypt/action",
            "keys/wrap/action", "keys/unwrap/action", "keys/sign/action", "keys/verify/action",
        ],
        "Key Vault Crypto Service Encryption User": ["keys/read", "keys/wrap/action", "keys/unwrap/action"],
        "Key Vault Crypto Service Release User": ["keys/release/action"],
        "Key Vault Data Access Administrator": [],
        // kvfs's own: no data action at all (it reads the audit log).
        "Key Vault Audit Reader": [],
    ]

    static let ids: [String: String] = [
        "Key Vault Administrator": "00482a5a-887f-4fb3-b363-3b7fe8e74483",
        "Key Vault Reader": "21090545-7ca7-4776-b22c-e363652d74d2",
        "Key Vault Secrets Officer": "b86a8fe4-44ce-4948-aee5-eccb2c155cd7",
        "Key Vault Secrets User": "4633458b-17de-408a-b874-0445c86b69e6",
        "Key Vault Certificates Officer": "a4417e6f-fecd-4de8-b567-7b0420556985",
        "Key Vault Certificate User": "db79e9a7-68ee-4b58-9aeb-b90e7c24fcba",
        "Key Vault Crypto Officer": "14b46e9e-c2b7-41b4-b07b-48a6ebf60603",
        "Key Vault Crypto User": "12338af0-0e69-4776-bea7-57ae8d297424",
        "Key Vault Crypto Service Encryption User": "e147488a-f6f5-4113-8e2d-b22465e65bf6",
        "Key Vault Crypto Service Release User": "08bbd89e-9f13-488c-ac41-acfcb10c90ab",
        "Key Vault Data Access Administrator": "8b54135c-b56d-4d72-a534-26097cfdc8d8",
        // kvfs's own id (no Azure built-in has it).
        "Key Vault Audit Reader": "5310c6fe-48f7-4091-bbf5-2f0bb61f9df3",
    ]

    @Test("The engine decides on exactly the catalogue's data actions")
    func catalogueIsComplete() {
        let known = DataAction.all.map(\.rawValue)
        #expect(known.count == Set(known).count, "DataAction.all has duplicates")
        #expect(Set(known) == Set(Self.catalogue.map { Self.prefix + $0 }))
    }

    @Test("Every built-in role, with Azure's exact name and id")
    func rolesAndIDs() {
        // Azure's eleven, then kvfs's own audit reader.
        #expect(BuiltInRole.all.count == 12)
        #expect(BuiltInRole.all.filter(\.isAzureBuiltIn).count == 11)
        #expect(BuiltInRole.all.last == .auditReader && !BuiltInRole.auditReader.isAzureBuiltIn)
        #expect(Dictionary(uniqueKeysWithValues: BuiltInRole.all.map { ($0.name, $0.id) }) == Self.ids)
        for role in BuiltInRole.all {
            #expect(BuiltInRole.named(role.name) == role)
            #expect(BuiltInRole.named(role.name.uppercased()) == role)
            #expect(BuiltInRole.named(role.id) == role)
        }
        #expect(BuiltInRole.named("Key Vault Contributor") == nil)
        #expect(BuiltInRole.named("Owner") == nil)
    }

    @Test("role × data action", arguments: BuiltInRole.all, DataAction.all)
    func grants(role: BuiltInRole, action: DataAction) throws {
        let expected = try #require(Self.expected[role.name], "no expected row for \(role.name)")
        let tail = String(action.rawValue.dropFirst(Self.prefix.count))
        #expect(role.grants(action) == expected.contains(tail), "\(role.name) / \(tail)")
    }

    @Test("grantedActions lists exactly the expected row", arguments: BuiltInRole.all)
    func grantedActions(role: BuiltInRole) throws {
        let expected = try #require(Self.expected[role.name])
        #expect(Set(role.grantedActions.map(\.rawValue)) == Set(expected.map { Self.prefix + $0 }))
    }

    @Test("Only Administrator and the matching Officer may purge")
    func purgeHolders() {
        func holders(_ tail: String) -> Set<String> {
            Set(BuiltInRole.all.filter { $0.grants(DataAction(Self.prefix + tail)) }.map(\.name))
        }
        #expect(holders("secrets/purge/action") == ["Key Vault Administrator", "Key Vault Secrets Officer"])
        #expect(holders("keys/purge/action") == ["Key Vault Administrator", "Key Vault Crypto Officer"])
        #expect(holders("certificates/purge/action") == ["Key Vault Administrator", "Key Vault Certificates Officer"])
    }

    @Test("Only the Data Access Administrator manages assignments, and it delegates Azure's eight roles")
    func delegation() {
        #expect(BuiltInRole.all.filter(\.managesAssignments).map(\.name) == ["Key Vault Data Access Administrator"])
        #expect(Set(BuiltInRole.delegable.map(\.name)) == [
            "Key Vault Administrator", "Key Vault Certificates Officer", "Key Vault Crypto Officer",
            "Key Vault Crypto Service Encryption User", "Key Vault Crypto User", "Key Vault Reader",
            "Key Vault Secrets Officer", "Key Vault Secrets User",
        ])
    }

    @Test("Action patterns ignore case; '*' matches within an action only where Azure's would", arguments: [
        ("Microsoft.KeyVault/vaults/*", "Microsoft.KeyVault/vaults/secrets/getSecret/action", true),
        ("microsoft.keyvault/VAULTS/secrets/*", "Microsoft.KeyVault/vaults/secrets/purge/action", true),
        ("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/secrets/readMetadata/action", false),
        ("Microsoft.KeyVault/vaults/*/read", "Microsoft.KeyVault/vaults/keyrotationpolicies/read", true),
        ("Microsoft.KeyVault/vaults/certificates/*", "Microsoft.KeyVault/vaults/certificatecas/read", false),
        ("Microsoft.KeyVault/vaults/keys/read", "Microsoft.KeyVault/vaults/keys/read/extra", false),
    ])
    func patterns(pattern: String, action: String, matches: Bool) {
        #expect(DataAction(action).matches(pattern: pattern) == matches)
    }
}
