import COpenSSL
import Foundation

/// The translation of certificate policies, imports and key usages into keys, certificates and secret values
/// (the policy's own rules are `CertificatePolicyRules`).
enum CertificateRules {
    static func subjectSpec(_ policy: CertificatePolicy) -> CertificateSubjectSpec {
        let x509 = policy.x509CertificateProperties
        return CertificateSubjectSpec(subject: x509.subject, sans: x509.subjectAlternativeNames ?? SubjectAlternativeNames(),
                                      keyUsage: x509.keyUsage ?? [.digitalSignature, .keyEncipherment], ekus: x509.ekus ?? [])
    }

    static func generateKey(_ properties: CertificatePolicy.KeyProperties) throws -> PrivateKey {
        if properties.keyType.uppercased() == "EC" {
            return try PrivateKey.generate(curve: EllipticCurve(rawValue: properties.curve ?? "P-256") ?? .p256)
        }
        return try PrivateKey.generate(rsa: properties.keySize ?? 2048)
    }

    /// `start` plus whole calendar months (UTC).
    static func notAfter(_ start: Date, months: Int) -> Date {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = TimeZone(identifier: "UTC")!
        return calendar.date(byAdding: .month, value: months, to: start) ?? start.addingTimeInterval(Double(months) * 30 * 86_400)
    }

    /// Azure's key usage → key_ops mapping, limited to what the key type can do; every operation the type
    /// supports when the certificate names no usage.
    static func keyOperations(_ usage: [KeyUsage], keyType: KeyType) -> [KeyOperation] {
        var ops: [KeyOperation] = []
        for op in usage.flatMap(\.keyOperations) where !ops.contains(op) && op.supported(by: keyType) { ops.append(op) }
        return usage.isEmpty ? KeyOperation.supported(by: keyType) : ops
    }

    /// The key properties of an imported key (type, size or curve), keeping exportable and reuse_key.
    static func keyProperties(of key: PrivateKey, keeping base: CertificatePolicy.KeyProperties) -> CertificatePolicy.KeyProperties {
        var result = base
        switch key.parameters {
        case .rsa(let bits):
            result.keyType = "RSA"; result.keySize = bits; result.curve = nil
        case .ec(let curve):
            result.keyType = "EC"; result.keySize = nil; result.curve = curve.rawValue
        }
        return result
    }

    /// The policy Azure derives for an imported certificate.
    static func derivedPolicy(_ leaf: X509Certificate, key: PrivateKey, contentType: String) -> CertificatePolicy {
        let sans = leaf.subjectAlternativeNames
        let months = max(1, Int((leaf.notAfter.timeIntervalSince(leaf.notBefore) / (30.4375 * 86_400)).rounded()))
        return CertificatePolicy(
            issuerParameters: .init(name: leaf.isSelfIssued && leaf.isSigned(by: leaf) ? CertificatePolicy.selfIssuer : CertificatePolicy.unknownIssuer),
            keyProperties: keyProperties(of: key, keeping: .init(exportable: true, reuseKey: false)),
            secretProperties: .init(contentType: contentType),
            x509CertificateProperties: .init(subject: leaf.subject, subjectAlternativeNames: sans.isEmpty ? nil : sans,
                                             keyUsage: leaf.keyUsage.isEmpty ? nil : leaf.keyUsage,
                                             ekus: leaf.extendedKeyUsages.isEmpty ? nil : leaf.extendedKeyUsages,
                                             validityInMonths: min(months, 1200)),
            lifetimeActions: [.init(trigger: .init(lifetimePercentage: 80), action: .init(actionType: "EmailContacts"))])
    }

