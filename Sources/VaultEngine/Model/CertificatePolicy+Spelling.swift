import Foundation

/// The one decoder and encoder of `CertificatePolicy`, over one table of field names per spelling
/// (`CertificatePolicy.Spelling`):
///
/// | az (`az keyvault`, kvfs's default) | REST API and Azure SDKs |
/// |---|---|
/// | `issuerParameters{name, certificateType, certificateTransparency}` | `issuer{name, cty, cert_transparency}` |
/// | `keyProperties{keyType, keySize, curve, exportable, reuseKey}` | `key_props{kty, key_size, crv, exportable, reuse_key}` |
/// | `secretProperties{contentType}` | `secret_props{contentType}` |
/// | `x509CertificateProperties{subject, subjectAlternativeNames{dnsNames, emails, upns}, keyUsage, ekus, validityInMonths}` | `x509_props{subject, sans{dns_names, emails, upns}, key_usage, ekus, validity_months}` |
/// | `lifetimeActions[{trigger{lifetimePercentage, daysBeforeExpiry}, action{actionType}}]` | `lifetime_actions[{trigger{lifetime_percentage, days_before_expiry}, action{action_type}}]` |
/// | `id`, `attributes{created, enabled, expires, notBefore, updated, …}` (read back; ignored) | `id`, `attributes{created, enabled, exp, nbf, updated, …}` |
///
/// The top-level names decide the spelling; a document with top-level names of both, or any name that is
/// not its spelling's (at any depth), is refused with a message naming the field and what to write instead.
enum PolicyCoding {
    typealias Spelling = CertificatePolicy.Spelling

    /// Every field a policy document may carry, each with its name in both spellings.
    enum Field: CaseIterable {
        case id, attributes, issuer, key, secret, x509, lifetimeActions
        case issuerName, certificateType, certificateTransparency
        case keyType, keySize, curve, exportable, reuseKey
        case contentType
        case subject, sans, keyUsage, ekus, validity
        case dnsNames, emails, upns
        case trigger, action, lifetimePercentage, daysBeforeExpiry, actionType
        case created, enabled, expires, notBefore, updated, recoverableDays, recoveryLevel

        func name(_ spelling: Spelling) -> String {
            switch (self, spelling) {
            case (.id, _): "id"
            case (.attributes, _): "attributes"
            case (.issuer, .az): "issuerParameters"
            case (.issuer, .rest): "issuer"
            case (.key, .az): "keyProperties"
            case (.key, .rest): "key_props"
            case (.secret, .az): "secretProperties"
            case (.secret, .rest): "secret_props"
            case (.x509, .az): "x509CertificateProperties"
            case (.x509, .rest): "x509_props"
            case (.lifetimeActions, .az): "lifetimeActions"
            case (.lifetimeActions, .rest): "lifetime_actions"
            case (.issuerName, _): "name"
            case (.certificateType, .az): "certificateType"
            case (.certificateType, .rest): "cty"
            case (.certificateTransparency, .az): "certificateTransparency"
            case (.certificateTransparency, .rest): "cert_transparency"
            case (.keyType, .az): "keyType"
            case (.keyType, .rest): "kty"
            case (.keySize, .az): "keySize"
            case (.keySize, .rest): "key_size"
            case (.curve, .az): "curve"
            case (.curve, .rest): "crv"
            case (.exportable, _): "exportable"
            case (.reuseKey, .az): "reuseKey"
            case (.reuseKey, .rest): "reuse_key"
            case (.contentType, _): "contentType"   // camelCase in the REST API too
            case (.subject, _): "subject"
            case (.sans, .az): "subjectAlternativeNames"
            case (.sans, .rest): "sans"
            case (.keyUsage, .az): "keyUsage"
            case (.keyUsage, .rest): "key_usage"
            case (.ekus, _): "ekus"
            case (.validity, .az): "validityInMonths"
            case (.validity, .rest): "validity_months"
            case (.dnsNames, .az): "dnsNames"
            case (.dnsNames, .rest): "dns_names"
            case (.emails, _): "emails"
            case (.upns, _): "upns"
            case (.trigger, _): "trigger"
            case (.action, _): "action"
            case (.lifetimePercentage, .az): "lifetimePercentage"
            case (.lifetimePercentage, .rest): "lifetime_percentage"
            case (.daysBeforeExpiry, .az): "daysBeforeExpiry"
            case (.daysBeforeExpiry, .rest): "days_before_expiry"
            case (.actionType, .az): "actionType"
            case (.actionType, .rest): "action_type"
            case (.created, _): "created"
            case (.enabled, _): "enabled"
            case (.expires, .az): "expires"
            case (.expires, .rest): "exp"
            case (.notBefore, .az): "notBefore"
            case (.notBefore, .rest): "nbf"
            case (.updated, _): "updated"
            case (.recoverableDays, _): "recoverableDays"
            case (.recoveryLevel, _): "recoveryLevel"
            }
        }
    }

