/// Where a role assignment applies: a whole vault, or one object in it — or, for kvfs's Key Vault Audit
/// Reader only, the whole store.
/// Written as `/vaults/V` or `/vaults/V/{secrets|keys|certificates}/N`, as Azure's scopes end, and `/` for the store.
public struct Scope: Hashable, Sendable, CustomStringConvertible {
    /// The vault; empty for the store scope (``isStore``), which no vault name can equal.
    public var vault: String { didSet { vaultKey = Names.key(vault) } }
    /// `nil` for a vault-wide scope.
    public var object: (kind: ObjectKind, name: String)? { didSet { objectKey = object.map { Names.key($0.name) } } }
    /// The case-folded vault and object names, kept so that decisions compare without folding again.
    private(set) var vaultKey: String
    private(set) var objectKey: String?

    public init(vault: String, object: (kind: ObjectKind, name: String)? = nil) {
        self.vault = vault
        self.object = object
        vaultKey = Names.key(vault)
        objectKey = object.map { Names.key($0.name) }
    }

    /// The whole store, `/` (for the Key Vault Audit Reader only: `AssignmentRules`).
    public static let store = Scope(vault: "")

    /// Whether this is the store scope `/`.
    public var isStore: Bool { vault.isEmpty }

    /// Parses `/`, or `/vaults/V[/secrets|keys|certificates/N]`.
    /// - Throws: `VaultError.invalidArgument` for any other shape or an invalid name.
    public init(parsing text: String) throws {
        if text == "/" {
            self = .store
            return
        }
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard text.hasPrefix("/"), parts.count == 3 || parts.count == 5, parts[1].lowercased() == "vaults" else {
            throw VaultError.invalid("Scope '\(Names.printable(text))' must be /vaults/VAULT, /vaults/VAULT/{secrets|keys|certificates}/NAME, or / (the store, for the Key Vault Audit Reader).")
        }
        try Names.validateVault(parts[2])
        var object: (kind: ObjectKind, name: String)?
        if parts.count == 5 {
            guard let kind = ObjectKind(collection: parts[3]) else {
                throw VaultError.invalid("Scope '\(Names.printable(text))' names '\(Names.printable(parts[3]))'; use secrets, keys or certificates.")
            }
            try Names.validateObject(parts[4], kind: kind)
            object = (kind, parts[4])
        }
        self.init(vault: parts[2], object: object)
    }

    public var description: String {
        if isStore { return "/" }
        if let object { return "/vaults/\(vault)/\(object.kind.collection)/\(object.name)" }
        return "/vaults/\(vault)"
    }

    /// The case-folded scope string used for storage and comparison.
    public var key: String { description.lowercased() }

    public static func == (a: Scope, b: Scope) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}

extension Scope {
    /// Whether an assignment at this scope applies at `other`: the same scope, or the vault that holds
    /// `other`'s object (Azure's inherited assignments, `az role assignment list --include-inherited`).
    public func applies(at other: Scope) -> Bool {
        self == other || (object == nil && vaultKey == other.vaultKey)
    }
}