    /// Parses an import: PEM text (a PKCS#8 key and certificates) or a PFX. Returns the key, the leaf (the
    /// certificate of that key), the rest of the chain in issuing order, and the matching content type.
    static func parseImport(_ material: CertificateImport) throws -> (PrivateKey, X509Certificate, [X509Certificate], String) {
        let isPEM = material.value.withUnsafeBytes { raw in
            String(decoding: raw.prefix(4096), as: UTF8.self).contains("-----BEGIN ")
        }
        let key: PrivateKey
        var certificates: [X509Certificate]
        let contentType: String
        if isPEM {
            // The text holds the private key too: overwritten once the certificates are parsed.
            var text = material.value.withUnsafeBytes { String(decoding: $0, as: UTF8.self) }
            defer { SensitiveText.overwrite(&text) }
            certificates = try X509Certificate.all(fromPEM: text)
            guard !certificates.isEmpty else {
                throw KeyCryptoError(.invalidArgument, "The PEM holds no certificate ('-----BEGIN CERTIFICATE-----').")
            }
            guard text.contains("-----BEGIN PRIVATE KEY-----") else {
                throw KeyCryptoError(.invalidArgument, "The PEM holds no unencrypted PKCS#8 private key ('-----BEGIN PRIVATE KEY-----'); convert with 'openssl pkcs8 -topk8 -nocrypt'.")
            }
            key = try PrivateKey(pkcs8PEM: material.value)
            contentType = CertificatePolicy.pemContentType
        } else {
            let parsed = try PKCS12Archive.parse(material.value, password: material.password ?? "")
            key = parsed.key
            certificates = [parsed.leaf] + parsed.chain
            contentType = CertificatePolicy.pkcs12ContentType
        }
        guard let leaf = certificates.first(where: { $0.matches(key) }) else {
            throw KeyCryptoError(.invalidArgument, "No certificate in the import belongs to its private key.")
        }
        certificates.removeAll { $0 === leaf }
        return (key, leaf, order(chainOf: leaf, from: certificates), contentType)
    }

    /// The certificates above `leaf` in issuing order (each one issued the one before); certificates that do
    /// not fit the chain follow in their given order.
    static func order(chainOf leaf: X509Certificate, from others: [X509Certificate]) -> [X509Certificate] {
        var remaining = others
        var result: [X509Certificate] = []
        var current = leaf
        while !current.isSelfIssued, let index = remaining.firstIndex(where: { current.isSigned(by: $0) }) {
            current = remaining.remove(at: index)
            result.append(current)
        }
        return result + remaining
    }

    /// The managed secret's value: PEM (PKCS#8 key when exportable, then the leaf and its chain) or a PFX,
    /// base64-encoded as Azure stores it (with the key only when exportable; empty password).
    static func secretValue(_ policy: CertificatePolicy, key: PrivateKey, leaf: X509Certificate, chain: [X509Certificate]) throws -> SecureBytes {
        let exportable = policy.keyProperties.exportable
        if policy.secretProperties.contentType == CertificatePolicy.pemContentType {
            let certificates = Array(([leaf] + chain).map(\.pem).joined().utf8)
            guard exportable else { return SecureBytes(certificates) }
            let keyPEM = try key.pkcs8PEM()
            return SecureBytes(count: keyPEM.count + certificates.count) { out in
                keyPEM.withUnsafeBytes { out.copyMemory(from: $0) }
                UnsafeMutableRawBufferPointer(rebasing: out[keyPEM.count...]).copyBytes(from: certificates)
            }
        }
        let pfx = try PKCS12Archive.make(key: exportable ? key : nil, leaf: leaf, chain: chain)
        return SecureBytes(Array(pfx.withUnsafeBytes { Data($0) }.base64EncodedString().utf8))
    }
}

extension PrivateKey {
    /// The private key as unencrypted PKCS#8 PEM ("-----BEGIN PRIVATE KEY-----"), for a certificate's secret.
    /// - Throws: `KeyCryptoError.operationFailed` when OpenSSL fails.
    func pkcs8PEM() throws -> SecureBytes {
        guard let bio = BIO_new(BIO_s_secmem()) ?? BIO_new(BIO_s_mem()) else { throw KeyCryptoError.openSSL("create a memory BIO") }
        defer { BIO_free(bio) }
        guard PEM_write_bio_PKCS8PrivateKey(bio, pkey, nil, nil, 0, nil, nil) == 1 else {
            throw KeyCryptoError.openSSL("write the private key PEM")
        }
        var data: UnsafeMutablePointer<CChar>? = nil
        let length = kvfs_bio_get_mem_data(bio, &data)
        guard length > 0, let data else { throw KeyCryptoError.openSSL("read the private key PEM") }
        return SecureBytes(UnsafeRawBufferPointer(start: data, count: length))
    }
}