    /// The fields of each object in a policy document.
    static let policyFields: [Field] = [.issuer, .key, .secret, .x509, .lifetimeActions, .id, .attributes]
    static let issuerFields: [Field] = [.issuerName, .certificateType, .certificateTransparency]
    static let keyFields: [Field] = [.keyType, .keySize, .curve, .exportable, .reuseKey]
    static let secretFields: [Field] = [.contentType]
    static let x509Fields: [Field] = [.subject, .sans, .keyUsage, .ekus, .validity]
    static let sansFields: [Field] = [.dnsNames, .emails, .upns]
    static let actionFields: [Field] = [.trigger, .action]
    static let triggerFields: [Field] = [.lifetimePercentage, .daysBeforeExpiry]
    static let actionTypeFields: [Field] = [.actionType]
    static let attributeFields: [Field] = [.created, .enabled, .expires, .notBefore, .updated, .recoverableDays, .recoveryLevel]

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int?
        init(_ string: String) { stringValue = string }
        init?(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { self.stringValue = "Index \(intValue)"; self.intValue = intValue }
    }

    typealias Container = KeyedDecodingContainer<Key>

    // MARK: Decoding

    static func decode(from decoder: any Decoder) throws -> CertificatePolicy {
        let c = try decoder.container(keyedBy: Key.self)
        let s = try spelling(of: c)
        try check(c, allows: policyFields, s)
        if let attributes = try object(c, .attributes, s) { try check(attributes, allows: attributeFields, s) }

        var issuer = CertificatePolicy.IssuerParameters(name: CertificatePolicy.unknownIssuer)
        if let i = try object(c, .issuer, s) {
            try check(i, allows: issuerFields, s)
            issuer.name = try i.decodeIfPresent(String.self, forKey: key(.issuerName, s)) ?? CertificatePolicy.unknownIssuer
            issuer.certificateType = try i.decodeIfPresent(String.self, forKey: key(.certificateType, s))
            issuer.certificateTransparency = try i.decodeIfPresent(Bool.self, forKey: key(.certificateTransparency, s))
        }

        var keyProperties = CertificatePolicy.KeyProperties()
        if let k = try object(c, .key, s) {
            try check(k, allows: keyFields, s)
            keyProperties = CertificatePolicy.KeyProperties(
                keyType: try k.decodeIfPresent(String.self, forKey: key(.keyType, s)) ?? "RSA",
                keySize: try k.decodeIfPresent(Int.self, forKey: key(.keySize, s)),
                curve: try k.decodeIfPresent(String.self, forKey: key(.curve, s)),
                exportable: try k.decodeIfPresent(Bool.self, forKey: key(.exportable, s)) ?? true,
                reuseKey: try k.decodeIfPresent(Bool.self, forKey: key(.reuseKey, s)) ?? false)
        }

        var secretProperties = CertificatePolicy.SecretProperties()
        if let p = try object(c, .secret, s) {
            try check(p, allows: secretFields, s)
            secretProperties.contentType = try p.decodeIfPresent(String.self, forKey: key(.contentType, s)) ?? CertificatePolicy.pkcs12ContentType
        }

        guard let x = try object(c, .x509, s) else {
            throw VaultError.invalid("\(where_(c))A policy needs \(Field.x509.name(s)) with a subject.")
        }
        try check(x, allows: x509Fields, s)
        var sans: SubjectAlternativeNames?
        if let n = try object(x, .sans, s) {
            try check(n, allows: sansFields, s)
            sans = SubjectAlternativeNames(dnsNames: try n.decodeIfPresent([String].self, forKey: key(.dnsNames, s)) ?? [],
                                           emails: try n.decodeIfPresent([String].self, forKey: key(.emails, s)) ?? [],
                                           upns: try n.decodeIfPresent([String].self, forKey: key(.upns, s)) ?? [])
        }
        let x509 = CertificatePolicy.X509Properties(
            subject: try x.decodeIfPresent(String.self, forKey: key(.subject, s)) ?? "",
            subjectAlternativeNames: sans,
            keyUsage: try x.decodeIfPresent([KeyUsage].self, forKey: key(.keyUsage, s)),
            ekus: try x.decodeIfPresent([String].self, forKey: key(.ekus, s)),
            validityInMonths: try x.decodeIfPresent(Int.self, forKey: key(.validity, s)) ?? 12)

        var actions: [CertificatePolicy.LifetimeAction] = []
        let actionsKey = key(.lifetimeActions, s)
        if c.contains(actionsKey), try !c.decodeNil(forKey: actionsKey) {
            var list = try c.nestedUnkeyedContainer(forKey: actionsKey)
            while !list.isAtEnd {
                let a = try list.nestedContainer(keyedBy: Key.self)
                try check(a, allows: actionFields, s)
                var trigger = CertificatePolicy.LifetimeAction.Trigger()
                if let t = try object(a, .trigger, s) {
                    try check(t, allows: triggerFields, s)
                    trigger.lifetimePercentage = try t.decodeIfPresent(Int.self, forKey: key(.lifetimePercentage, s))
                    trigger.daysBeforeExpiry = try t.decodeIfPresent(Int.self, forKey: key(.daysBeforeExpiry, s))
                }
                let act = try object(a, .action, s)
                if let act { try check(act, allows: actionTypeFields, s) }
                guard let type = try act?.decodeIfPresent(String.self, forKey: key(.actionType, s)) else {
                    throw VaultError.invalid("\(where_(a))A lifetime action needs action.\(Field.actionType.name(s)) (AutoRenew or EmailContacts).")
                }
                actions.append(.init(trigger: trigger, action: .init(actionType: type)))
            }
        }
        return CertificatePolicy(issuerParameters: issuer, keyProperties: keyProperties, secretProperties: secretProperties,
                                 x509CertificateProperties: x509, lifetimeActions: actions)
    }

