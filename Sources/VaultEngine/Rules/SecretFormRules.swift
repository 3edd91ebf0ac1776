/// Which secrets have decoded forms (`SecretForm`): the managed secrets of certificates whose content type is
/// PKCS#12. A secret a user wrote with that content type is the user's bytes, which kvfs gives no meaning to
/// (Azure's rule: "the service gives no semantics to the value").
enum SecretFormRules {
    static func hasForms(_ properties: VersionProperties) -> Bool {
        properties.managed && properties.contentType == CertificatePolicy.pkcs12ContentType
    }

    /// - Throws: `.objectNotFound(.secret)` for a secret without forms.
    static func requireForms(_ properties: VersionProperties, _ form: SecretForm) throws {
        guard hasForms(properties) else {
            throw VaultError(.objectNotFound(.secret), "Secret '\(properties.name)' has no .\(form.fileExtension) form: only a certificate's PKCS#12 secret has one.")
        }
    }
}
