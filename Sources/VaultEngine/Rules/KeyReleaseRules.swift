import Foundation

/// Azure's rules for exportable keys and their release policies, and why kvfs releases no key.
///
/// - A release policy's content type is `application/json; charset=utf-8`; its document follows Azure Key
///   Vault's release-policy grammar: `{"version": "1.0.0", "anyOf": [{"authority": "https://…", "allOf"|"anyOf":
///   [{"claim": "…", "equals": …}, …]}, …]}` — authorities are https URLs, claim conditions may nest `allOf`/`anyOf`;
///   the older `"version": "0.2"` form writes a condition as `{"claim", "condition": "equals", "value"}`.
/// - An exportable key needs a release policy when it is made (create or import).
/// - An immutable policy is never changed or replaced; `exportable` is fixed when the version is made.
/// - Release (Azure's `POST /keys/{name}/{version}/release`) hands the private key, wrapped for a trusted execution
///   environment, to a caller whose attestation token — signed by an authority the policy names, with the claims it
///   asks for — proves where it runs. kvfs has no attestation service it can trust (no key of an authority to check
///   a token's signature against, and no way to confirm what hardware produced it), so it never releases: after the
///   right (keys/release), the key's existence, `exportable` and a policy are checked, the request is refused as
///   `.unsupported`.
enum KeyReleaseRules {
    /// Checks a release policy's content type and document.
    /// - Throws: `.invalidArgument` naming what is wrong.
    static func validate(_ policy: KeyReleasePolicy) throws {
        guard policy.contentType.lowercased().replacingOccurrences(of: " ", with: "") == "application/json;charset=utf-8" else {
            throw VaultError.invalid("A release policy's contentType must be '\(KeyReleasePolicy.jsonContentType)', not '\(Names.printable(String(policy.contentType.prefix(64))))'.")
        }
        guard let document = try? JSONSerialization.jsonObject(with: Data(policy.data)) as? [String: Any] else {
            throw VaultError.invalid("A release policy must be a JSON object such as the one `kvfs key get-policy-template` prints.")
        }
        try refuseUnknown(document, allowed: ["version", "anyOf"], at: "the release policy")
        guard let version = document["version"] as? String, ["1.0.0", "0.2"].contains(version) else {
            throw VaultError.invalid("A release policy needs \"version\": \"1.0.0\" (or the older \"0.2\").")
        }
        guard let authorities = document["anyOf"] as? [Any], !authorities.isEmpty else {
            throw VaultError.invalid("A release policy needs \"anyOf\": a non-empty list of attestation authorities.")
        }
        for (index, entry) in authorities.enumerated() {
            let at = "anyOf[\(index)]"
            guard let authority = entry as? [String: Any] else { throw VaultError.invalid("\(at) of the release policy must be an object.") }
            guard let url = authority["authority"] as? String, let parsed = URL(string: url), parsed.scheme == "https", parsed.host?.isEmpty == false else {
                throw VaultError.invalid("\(at).authority must be the https URL of an attestation authority (such as https://sharedeus.eus.attest.azure.net/).")
            }
            try refuseUnknown(authority, allowed: ["authority", "allOf", "anyOf"], at: at)
            try conditions(of: authority, at: at, version: version)
        }
    }

    /// An exportable key needs a policy when it is made; a policy is checked.
    /// - Throws: `.invalidArgument`.
    static func validateNewVersion(exportable: Bool, policy: KeyReleasePolicy?) throws {
        if let policy { try validate(policy) }
        if exportable, policy == nil {
            throw VaultError.invalid("An exportable key needs a release policy: give one with --policy (see `kvfs key get-policy-template`).")
        }
    }

    /// Whether `current` may be replaced by an update's policy.
    /// - Throws: `.forbidden` when the current policy is immutable; `.invalidArgument` for a bad new policy.
    static func validateReplacement(of current: KeyReleasePolicy?, with new: KeyReleasePolicy, name: String) throws {
        try validate(new)
        if current?.immutable == true {
            throw VaultError(.forbidden, "Key '\(Names.printable(name))' has an immutable release policy; it cannot be changed or replaced.")
        }
    }

    /// The refusal of a release, once the right and the key's state allow one.
    /// - Throws: `.forbidden` when the version is not exportable or has no policy; `.unsupported` otherwise.
    static func refuseRelease(exportable: Bool, policy: KeyReleasePolicy?, name: String) throws -> Never {
        guard exportable else {
            throw VaultError(.forbidden, "Key '\(Names.printable(name))' is not exportable; only a key created with --exportable and a release policy can be released.")
        }
        guard policy != nil else {
            throw VaultError(.forbidden, "Key '\(Names.printable(name))' has no release policy.")
        }
        throw VaultError(.unsupported, "kvfs does not release keys: a release needs an attestation token that kvfs can verify against a trusted attestation service, and kvfs trusts none. The private key stays in the vault; use the key through its operations.")
    }

    private static func conditions(of expression: [String: Any], at: String, version: String) throws {
        let lists = ["allOf", "anyOf"].compactMap { key in expression[key].map { (key, $0) } }
        guard lists.count == 1, let (key, value) = lists.first, let items = value as? [Any], !items.isEmpty else {
            throw VaultError.invalid("\(at) needs exactly one of \"allOf\" and \"anyOf\": a non-empty list of claim conditions.")
        }
        for (index, item) in items.enumerated() {
            let here = "\(at).\(key)[\(index)]"
            guard let condition = item as? [String: Any] else { throw VaultError.invalid("\(here) must be an object.") }
            if condition["claim"] == nil, version == "1.0.0" {
                try refuseUnknown(condition, allowed: ["allOf", "anyOf"], at: here)
                try conditions(of: condition, at: here, version: version)
                continue
            }
            guard let claim = condition["claim"] as? String, !claim.isEmpty else {
                throw VaultError.invalid("\(here) needs \"claim\": the name of a claim in the attestation token.")
            }
            if version == "1.0.0" {
                try refuseUnknown(condition, allowed: ["claim", "equals"], at: here)
                guard let expected = condition["equals"], isScalar(expected) else {
                    throw VaultError.invalid("\(here) needs \"equals\": the value claim '\(Names.printable(claim))' must have (a string, number or boolean).")
                }
            } else {
                try refuseUnknown(condition, allowed: ["claim", "condition", "value"], at: here)
                guard condition["condition"] as? String == "equals", let expected = condition["value"], isScalar(expected) else {
                    throw VaultError.invalid("\(here) needs \"condition\": \"equals\" and a \"value\" (version 0.2 policies).")
                }
            }
        }
    }

    private static func isScalar(_ value: Any) -> Bool { value is String || value is NSNumber }

    private static func refuseUnknown(_ object: [String: Any], allowed: Set<String>, at: String) throws {
        if let unknown = object.keys.sorted().first(where: { !allowed.contains($0) }) {
            throw VaultError.invalid("\(at) has an unknown field '\(Names.printable(String(unknown.prefix(64))))'; it may hold \(allowed.sorted().map { "\"\($0)\"" }.joined(separator: ", ")).")
        }
    }
}
