/// A decoded form of a certificate's secret stored as PKCS#12 (`application/x-pkcs12`), whose value is the
/// base64 text of a PFX as Azure stores it. Servers and TLS libraries load files, not base64: the forms are
/// what they load, read with the same right as the secret itself (`secrets/getSecret/action`).
public enum SecretForm: String, Sendable, CaseIterable {
    /// The private key (unencrypted PKCS#8, when the certificate's key is exportable), then the leaf
    /// certificate and its chain, PEM — the shape of an `application/x-pem-file` certificate secret, which
    /// nginx's `ssl_certificate`/`ssl_certificate_key` and Python's `load_cert_chain` take as one file.
    case pem
    /// The PFX itself, binary (empty password).
    case pfx

    /// The file-name extension that names the form (`web.pem`, `web.pfx`).
    public var fileExtension: String { rawValue }
}
