import COpenSSL
import Foundation

/// What a new certificate or signing request says about its subject: the X.509 part of a policy.
struct CertificateSubjectSpec: Sendable {
    /// `CN=name, O=org, ...` (comma-separated `attribute=value` pairs; `E` is an e-mail address).
    var subject: String
    var sans: SubjectAlternativeNames
    var keyUsage: [KeyUsage]
    /// Dotted OIDs.
    var ekus: [String]
}

/// Builds self-signed certificates and PKCS#10 signing requests with OpenSSL (X509_*, X509_REQ_*).
enum CertificateBuilder {
    /// A self-signed certificate for `key`, valid from `notBefore` to `notAfter`, signed with SHA-256.
    /// - Throws: `KeyCryptoError.invalidArgument` for a subject or extension OpenSSL refuses,
    ///   `.operationFailed` when OpenSSL fails.
    static func selfSigned(_ spec: CertificateSubjectSpec, key: PrivateKey, notBefore: Date, notAfter: Date) throws -> X509Certificate {
        guard let x509 = X509_new() else { throw KeyCryptoError.openSSL("allocate a certificate") }
        let certificate = X509Certificate(owning: x509)
        try checkKey(X509_set_version(x509, 2), "set the certificate version")
        try setSerial(x509)
        let name = try makeName(spec.subject)
        defer { X509_NAME_free(name) }
        try checkKey(X509_set_subject_name(x509, name), "set the subject")
        try checkKey(X509_set_issuer_name(x509, name), "set the issuer")
        guard ASN1_TIME_set(X509_getm_notBefore(x509), time_t(notBefore.timeIntervalSince1970)) != nil,
              ASN1_TIME_set(X509_getm_notAfter(x509), time_t(notAfter.timeIntervalSince1970)) != nil else {
            throw KeyCryptoError.openSSL("set the validity period")
        }
        try checkKey(X509_set_pubkey(x509, key.pkey), "set the public key")
        for (nid, value) in extensions(spec) + [(NID_subject_key_identifier, "hash"), (NID_authority_key_identifier, "keyid:always")] {
            guard let ext = kvfs_x509v3_ext(x509, x509, nil, nid, value) else {
                throw KeyCryptoError(.invalidArgument, "OpenSSL refuses the certificate extension '\(value)'.", cause: CryptoError("X509V3_EXT_nconf_nid"))
            }
            defer { X509_EXTENSION_free(ext) }
            try checkKey(X509_add_ext(x509, ext, -1), "add a certificate extension")
        }
        guard X509_sign(x509, key.pkey, EVP_sha256()) > 0 else { throw KeyCryptoError.openSSL("sign the certificate") }
        return certificate
    }

    /// A PKCS#10 signing request for `key` as PEM ("-----BEGIN CERTIFICATE REQUEST-----"), carrying the SANs,
    /// key usage and EKUs as requested extensions.
    /// - Throws: `KeyCryptoError.invalidArgument` for a subject or extension OpenSSL refuses, `.operationFailed`.
    static func signingRequest(_ spec: CertificateSubjectSpec, key: PrivateKey) throws -> String {
        guard let req = X509_REQ_new() else { throw KeyCryptoError.openSSL("allocate a signing request") }
        defer { X509_REQ_free(req) }
        try checkKey(X509_REQ_set_version(req, 0), "set the request version")
        let name = try makeName(spec.subject)
        defer { X509_NAME_free(name) }
        try checkKey(X509_REQ_set_subject_name(req, name), "set the request subject")
        try checkKey(X509_REQ_set_pubkey(req, key.pkey), "set the request public key")
        guard let stack = kvfs_extensions_new() else { throw KeyCryptoError.openSSL("allocate an extension list") }
        defer { kvfs_extensions_free(stack) }
        for (nid, value) in extensions(spec) {
            guard let ext = kvfs_x509v3_ext(nil, nil, req, nid, value) else {
                throw KeyCryptoError(.invalidArgument, "OpenSSL refuses the request extension '\(value)'.", cause: CryptoError("X509V3_EXT_nconf_nid"))
            }
            guard kvfs_extensions_push(stack, ext) > 0 else {
                X509_EXTENSION_free(ext)
                throw KeyCryptoError.openSSL("collect request extensions")
            }
        }
        try checkKey(X509_REQ_add_extensions(req, stack), "add the requested extensions")
        guard X509_REQ_sign(req, key.pkey, EVP_sha256()) > 0 else { throw KeyCryptoError.openSSL("sign the request") }
        return try OpenSSLKeyIO.pem({ PEM_write_bio_X509_REQ($0, req) }, "certificate request")
    }

