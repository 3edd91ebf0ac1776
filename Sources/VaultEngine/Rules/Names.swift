/// Azure's naming rules, checked before anything touches the store.
public enum Names {
    /// Vault names: 3–24 of `[0-9a-zA-Z-]`, starting with a letter, no consecutive hyphens, not ending in one.
    /// - Throws: `VaultError.invalidArgument` naming the rule broken.
    public static func validateVault(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard (3...24).contains(bytes.count) else {
            throw VaultError(.invalidVaultName, "Vault name '\(printable(name))' must be 3 to 24 characters long.")
        }
        guard bytes.allSatisfy(isNameByte) else {
            throw VaultError(.invalidVaultName, "Vault name '\(printable(name))' may contain only letters, digits and hyphens.")
        }
        guard isLetter(bytes[0]) else {
            throw VaultError(.invalidVaultName, "Vault name '\(name)' must start with a letter.")
        }
        let hyphen = UInt8(ascii: "-")
        guard !zip(bytes, bytes.dropFirst()).contains(where: { $0 == hyphen && $1 == hyphen }), bytes.last != hyphen else {
            throw VaultError(.invalidVaultName, "Vault name '\(name)' may not contain consecutive hyphens or end with a hyphen.")
        }
    }

    /// The longest object name, in bytes (Azure's rule).
    public static let maxObjectNameBytes = 127

    /// Whether `name` is longer than any object name may be (front-ends answer "name too long", not
    /// "invalid").
    public static func isTooLongForObject(_ name: String) -> Bool { name.utf8.count > maxObjectNameBytes }

    /// Whether `name` is a valid object name (no error built).
    public static func isValidObject(_ name: String) -> Bool {
        let bytes = name.utf8
        return (1...maxObjectNameBytes).contains(bytes.count) && bytes.allSatisfy(isNameByte)
    }

    /// Object names (secrets, keys, certificates): 1–127 of `[0-9a-zA-Z-]`.
    /// - Throws: `VaultError.invalidArgument`.
    public static func validateObject(_ name: String, kind: ObjectKind) throws {
        let bytes = Array(name.utf8)
        guard (1...maxObjectNameBytes).contains(bytes.count), bytes.allSatisfy(isNameByte) else {
            throw VaultError(.invalidArgument,
                             "\(kind.displayName) name '\(printable(name))' is not valid: use 1 to 127 letters, digits and hyphens.")
        }
    }

    /// Principal names: 1–64 of `[0-9a-zA-Z._-]`.
    /// - Throws: `VaultError.invalidArgument`.
    public static func validatePrincipal(_ name: String) throws {
        let bytes = Array(name.utf8)
        guard (1...64).contains(bytes.count),
              bytes.allSatisfy({ isNameByte($0) || $0 == UInt8(ascii: ".") || $0 == UInt8(ascii: "_") }) else {
            throw VaultError(.invalidArgument, "Principal name '\(printable(name))' is not valid: use 1 to 64 letters, digits, '.', '_' and '-'.")
        }
    }

    /// The case-folded form under which names are compared (Azure identifiers are case-insensitive).
    public static func key(_ name: String) -> String {
        // Names are ASCII (validated); fold without the Unicode machinery of `lowercased()`.
        var utf8 = Array(name.utf8)
        var changed = false
        for i in utf8.indices where utf8[i] >= 65 && utf8[i] <= 90 {
            utf8[i] += 32
            changed = true
        }
        return changed ? String(decoding: utf8, as: UTF8.self) : name
    }

    static func isLetter(_ b: UInt8) -> Bool { (b >= 65 && b <= 90) || (b >= 97 && b <= 122) }
    static func isNameByte(_ b: UInt8) -> Bool { isLetter(b) || (b >= 48 && b <= 57) || b == UInt8(ascii: "-") }

    /// A name trimmed and stripped of control characters, safe to echo in a one-line error message.
    static func printable(_ name: String) -> String {
        let cleaned = String(name.unicodeScalars.filter { $0.value >= 0x20 && $0.value != 0x7f }.map(Character.init))
        return cleaned.count > 64 ? String(cleaned.prefix(64)) + "…" : cleaned
    }
}
