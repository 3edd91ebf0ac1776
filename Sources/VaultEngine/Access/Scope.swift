/// Where a role assignment applies: a whole vault, or one object in it.
/// Written as `/vaults/V` or `/vaults/V/{secrets|keys|certificates}/N`, as Azure's scopes end.
public struct Scope: Hashable, Sendable, CustomStringConvertible {
    public var vault: String
    /// `nil` for a vault-wide scope.
    public var object: (kind: ObjectKind, name: String)?

    public init(vault: String, object: (kind: ObjectKind, name: String)? = nil) {
        self.vault = vault
        self.object = object
    }

    /// Parses `/vaults/V[/secrets|keys|certificates/N]`.
    /// - Throws: `VaultError.invalidArgument` for any other shape or an invalid name.
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false).map(String.init)
        guard text.hasPrefix("/"), parts.count == 3 || parts.count == 5, parts[1].lowercased() == "vaults" else {
            throw VaultError.invalid("Scope '\(Names.printable(text))' must be /vaults/VAULT or /vaults/VAULT/{secrets|keys|certificates}/NAME.")
        }
        try Names.validateVault(parts[2])
        vault = parts[2]
        if parts.count == 5 {
            guard let kind = ObjectKind(collection: parts[3]) else {
                throw VaultError.invalid("Scope '\(Names.printable(text))' names '\(Names.printable(parts[3]))'; use secrets, keys or certificates.")
            }
            try Names.validateObject(parts[4], kind: kind)
            object = (kind, parts[4])
        }
    }

    public var description: String {
        if let object { return "/vaults/\(vault)/\(object.kind.collection)/\(object.name)" }
        return "/vaults/\(vault)"
    }

    /// The case-folded scope string used for storage and comparison.
    public var key: String { description.lowercased() }

    public static func == (a: Scope, b: Scope) -> Bool { a.key == b.key }
    public func hash(into hasher: inout Hasher) { hasher.combine(key) }
}
