import Foundation

/// One certificate version as Azure's CertificateBundle describes it: identifiers of the certificate and of
/// its managed key and secret, the thumbprint, the DER certificate and chain, the policy, attributes and tags.
/// Never a private key.
public struct CertificateBundle: Sendable, Equatable {
    /// Attributes (nbf/exp taken from the X.509), tags and identity of the version.
    public var properties: VersionProperties
    /// `https://<vault>.<dns-suffix>/certificates/N/VERSION`.
    public var id: String
    /// The managed key's identifier, `…/keys/N/VERSION`.
    public var kid: String
    /// The managed secret's identifier, `…/secrets/N/VERSION`.
    public var sid: String
    /// SHA-1 thumbprint of the DER, base64url (empty while pending).
    public var x5t: String
    /// The leaf certificate, DER (empty while pending).
    public var cer: [UInt8]
    /// The issuers above the leaf, DER, nearest first.
    public var chain: [[UInt8]]
    public var policy: CertificatePolicy
    /// `completed`, or `inProgress` while the version waits for a merge.
    public var status: String
    /// The signing request while pending.
    public var csr: String?
    public var subject: String
    public var issuer: String
    public var serialNumber: String

    /// Whether this version has its X.509 certificate.
    public var isCompleted: Bool { status == CertificateDetails.completed }

    /// The leaf then the chain, as PEM.
    public var pemChain: String {
        ([cer] + chain).filter { !$0.isEmpty }.map { PEMBlocks.encode(label: "CERTIFICATE", der: $0) }.joined()
    }
}

/// Azure's CertificateOperation: the state of a creation. A self-signed creation completes at once; an
/// `Unknown`-issuer creation stays `inProgress` with its CSR until a signed chain is merged.
public struct CertificateOperation: Codable, Sendable, Equatable {
    /// `https://<vault>.<dns-suffix>/certificates/N/pending`.
    public var id: String
    public var issuerParameters: CertificatePolicy.IssuerParameters
    /// The PKCS#10 request, base64 DER as Azure returns it (PEM body without the framing).
    public var csr: String?
    public var cancellationRequested: Bool
    /// `inProgress` or `completed`.
    public var status: String
    public var statusDetails: String?
    /// The certificate's identifier once completed.
    public var target: String?
    public var requestId: String

    enum CodingKeys: String, CodingKey {
        case id, issuerParameters = "issuer", csr, cancellationRequested = "cancellation_requested", status
        case statusDetails = "status_details", target, requestId = "request_id"
    }
}

/// What a certificate import brings: a PFX (with its password) or PEM text holding a PKCS#8 private key and
/// the certificate chain (leaf first or in any order). Azure's ImportCertificate.
public struct CertificateImport: Sendable, CustomStringConvertible {
    /// The PFX bytes or the PEM text.
    public var value: SecureBytes
    /// The PFX password (ignored for PEM).
    public var password: String?
    /// A policy to keep; without one, a default is derived from the certificate.
    public var policy: CertificatePolicy?
    public var enabled: Bool
    public var tags: [String: String]

    public init(value: SecureBytes, password: String? = nil, policy: CertificatePolicy? = nil, enabled: Bool = true,
                tags: [String: String] = [:]) {
        self.value = value
        self.password = password
        self.policy = policy
        self.enabled = enabled
        self.tags = tags
    }

    public var description: String { "CertificateImport(\(value.count) bytes, redacted)" }
}

/// Public metadata of one certificate version, in the version row's `details` column as JSON. A pending
/// version's private key is sealed in the row's `sealedValue` until the merge moves it to the managed key.
struct CertificateDetails: Codable, Sendable {
    static let completed = "completed"
    static let pending = "inProgress"

    var status: String
    /// Leaf DER, base64 (nil while pending).
    var cer: String?
    /// Issuers, DER base64, nearest first.
    var chain: [String]
    var policy: CertificatePolicy
    /// PEM CSR while pending.
    var csr: String?
    var requestID: String
    var imported: Bool

    func encoded() throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        return String(decoding: try encoder.encode(self), as: UTF8.self)
    }

    static func decode(_ text: String?) throws -> CertificateDetails {
        guard let text, let details = try? JSONDecoder().decode(CertificateDetails.self, from: Data(text.utf8)) else {
            throw VaultError(.corrupted, "A certificate version's stored details are missing or unreadable; the store may be damaged.")
        }
        return details
    }

    func leaf() throws -> X509Certificate? {
        guard let cer else { return nil }
        return try CertificateDetails.certificate(cer)
    }

    func issuers() throws -> [X509Certificate] { try chain.map(CertificateDetails.certificate) }

    static func certificate(_ base64: String) throws -> X509Certificate {
        guard let der = Data(base64Encoded: base64), let certificate = try? X509Certificate(der: [UInt8](der)) else {
            throw VaultError(.corrupted, "A stored certificate does not parse; the store may be damaged.")
        }
        return certificate
    }
}

extension CertificateBundle {
    /// The leaf and its chain as a PFX without a private key (empty password), as `download --encoding PFX`
    /// writes it.
    /// - Throws: `KeyCryptoError` when the version is pending or OpenSSL fails.
    public func certificatesOnlyPFX() throws -> [UInt8] {
        let leaf = try X509Certificate(der: cer)
        return try PKCS12Archive.make(key: nil, leaf: leaf, chain: try chain.map { try X509Certificate(der: $0) }).bytes
    }
}
