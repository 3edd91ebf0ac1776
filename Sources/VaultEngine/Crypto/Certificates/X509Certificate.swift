import COpenSSL
import Foundation

/// One X.509 certificate, held as an OpenSSL `X509` (freed in `deinit`). Public data only: a certificate
/// never carries private material. Immutable after `init`, so safe to share across threads.
public final class X509Certificate: @unchecked Sendable, CustomStringConvertible {
    let x509: OpaquePointer

    /// Takes ownership of `x509`.
    init(owning x509: OpaquePointer) {
        self.x509 = x509
    }

    deinit { X509_free(x509) }

    /// Reads one DER certificate; trailing bytes are refused.
    /// - Throws: `KeyCryptoError.invalidArgument` when the bytes are not a certificate.
    public convenience init(der: [UInt8]) throws {
        let parsed: OpaquePointer? = der.withUnsafeBufferPointer { buffer in
            var cursor: UnsafePointer<UInt8>? = buffer.baseAddress
            let x = d2i_X509(nil, &cursor, buffer.count)
            if x != nil, cursor != buffer.baseAddress.map({ $0 + buffer.count }) { X509_free(x); return nil }
            return x
        }
        guard let parsed else {
            throw KeyCryptoError(.invalidArgument, "Not a DER-encoded X.509 certificate.", cause: CryptoError("d2i_X509"))
        }
        self.init(owning: parsed)
    }

    /// Every `-----BEGIN CERTIFICATE-----` block in `pem`, in order (other blocks, such as a private key, are
    /// skipped).
    /// - Throws: `KeyCryptoError.invalidArgument` when a certificate block does not parse.
    public static func all(fromPEM pem: String) throws -> [X509Certificate] {
        var result: [X509Certificate] = []
        for block in PEMBlocks.blocks(in: pem) where block.label == "CERTIFICATE" {
            result.append(try X509Certificate(der: block.der))
        }
        return result
    }

    /// The DER encoding.
    public var der: [UInt8] {
        // i2d of a parsed certificate cannot fail short of memory exhaustion.
        (try? OpenSSLKeyIO.der({ i2d_X509(x509, $0) }, "certificate")) ?? []
    }

    /// The PEM encoding ("-----BEGIN CERTIFICATE-----"), ending with a newline.
    public var pem: String { PEMBlocks.encode(label: "CERTIFICATE", der: der) }

    /// SHA-1 of the DER: Azure's `x5t` (base64url of these bytes).
    public var sha1Thumbprint: [UInt8] {
        var out = [UInt8](repeating: 0, count: 20)
        var length: UInt32 = 0
        _ = X509_digest(x509, EVP_sha1(), &out, &length)
        return Array(out.prefix(Int(length)))
    }

    /// The subject as `CN=a, O=b` (entries in certificate order).
    public var subject: String { X509Certificate.text(of: X509_get_subject_name(x509)) }
    /// The issuer, in the same form.
    public var issuer: String { X509Certificate.text(of: X509_get_issuer_name(x509)) }

    /// Whether subject and issuer are the same name.
    public var isSelfIssued: Bool { X509_NAME_cmp(X509_get_subject_name(x509), X509_get_issuer_name(x509)) == 0 }

    /// notBefore, to the second.
    public var notBefore: Date { X509Certificate.date(X509_get0_notBefore(x509)) }
    /// notAfter, to the second.
    public var notAfter: Date { X509Certificate.date(X509_get0_notAfter(x509)) }