    /// The extensions a policy asks for, in OpenSSL's configuration syntax.
    static func extensions(_ spec: CertificateSubjectSpec) -> [(Int32, String)] {
        var result: [(Int32, String)] = [(NID_basic_constraints, "critical,CA:FALSE")]
        if !spec.keyUsage.isEmpty {
            result.append((NID_key_usage, "critical," + spec.keyUsage.map(\.openSSLName).joined(separator: ",")))
        }
        if !spec.ekus.isEmpty {
            result.append((NID_ext_key_usage, spec.ekus.joined(separator: ",")))
        }
        let names = spec.sans.dnsNames.map { "DNS:\($0)" } + spec.sans.emails.map { "email:\($0)" }
            + spec.sans.upns.map { "otherName:msUPN;UTF8:\($0)" }
        if !names.isEmpty { result.append((NID_subject_alt_name, names.joined(separator: ","))) }
        return result
    }

    /// Checks the syntax of what a policy asks for, without a key: subject, SAN values and EKU OIDs.
    /// - Throws: `KeyCryptoError.invalidArgument` naming the first bad part.
    static func validate(_ spec: CertificateSubjectSpec) throws {
        let name = try makeName(spec.subject)
        X509_NAME_free(name)
        for oid in spec.ekus {
            guard let object = OBJ_txt2obj(oid, 1) else {
                ERR_clear_error()
                throw KeyCryptoError(.invalidArgument, "EKU '\(oid)' is not a dotted object identifier such as 1.3.6.1.5.5.7.3.1.")
            }
            ASN1_OBJECT_free(object)
        }
        for value in spec.sans.dnsNames + spec.sans.emails + spec.sans.upns {
            guard !value.isEmpty, !value.contains(","), !value.contains(where: { $0.isWhitespace || $0.isNewline }) else {
                throw KeyCryptoError(.invalidArgument, "Subject alternative name '\(value)' is empty or contains a comma or whitespace.")
            }
        }
    }

    /// An X509_NAME from `CN=a, O=b`. Free with `X509_NAME_free`.
    static func makeName(_ subject: String) throws -> OpaquePointer {
        let pairs = subject.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
        guard !pairs.isEmpty else {
            throw KeyCryptoError(.invalidArgument, "The subject is empty; give at least 'CN=<name>'.")
        }
        guard let name = X509_NAME_new() else { throw KeyCryptoError.openSSL("allocate a name") }
        for pair in pairs {
            guard let equals = pair.firstIndex(of: "=") else {
                X509_NAME_free(name)
                throw KeyCryptoError(.invalidArgument, "Subject part '\(pair)' is not 'attribute=value' (for example 'CN=www.example.com').")
            }
            var field = pair[..<equals].trimmingCharacters(in: .whitespaces)
            let value = pair[pair.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if field.uppercased() == "E" { field = "emailAddress" }
            guard !value.isEmpty, X509_NAME_add_entry_by_txt(name, field, kvfs_mbstring_utf8(), value, -1, -1, 0) == 1 else {
                X509_NAME_free(name)
                ERR_clear_error()
                throw KeyCryptoError(.invalidArgument, "Subject part '\(pair)' names an unknown attribute or has an empty or invalid value.")
            }
        }
        return name
    }

    /// A random positive 128-bit serial number.
    private static func setSerial(_ x509: OpaquePointer) throws {
        var bytes = try SecureRandom.bytes(16)
        bytes[0] &= 0x7f
        bytes[0] |= 0x01
        guard let bn = BN_bin2bn(bytes, Int32(bytes.count), nil) else { throw KeyCryptoError.openSSL("make a serial number") }
        defer { BN_free(bn) }
        guard BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(x509)) != nil else { throw KeyCryptoError.openSSL("set the serial number") }
    }
}
