import Foundation

/// One request to a vault's `certificates/.ops` control file: create, import or merge, with Azure's field
/// names (`policy` as CertificatePolicy JSON, `value`/`pwd` for import, `x5c` for merge).
///
/// ```json
/// {"op":"create","name":"web","policy":{…},"attributes":{"enabled":true},"tags":{"env":"prod"}}
/// {"op":"import","name":"web","value":"-----BEGIN PRIVATE KEY-----…" or "<base64 PFX>","pwd":"…","policy":{…}}
/// {"op":"merge","name":"web","x5c":["<base64 DER leaf>","<base64 DER issuer>"]}
/// ```
public struct CertificateManagementRequest: Decodable, Sendable, CustomStringConvertible {
    public enum Op: String, Decodable, Sendable { case create, `import`, merge }

    public var op: Op
    public var name: String
    public var policy: CertificatePolicy?
    public var value: String?
    public var pwd: String?
    public var x5c: [String]?
    public var attributes: Attributes?
    public var tags: [String: String]?

    public struct Attributes: Decodable, Sendable {
        public var enabled: Bool?
    }

    /// Why `policy` could not be read (a field of neither spelling, or of both), reported in the response
    /// rather than failing the write: the request itself is well-formed JSON.
    var policyRefusal: VaultError?

    enum CodingKeys: String, CodingKey { case op, name, policy, value, pwd, x5c, attributes, tags }

    /// Decodes a request; `policy` in either of a policy's spellings (`CertificatePolicy.Spelling`).
    /// - Throws: `DecodingError` when the request is not one of the three shapes.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        op = try c.decode(Op.self, forKey: .op)
        name = try c.decode(String.self, forKey: .name)
        value = try c.decodeIfPresent(String.self, forKey: .value)
        pwd = try c.decodeIfPresent(String.self, forKey: .pwd)
        x5c = try c.decodeIfPresent([String].self, forKey: .x5c)
        attributes = try c.decodeIfPresent(Attributes.self, forKey: .attributes)
        tags = try c.decodeIfPresent([String: String].self, forKey: .tags)
        do {
            policy = try c.decodeIfPresent(CertificatePolicy.self, forKey: .policy)
        } catch {
            policyRefusal = PolicyCoding.refusal(error)
        }
    }

    public var description: String { "CertificateManagementRequest(\(op.rawValue), \(name), redacted)" }
}

/// A certificate version as Azure's CertificateBundle JSON: `id`, `kid`, `sid`, `x5t`, `cer` (base64 DER),
/// `contentType`, `policy`, `attributes` (Unix seconds), `tags`, plus `pending` while a creation waits.
public struct CertificateBundleJSON: Encodable, Sendable {
    public var id: String
    public var kid: String
    public var sid: String
    public var x5t: String?
    public var cer: String?
    public var contentType: String?
    public var policy: CertificatePolicy
    public var attributes: AttributesJSON
    public var tags: [String: String]
    public var pending: PendingJSON?


    public struct PendingJSON: Encodable, Sendable {
        public var id: String
    }

    public init(_ bundle: CertificateBundle) {
        let p = bundle.properties
        id = bundle.id
        kid = bundle.kid
        sid = bundle.sid
        x5t = bundle.isCompleted ? bundle.x5t : nil
        cer = bundle.isCompleted ? Data(bundle.cer).base64EncodedString() : nil
        contentType = p.contentType
        policy = bundle.policy
        attributes = AttributesJSON(p)
        tags = p.tags
        pending = bundle.isCompleted ? nil : PendingJSON(id: bundle.id.components(separatedBy: "/").dropLast().joined(separator: "/") + "/pending")
    }
}

/// The answer to a `certificates/.ops` request: an operation (create), a bundle (import, merge).
public enum CertificateManagementResponse: Encodable, Sendable {
    case operation(CertificateOperation)
    case bundle(CertificateBundleJSON)

    public func encode(to encoder: any Encoder) throws {
        switch self {
        case .operation(let operation): try operation.encode(to: encoder)
        case .bundle(let bundle): try bundle.encode(to: encoder)
        }
    }
}