    /// The serial number as upper-case hex.
    public var serialNumber: String {
        guard let bn = ASN1_INTEGER_to_BN(X509_get0_serialNumber(x509), nil) else { return "" }
        defer { BN_free(bn) }
        guard let hex = BN_bn2hex(bn) else { return "" }
        defer { CRYPTO_free(hex, #fileID, #line) }
        return String(cString: hex)
    }

    /// The subject's public key.
    /// - Throws: `KeyCryptoError` when the key is of a type or size kvfs does not support.
    public func publicKey() throws -> PublicKey {
        guard let pkey = X509_get0_pubkey(x509) else { throw KeyCryptoError(.invalidKey, "The certificate carries no usable public key.") }
        return try PublicKey(spkiDER: try OpenSSLKeyIO.der({ i2d_PUBKEY(pkey, $0) }, "public key"))
    }

    /// Whether `key` is the private half of this certificate's public key.
    public func matches(_ key: PrivateKey) -> Bool {
        let result = X509_check_private_key(x509, key.pkey) == 1
        ERR_clear_error()
        return result
    }

    /// Whether `issuer`'s key signed this certificate.
    public func isSigned(by issuer: X509Certificate) -> Bool {
        guard let key = X509_get0_pubkey(issuer.x509) else { return false }
        let result = X509_verify(x509, key) == 1
        ERR_clear_error()
        return result
    }

    /// The subject alternative names: DNS names, e-mail addresses and Microsoft UPNs.
    public var subjectAlternativeNames: SubjectAlternativeNames {
        var sans = SubjectAlternativeNames()
        guard let names = kvfs_x509_subject_alt_names(x509) else { ERR_clear_error(); return sans }
        defer { kvfs_general_names_free(names) }
        for i in 0..<kvfs_general_names_count(names) {
            guard let name = kvfs_general_names_value(names, i) else { continue }
            let type = kvfs_general_name_type(name)
            if let ia5 = kvfs_general_name_ia5(name), let text = X509Certificate.string(UnsafePointer(ia5)) {
                if type == kvfs_gen_dns() { sans.dnsNames.append(text) } else if type == kvfs_gen_email() { sans.emails.append(text) }
            } else if let upn = kvfs_general_name_upn(name), let text = X509Certificate.string(UnsafePointer(upn)) {
                sans.upns.append(text)
            }
        }
        return sans
    }

    /// The key usages the certificate names (Azure's KeyUsageType spellings), or `[]` when it has none.
    public var keyUsage: [KeyUsage] {
        let bits = X509_get_key_usage(x509)
        guard bits != kvfs_ku_absent() else { return [] }
        return KeyUsage.allCases.filter { bits & $0.bit != 0 }
    }

    /// The extended key usages as dotted OIDs.
    public var extendedKeyUsages: [String] {
        guard let ekus = kvfs_x509_extended_key_usage(x509) else { ERR_clear_error(); return [] }
        defer { kvfs_eku_free(ekus) }
        var result: [String] = []
        for i in 0..<kvfs_eku_count(ekus) {
            guard let object = kvfs_eku_value(ekus, i) else { continue }
            var buffer = [CChar](repeating: 0, count: 128)
            let length = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
            if length > 0 { result.append(String(cString: buffer)) }
        }
        return result
    }

    public var description: String { "X509Certificate(subject: \(subject), serial: \(serialNumber))" }

    // MARK: helpers

    static func text(of name: OpaquePointer?) -> String {
        guard let name else { return "" }
        var parts: [String] = []
        for i in 0..<X509_NAME_entry_count(name) {
            guard let entry = X509_NAME_get_entry(name, i), let object = X509_NAME_ENTRY_get_object(entry),
                  let data = X509_NAME_ENTRY_get_data(entry), let value = string(UnsafePointer(data)) else { continue }
            let nid = OBJ_obj2nid(object)
            let short = nid == NID_undef ? nil : OBJ_nid2sn(nid).map { String(cString: $0) }
            let label: String
            switch short {
            case "emailAddress": label = "E"
            case let s?: label = s
            case nil:
                var buffer = [CChar](repeating: 0, count: 128)
                _ = OBJ_obj2txt(&buffer, Int32(buffer.count), object, 1)
                label = String(cString: buffer)
            }
            parts.append("\(label)=\(value)")
        }
        return parts.joined(separator: ", ")
    }

    static func string(_ asn1: UnsafePointer<ASN1_STRING>) -> String? {
        var out: UnsafeMutablePointer<UInt8>? = nil
        let length = ASN1_STRING_to_UTF8(&out, asn1)
        guard length >= 0, let out else { return nil }
        defer { CRYPTO_free(out, #fileID, #line) }
        return String(decoding: UnsafeBufferPointer(start: out, count: Int(length)), as: UTF8.self)
    }

    static func date(_ time: UnsafePointer<ASN1_TIME>?) -> Date {
        var parts = tm()
        guard let time, ASN1_TIME_to_tm(time, &parts) == 1 else { return Date(timeIntervalSince1970: 0) }
        return Date(timeIntervalSince1970: TimeInterval(timegm(&parts)))
    }
}

/// Azure's SubjectAlternativeNames: DNS names, e-mail addresses and user principal names.
public struct SubjectAlternativeNames: Codable, Sendable, Equatable {
    public var dnsNames: [String]
    public var emails: [String]
    public var upns: [String]

    public init(dnsNames: [String] = [], emails: [String] = [], upns: [String] = []) {
        self.dnsNames = dnsNames
        self.emails = emails
        self.upns = upns
    }

    public var isEmpty: Bool { dnsNames.isEmpty && emails.isEmpty && upns.isEmpty }

    enum CodingKeys: String, CodingKey { case dnsNames, emails, upns }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        dnsNames = try c.decodeIfPresent([String].self, forKey: .dnsNames) ?? []
        emails = try c.decodeIfPresent([String].self, forKey: .emails) ?? []
        upns = try c.decodeIfPresent([String].self, forKey: .upns) ?? []
    }
}

/// X.509 key usages with Azure's KeyUsageType spellings.
public enum KeyUsage: String, Codable, Sendable, CaseIterable {
    case digitalSignature, nonRepudiation, keyEncipherment, dataEncipherment, keyAgreement, keyCertSign, cRLSign
    case encipherOnly, decipherOnly

    /// OpenSSL's KU_* bit.
    var bit: UInt32 {
        switch self {
        case .digitalSignature: 0x0080
        case .nonRepudiation: 0x0040
        case .keyEncipherment: 0x0020
        case .dataEncipherment: 0x0010
        case .keyAgreement: 0x0008
        case .keyCertSign: 0x0004
        case .cRLSign: 0x0002
        case .encipherOnly: 0x0001
        case .decipherOnly: 0x8000
        }
    }

    /// The name OpenSSL's configuration syntax uses.
    var openSSLName: String { rawValue }

    /// The key operations this usage permits (Azure's mapping, create-certificate docs).
    var keyOperations: [KeyOperation] {
        switch self {
        case .dataEncipherment: [.encrypt, .decrypt]
        case .decipherOnly: [.decrypt]
        case .digitalSignature, .keyCertSign, .nonRepudiation, .cRLSign: [.sign, .verify]
        case .encipherOnly: [.encrypt]
        case .keyEncipherment: [.wrapKey, .unwrapKey]
        case .keyAgreement: []
        }
    }
}

/// PEM framing: base64 blocks between `-----BEGIN X-----` and `-----END X-----` lines.
enum PEMBlocks {
    struct Block {
        var label: String
        var der: [UInt8]
    }

    /// Every well-formed block in `text`, in order.
    static func blocks(in text: String) -> [Block] {
        var result: [Block] = []
        var label: String?
        var body = ""
        for raw in text.split(omittingEmptySubsequences: false, whereSeparator: { $0 == "\n" || $0 == "\r\n" }) {
            let line = raw.trimmingCharacters(in: .whitespacesAndNewlines)
            if label == nil {
                if line.hasPrefix("-----BEGIN "), line.hasSuffix("-----") {
                    label = String(line.dropFirst(11).dropLast(5))
                    body = ""
                }
            } else if line.hasPrefix("-----END ") {
                if let der = Data(base64Encoded: body) { result.append(Block(label: label!, der: [UInt8](der))) }
                label = nil
            } else {
                body += line
            }
        }
        return result
    }

    static func encode(label: String, der: [UInt8]) -> String {
        let base64 = Data(der).base64EncodedString(options: [.lineLength64Characters, .endLineWithLineFeed])
        return "-----BEGIN \(label)-----\n\(base64)\n-----END \(label)-----\n"
    }
}