    static func key(_ field: Field, _ spelling: Spelling) -> Key { Key(field.name(spelling)) }

    /// The nested object under `field`, `nil` when absent or null.
    static func object(_ c: Container, _ field: Field, _ s: Spelling) throws -> Container? {
        let k = key(field, s)
        guard c.contains(k), try !c.decodeNil(forKey: k) else { return nil }
        return try c.nestedContainer(keyedBy: Key.self, forKey: k)
    }

    /// The spelling the top-level names use.
    /// - Throws: `.invalidArgument` when they mix both.
    static func spelling(of c: Container) throws -> Spelling {
        let names = Set(c.allKeys.map(\.stringValue))
        func only(_ s: Spelling, _ other: Spelling) -> [String] {
            policyFields.map { $0.name(s) }.filter { names.contains($0) && !policyFields.map { $0.name(other) }.contains($0) }.sorted()
        }
        let az = only(.az, .rest), rest = only(.rest, .az)
        if let a = az.first, let r = rest.first {
            throw VaultError.invalid("\(where_(c))A policy mixes az's spelling ('\(a)') with the REST API's ('\(r)'): write every field in one of them.")
        }
        return rest.isEmpty ? .az : .rest
    }

    /// Refuses any name in `c` that is not one of `fields` in spelling `s`.
    static func check(_ c: Container, allows fields: [Field], _ s: Spelling) throws {
        let allowed = fields.map { $0.name(s) }
        let other: Spelling = s == .az ? .rest : .az
        for name in c.allKeys.map(\.stringValue).sorted() where !allowed.contains(name) {
            let path = pathText(c.codingPath + [Key(name)])
            if let field = fields.first(where: { $0.name(other) == name }) {
                throw VaultError.invalid("Policy field '\(path)' is \(describe(other)), but this policy uses \(describe(s)): write '\(field.name(s))'.")
            }
            throw VaultError.invalid("Policy field '\(path)' is unknown; \(container(c, s)) takes \(allowed.joined(separator: ", ")) (\(describe(s))).")
        }
    }

    static func describe(_ s: Spelling) -> String { s == .az ? "az's spelling" : "the REST API's spelling" }

    static func container(_ c: Container, _ s: Spelling) -> String {
        c.codingPath.isEmpty ? "a policy" : pathText(c.codingPath)
    }

    /// `a.b[0].c: ` for the container's path (plus `name`), or "" at the top.
    static func where_(_ c: Container, _ name: String? = nil) -> String {
        let path = pathText(c.codingPath + (name.map { [Key($0)] } ?? []))
        return path.isEmpty ? "" : path + ": "
    }

    static func pathText(_ path: [any CodingKey]) -> String {
        var text = ""
        for k in path {
            if let i = k.intValue { text += "[\(i)]" } else { text += (text.isEmpty ? "" : ".") + k.stringValue }
        }
        return text
    }

