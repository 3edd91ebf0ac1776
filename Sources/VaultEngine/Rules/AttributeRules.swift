import Foundation

/// The rules for the attributes of object versions: dates, tags and content types, and which of them each
/// object family lets a caller set. Every path that sets attributes (engine calls, control files, xattrs,
/// the CLI, restores) goes through here.
enum AttributeRules {
    static func validate(contentType: String?) throws {
        if let contentType, contentType.count > ObjectLimits.maxContentTypeLength {
            throw VaultError.invalid("Content type is \(contentType.count) characters; at most \(ObjectLimits.maxContentTypeLength) are allowed.")
        }
    }

    static func validate(tags: [String: String]) throws {
        guard tags.count <= ObjectLimits.maxTags else {
            throw VaultError.invalid("\(tags.count) tags given; at most \(ObjectLimits.maxTags) are allowed.")
        }
        for (name, value) in tags {
            guard !name.isEmpty, name.count <= ObjectLimits.maxTagNameLength else {
                throw VaultError.invalid("Tag names must be 1 to \(ObjectLimits.maxTagNameLength) characters.")
            }
            guard value.count <= ObjectLimits.maxTagValueLength else {
                throw VaultError.invalid("The value of tag '\(Names.printable(name))' is longer than \(ObjectLimits.maxTagValueLength) characters.")
            }
        }
    }

    /// The dates kvfs holds: seconds since 1970 within years 0001–9999 (what ISO 8601, Azure's IntDate and every
    /// conversion kvfs makes can represent).
    static let dateRange: ClosedRange<Double> = -62_135_596_800...253_402_300_799

    static func isRepresentable(_ date: Date) -> Bool {
        let seconds = date.timeIntervalSince1970
        return seconds.isFinite && dateRange.contains(seconds)
    }

    static func validate(notBefore: Date?, expires: Date?) throws {
        for (name, date) in [("not-before", notBefore), ("expiry", expires)] {
            if let date, !isRepresentable(date) {
                throw VaultError.invalid("The \(name) date is outside the years 0001 to 9999.")
            }
        }
        if let notBefore, let expires, expires < notBefore {
            throw VaultError.invalid("The expiry date is before the not-before date.")
        }
    }

    /// The attributes of a new version of a `kind` object.
    static func validate(_ attributes: NewVersionAttributes, for kind: ObjectKind) throws {
        try validateContentType(attributes.contentType, for: kind)
        try validate(tags: attributes.tags)
        try validate(notBefore: attributes.notBefore, expires: attributes.expires)
    }

    /// What an update may change on a `kind` object, before any date pair is checked against the stored one.
    static func validate(_ update: AttributeUpdate, for kind: ObjectKind) throws {
        if kind == .certificate, update.notBefore != nil || update.expires != nil {
            throw VaultError.invalid("A certificate's nbf and exp come from its X.509 certificate and cannot be changed.")
        }
        if let contentType = update.contentType {
            if kind == .secret { try validate(contentType: contentType) } else { try refuseContentType(for: kind) }
        }
        if let tags = update.tags { try validate(tags: tags) }
    }

    /// Secrets carry a content type; keys have none; a certificate's follows its policy.
    static func validateContentType(_ contentType: String?, for kind: ObjectKind) throws {
        guard let contentType else { return }
        if kind == .secret { try validate(contentType: contentType) } else { try refuseContentType(for: kind) }
    }

    private static func refuseContentType(for kind: ObjectKind) throws {
        switch kind {
        case .secret:
            return
        case .key:
            throw VaultError.invalid("Keys have no content type; set key_ops, enabled, nbf, exp or tags.")
        case .certificate:
            throw VaultError.invalid("A certificate's content type follows its policy's secretProperties.contentType.")
        }
    }

    /// Applies an update to a stored version and checks the resulting date pair.
    static func apply(_ update: AttributeUpdate, to record: inout VersionRecord) throws {
        if let enabled = update.enabled { record.enabled = enabled }
        if let notBefore = update.notBefore { record.notBefore = notBefore }
        if let expires = update.expires { record.expires = expires }
        if let contentType = update.contentType { record.contentType = contentType }
        if let tags = update.tags { record.tags = tags }
        try validate(notBefore: record.notBefore, expires: record.expires)
    }
}
