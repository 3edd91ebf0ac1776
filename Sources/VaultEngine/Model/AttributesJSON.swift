/// A version's attributes as Azure's JSON bundles write them, with IntDate (Unix seconds) times:
/// `{enabled, nbf, exp, created, updated, recoveryLevel, recoverableDays}`.
public struct AttributesJSON: Encodable, Sendable, Equatable {
    public var enabled: Bool
    public var nbf: Int?
    public var exp: Int?
    public var created: Int
    public var updated: Int
    public var recoveryLevel: String
    public var recoverableDays: Int
    /// Keys' `exportable` (nil for other kinds, and left out).
    public var exportable: Bool?

    /// The attributes of `properties`.
    public init(_ properties: VersionProperties) {
        enabled = properties.enabled
        nbf = properties.notBefore.map { Int($0.timeIntervalSince1970) }
        exp = properties.expires.map { Int($0.timeIntervalSince1970) }
        created = Int(properties.created.timeIntervalSince1970)
        updated = Int(properties.updated.timeIntervalSince1970)
        recoveryLevel = properties.recoveryLevel
        recoverableDays = properties.recoverableDays
    }
}
