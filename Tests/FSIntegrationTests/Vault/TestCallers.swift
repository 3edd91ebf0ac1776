import Foundation

/// The callers of the vault mount tests, one uid per role so a role's answers never leak into another's.
enum TestCaller {
    typealias Identity = VaultProcess.Identity

    static let secretsUser = Identity(uid: 2001, gid: 2001)
    static let reader = Identity(uid: 2002, gid: 2002)
    static let officer = Identity(uid: 2003, gid: 2003)
    static let administrator = Identity(uid: 2004, gid: 2004)
    static let objectOfficer = Identity(uid: 2005, gid: 2005)
    /// Holds no role of its own; gets Secrets User through supplementary group 3001.
    static let groupMember = Identity(uid: 2006, gid: 2006, groups: [3001])
    static let nobody = Identity(uid: 2007, gid: 2007)
    /// The store's owner: management Owner, no data access.
    static let root = Identity(uid: 0, gid: 0)

    /// Principals for all of the above, and a group principal for gid 3001.
    static let users: [(name: String, uid: UInt32)] = [
        ("user-2001", 2001), ("reader-2002", 2002), ("officer-2003", 2003), ("admin-2004", 2004),
        ("objofficer-2005", 2005), ("member-2006", 2006), ("nobody-2007", 2007),
    ]
    static let groups: [(name: String, gid: UInt32)] = [("group-3001", 3001)]

    /// Vault-scope assignments of the standard callers on `vault`.
    static func vaultAssignments(_ vault: String) -> [(String, String, String)] {
        [
            ("user-2001", "Key Vault Secrets User", "/vaults/\(vault)"),
            ("reader-2002", "Key Vault Reader", "/vaults/\(vault)"),
            ("officer-2003", "Key Vault Secrets Officer", "/vaults/\(vault)"),
            ("admin-2004", "Key Vault Administrator", "/vaults/\(vault)"),
            ("group-3001", "Key Vault Secrets User", "/vaults/\(vault)"),
        ]
    }

    /// A setup with `vaults`, every standard principal, and the vault-scope assignments on each vault.
    static func setup(_ vaults: [VaultMountFixture.Setup.Vault], secrets: [(String, String, String)] = [],
                      deleted: [(String, String)] = [], extra: [(String, String, String)] = []) -> VaultMountFixture.Setup {
        VaultMountFixture.Setup(vaults: vaults, users: users, groups: groups,
                                assignments: vaults.flatMap { vaultAssignments($0.name) } + extra,
                                secrets: secrets, deleted: deleted)
    }
}