    /// A one-line refusal for a decoding failure that is not one of ours (a type mismatch, bad JSON).
    static func refusal(_ error: any Error) -> VaultError {
        switch error {
        case let error as VaultError:
            return error
        case DecodingError.typeMismatch(let type, let context):
            return .invalid("Policy field '\(pathText(context.codingPath))' has the wrong type (expected \(typeName(type))).")
        case DecodingError.valueNotFound(let type, let context):
            return .invalid("Policy field '\(pathText(context.codingPath))' is null (expected \(typeName(type))).")
        case DecodingError.keyNotFound(let key, let context):
            return .invalid("Policy field '\(pathText(context.codingPath + [key]))' is missing.")
        case DecodingError.dataCorrupted(let context) where !context.codingPath.isEmpty:
            if context.codingPath.contains(where: { [Field.keyUsage.name(.az), Field.keyUsage.name(.rest)].contains($0.stringValue) }) {
                return .invalid("Policy field '\(pathText(context.codingPath))' is not a key usage (\(KeyUsage.allCases.map(\.rawValue).joined(separator: ", "))).")
            }
            return .invalid("Policy field '\(pathText(context.codingPath))' is not valid.")
        default:
            return .invalid("A policy must be a JSON object (the JSON does not parse).")
        }
    }

    static func typeName(_ type: Any.Type) -> String {
        switch type {
        case is String.Type: "a string"
        case is Int.Type: "a whole number"
        case is Bool.Type: "true or false"
        case is [String].Type, is [KeyUsage].Type: "a list"
        default:
            String(describing: type).contains("Unkeyed") || String(describing: type).contains("Array") ? "a list"
                : String(describing: type).contains("Dictionary") || String(describing: type).contains("Keyed") ? "an object" : "\(type)"
        }
    }

    // MARK: Encoding

    static func encode(_ p: CertificatePolicy, spelling s: Spelling, to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: Key.self)
        var issuer = c.nestedContainer(keyedBy: Key.self, forKey: key(.issuer, s))
        try issuer.encode(p.issuerParameters.name, forKey: key(.issuerName, s))
        try issuer.encodeIfPresent(p.issuerParameters.certificateType, forKey: key(.certificateType, s))
        try issuer.encodeIfPresent(p.issuerParameters.certificateTransparency, forKey: key(.certificateTransparency, s))

        var k = c.nestedContainer(keyedBy: Key.self, forKey: key(.key, s))
        try k.encode(p.keyProperties.keyType, forKey: key(.keyType, s))
        try k.encodeIfPresent(p.keyProperties.keySize, forKey: key(.keySize, s))
        try k.encodeIfPresent(p.keyProperties.curve, forKey: key(.curve, s))
        try k.encode(p.keyProperties.exportable, forKey: key(.exportable, s))
        try k.encode(p.keyProperties.reuseKey, forKey: key(.reuseKey, s))

        var secret = c.nestedContainer(keyedBy: Key.self, forKey: key(.secret, s))
        try secret.encode(p.secretProperties.contentType, forKey: key(.contentType, s))

        let x509 = p.x509CertificateProperties
        var x = c.nestedContainer(keyedBy: Key.self, forKey: key(.x509, s))
        try x.encode(x509.subject, forKey: key(.subject, s))
        if let sans = x509.subjectAlternativeNames {
            var n = x.nestedContainer(keyedBy: Key.self, forKey: key(.sans, s))
            try n.encode(sans.dnsNames, forKey: key(.dnsNames, s))
            try n.encode(sans.emails, forKey: key(.emails, s))
            try n.encode(sans.upns, forKey: key(.upns, s))
        }
        try x.encodeIfPresent(x509.keyUsage, forKey: key(.keyUsage, s))
        try x.encodeIfPresent(x509.ekus, forKey: key(.ekus, s))
        try x.encode(x509.validityInMonths, forKey: key(.validity, s))

        var actions = c.nestedUnkeyedContainer(forKey: key(.lifetimeActions, s))
        for action in p.lifetimeActions {
            var a = actions.nestedContainer(keyedBy: Key.self)
            var t = a.nestedContainer(keyedBy: Key.self, forKey: key(.trigger, s))
            try t.encodeIfPresent(action.trigger.lifetimePercentage, forKey: key(.lifetimePercentage, s))
            try t.encodeIfPresent(action.trigger.daysBeforeExpiry, forKey: key(.daysBeforeExpiry, s))
            var act = a.nestedContainer(keyedBy: Key.self, forKey: key(.action, s))
            try act.encode(action.action.actionType, forKey: key(.actionType, s))
        }
    }
}
