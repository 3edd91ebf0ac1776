import Foundation

/// Azure's CertificatePolicy, with the field names `az keyvault certificate get-default-policy` prints
/// (camelCase): how a certificate's versions are made and renewed. One policy per certificate, shared by all
/// its versions. Absent fields decode to Azure's defaults.
public struct CertificatePolicy: Codable, Sendable, Equatable {
    public var issuerParameters: IssuerParameters
    public var keyProperties: KeyProperties
    public var secretProperties: SecretProperties
    public var x509CertificateProperties: X509Properties
    public var lifetimeActions: [LifetimeAction]

    /// Who signs: `Self` (self-signed) or `Unknown` (a CSR is produced and the certificate stays pending until
    /// a signed chain is merged).
    public struct IssuerParameters: Codable, Sendable, Equatable {
        public var name: String
        public var certificateType: String?
        public var certificateTransparency: Bool?

        public init(name: String = CertificatePolicy.selfIssuer) {
            self.name = name
        }

        public var isSelf: Bool { name.lowercased() == CertificatePolicy.selfIssuer.lowercased() }
        public var isUnknown: Bool { name.lowercased() == CertificatePolicy.unknownIssuer.lowercased() }
    }

    /// The key behind the certificate: RSA (2048/3072/4096) or EC (P-256/P-384/P-521/P-256K).
    public struct KeyProperties: Codable, Sendable, Equatable {
        /// "RSA" or "EC" ("RSA-HSM"/"EC-HSM" are refused: kvfs holds keys in software).
        public var keyType: String
        public var keySize: Int?
        public var curve: String?
        /// Whether the private key goes into the certificate's secret.
        public var exportable: Bool
        /// Whether a renewal keeps the key.
        public var reuseKey: Bool

        public init(keyType: String = "RSA", keySize: Int? = 2048, curve: String? = nil, exportable: Bool = true, reuseKey: Bool = false) {
            self.keyType = keyType
            self.keySize = keySize
            self.curve = curve
            self.exportable = exportable
            self.reuseKey = reuseKey
        }

