import Foundation

/// Renders a certificate's PKCS#12 secret value (base64 PFX text) in one of its decoded forms.
enum SecretFormRendering {
    /// - Throws: `.corrupted` when the stored value is not the base64 of a PFX that opens with the empty password.
    static func render(_ value: SecureBytes, as form: SecretForm, name: String) throws -> SecureBytes {
        let pfx = try decodeBase64(value, name: name)
        switch form {
        case .pfx:
            return pfx
        case .pem:
            let contents: (key: PrivateKey?, leaf: X509Certificate, chain: [X509Certificate])
            do {
                contents = try PKCS12Archive.open(pfx, password: "")
            } catch {
                throw VaultError(.corrupted, "Secret '\(name)' does not hold a PKCS#12 file that opens; the store may be damaged.")
            }
            let certificates = Array(([contents.leaf] + CertificateRules.order(chainOf: contents.leaf, from: contents.chain))
                .map(\.pem).joined().utf8)
            guard let key = contents.key else { return SecureBytes(certificates) }
            let keyPEM = try key.pkcs8PEM()
            return SecureBytes(count: keyPEM.count + certificates.count) { out in
                keyPEM.withUnsafeBytes { out.copyMemory(from: $0) }
                UnsafeMutableRawBufferPointer(rebasing: out[keyPEM.count...]).copyBytes(from: certificates)
            }
        }
    }

    private static func decodeBase64(_ value: SecureBytes, name: String) throws -> SecureBytes {
        var text = value.withUnsafeBytes { Data($0) }
        defer { text.resetBytes(in: 0..<text.count) }
        guard var decoded = Data(base64Encoded: text, options: .ignoreUnknownCharacters), !decoded.isEmpty else {
            throw VaultError(.corrupted, "Secret '\(name)' is not base64 text; the store may be damaged.")
        }
        defer { decoded.resetBytes(in: 0..<decoded.count) }
        return decoded.withUnsafeBytes { SecureBytes($0) }
    }
}