        enum CodingKeys: String, CodingKey { case keyType, keySize, curve, exportable, reuseKey }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            keyType = try c.decodeIfPresent(String.self, forKey: .keyType) ?? "RSA"
            keySize = try c.decodeIfPresent(Int.self, forKey: .keySize)
            curve = try c.decodeIfPresent(String.self, forKey: .curve)
            exportable = try c.decodeIfPresent(Bool.self, forKey: .exportable) ?? true
            reuseKey = try c.decodeIfPresent(Bool.self, forKey: .reuseKey) ?? false
        }
    }

    /// The secret's format: `application/x-pem-file` or `application/x-pkcs12`.
    public struct SecretProperties: Codable, Sendable, Equatable {
        public var contentType: String

        public init(contentType: String = CertificatePolicy.pkcs12ContentType) {
            self.contentType = contentType
        }
    }

    /// What the X.509 certificate says.
    public struct X509Properties: Codable, Sendable, Equatable {
        /// `CN=name, O=org, ...`.
        public var subject: String
        public var subjectAlternativeNames: SubjectAlternativeNames?
        public var keyUsage: [KeyUsage]?
        /// Dotted OIDs (1.3.6.1.5.5.7.3.1 = server authentication, .2 = client authentication).
        public var ekus: [String]?
        public var validityInMonths: Int

        public init(subject: String, subjectAlternativeNames: SubjectAlternativeNames? = nil, keyUsage: [KeyUsage]? = nil,
                    ekus: [String]? = nil, validityInMonths: Int = 12) {
            self.subject = subject
            self.subjectAlternativeNames = subjectAlternativeNames
            self.keyUsage = keyUsage
            self.ekus = ekus
            self.validityInMonths = validityInMonths
        }

        enum CodingKeys: String, CodingKey { case subject, subjectAlternativeNames, keyUsage, ekus, validityInMonths }

        public init(from decoder: any Decoder) throws {
            let c = try decoder.container(keyedBy: CodingKeys.self)
            subject = try c.decodeIfPresent(String.self, forKey: .subject) ?? ""
            subjectAlternativeNames = try c.decodeIfPresent(SubjectAlternativeNames.self, forKey: .subjectAlternativeNames)
            keyUsage = try c.decodeIfPresent([KeyUsage].self, forKey: .keyUsage)
            ekus = try c.decodeIfPresent([String].self, forKey: .ekus)
            validityInMonths = try c.decodeIfPresent(Int.self, forKey: .validityInMonths) ?? 12
        }
    }

    /// When to act on a version's lifetime: at a percentage of it, or some days before it ends.
    public struct LifetimeAction: Codable, Sendable, Equatable {
        public var trigger: Trigger
        public var action: Action

        public struct Trigger: Codable, Sendable, Equatable {
            /// 1...99.
            public var lifetimePercentage: Int?
            public var daysBeforeExpiry: Int?

            public init(lifetimePercentage: Int? = nil, daysBeforeExpiry: Int? = nil) {
                self.lifetimePercentage = lifetimePercentage
                self.daysBeforeExpiry = daysBeforeExpiry
            }
        }

        public struct Action: Codable, Sendable, Equatable {
            /// `AutoRenew` or `EmailContacts` (kvfs sends no e-mail; the action is kept and ignored).
            public var actionType: String

            public init(actionType: String) { self.actionType = actionType }
        }

        public init(trigger: Trigger, action: Action) {
            self.trigger = trigger
            self.action = action
        }

        public var isAutoRenew: Bool { action.actionType.lowercased() == "autorenew" }

        /// When this action fires for a version valid from `notBefore` to `notAfter`.
        public func dueDate(notBefore: Date, notAfter: Date) -> Date? {
            if let percentage = trigger.lifetimePercentage {
                return notBefore.addingTimeInterval(notAfter.timeIntervalSince(notBefore) * Double(percentage) / 100)
            }
            if let days = trigger.daysBeforeExpiry {
                return notAfter.addingTimeInterval(-Double(days) * 86_400)
            }
            return nil
        }
    }

    public static let selfIssuer = "Self"
    public static let unknownIssuer = "Unknown"
    public static let pemContentType = "application/x-pem-file"
    public static let pkcs12ContentType = "application/x-pkcs12"

    public init(issuerParameters: IssuerParameters = IssuerParameters(), keyProperties: KeyProperties = KeyProperties(),
                secretProperties: SecretProperties = SecretProperties(), x509CertificateProperties: X509Properties,
                lifetimeActions: [LifetimeAction] = [LifetimeAction(trigger: .init(daysBeforeExpiry: 90), action: .init(actionType: "AutoRenew"))]) {
        self.issuerParameters = issuerParameters
        self.keyProperties = keyProperties
        self.secretProperties = secretProperties
        self.x509CertificateProperties = x509CertificateProperties
        self.lifetimeActions = lifetimeActions
    }

    /// Decodes a policy in either spelling (`CertificatePolicy.Spelling`): az's camelCase or the REST API's
    /// snake_case, told apart by the top-level field names. `id` and `attributes` (what a policy read back
    /// carries) are accepted and ignored. A field of neither spelling, or fields of both, are refused.
    /// - Throws: `.invalidArgument` naming the field and what to write instead.
    public init(from decoder: any Decoder) throws {
        self = try PolicyCoding.decode(from: decoder)
    }

    /// Encodes in az's spelling (what `az keyvault certificate show --policy` prints, and what the store keeps).
    public func encode(to encoder: any Encoder) throws {
        try PolicyCoding.encode(self, spelling: .az, to: encoder)
    }

    /// Decodes a policy JSON document in either spelling.
    /// - Throws: `.invalidArgument` with a one-line message naming the field at fault (or the JSON syntax error).
    public init(json: Data) throws {
        do {
            self = try JSONDecoder().decode(CertificatePolicy.self, from: json)
        } catch let error as VaultError {
            throw error
        } catch {
            throw PolicyCoding.refusal(error)
        }
    }

    /// This policy as JSON in `spelling`, to encode (`JSONEncoder().encode(policy.spelled(.rest))`).
    public func spelled(_ spelling: Spelling) -> Spelled { Spelled(policy: self, spelling: spelling) }

    /// The two spellings of a policy's field names: az's (`keyProperties`, `x509CertificateProperties`,
    /// `validityInMonths`, …, as `az keyvault certificate get-default-policy` prints) and the REST API's
    /// (`key_props`, `x509_props`, `validity_months`, …, as the Azure SDKs send and receive).
    public enum Spelling: String, Sendable, CaseIterable {
        case az, rest
    }

    /// A policy bound to a spelling, for encoding.
    public struct Spelled: Encodable, Sendable {
        public var policy: CertificatePolicy
        public var spelling: Spelling

        public func encode(to encoder: any Encoder) throws {
            try PolicyCoding.encode(policy, spelling: spelling, to: encoder)
        }
    }

    /// What `az keyvault certificate get-default-policy` prints: self-signed, RSA-2048 exportable, PKCS#12,
    /// 12 months, renewed 90 days before expiry.
    public static var `default`: CertificatePolicy {
        CertificatePolicy(
            issuerParameters: IssuerParameters(name: selfIssuer),
            keyProperties: KeyProperties(keyType: "RSA", keySize: 2048, exportable: true, reuseKey: true),
            secretProperties: SecretProperties(contentType: pkcs12ContentType),
            x509CertificateProperties: X509Properties(
                subject: "CN=CLIGetDefaultPolicy", subjectAlternativeNames: SubjectAlternativeNames(),
                keyUsage: [.cRLSign, .dataEncipherment, .digitalSignature, .keyEncipherment, .keyAgreement, .keyCertSign],
                ekus: ["1.3.6.1.5.5.7.3.1", "1.3.6.1.5.5.7.3.2"], validityInMonths: 12),
            lifetimeActions: [LifetimeAction(trigger: .init(daysBeforeExpiry: 90), action: .init(actionType: "AutoRenew"))])
    }
}

/// A change to a certificate: attributes and tags of one version, and optionally a new policy (Azure's
/// UpdateCertificate PATCH). `nil` fields stay as they are.
public struct CertificateUpdate: Sendable, Equatable {
    /// enabled and tags (nbf/exp come from the X.509 and cannot change; content type follows the policy).
    public var attributes: AttributeUpdate
    public var policy: CertificatePolicy?

    public init(attributes: AttributeUpdate = AttributeUpdate(), policy: CertificatePolicy? = nil) {
        self.attributes = attributes
        self.policy = policy
    }
}
