import Foundation

/// A vault's pricing tier. Both behave the same here; premium is reserved for HSM-backed keys.
public enum VaultSku: String, Sendable, Codable, CaseIterable {
    case standard, premium
}

/// What the management plane knows about a vault.
public struct VaultProperties: Sendable, Equatable, Codable {
    public var name: String
    public var sku: VaultSku
    /// Soft-delete retention, 7–90 days, fixed at creation.
    public var retentionDays: Int
    /// Once on, never off.
    public var purgeProtection: Bool
    /// Always `rbac`.
    public var permissionModel: String { "rbac" }
    /// Always true: soft delete cannot be turned off.
    public var softDeleteEnabled: Bool { true }
    public var created: Date
    public var updated: Date
    /// Set for a soft-deleted vault.
    public var deletedDate: Date?
    public var scheduledPurgeDate: Date?

    /// Azure's DeletionRecoveryLevel for objects in this vault.
    public var recoveryLevel: String { RecoveryLevel.of(retentionDays: retentionDays, purgeProtection: purgeProtection) }

    enum CodingKeys: String, CodingKey {
        case name, sku, retentionDays, purgeProtection, created, updated, deletedDate, scheduledPurgeDate
    }
}

/// Azure's `DeletionRecoveryLevel` strings, derived from a vault's settings.
public enum RecoveryLevel {
    /// `Recoverable+Purgeable` (90 days) or `CustomizedRecoverable+Purgeable` (< 90) without purge protection;
    /// `Recoverable` / `CustomizedRecoverable` with it.
    public static func of(retentionDays: Int, purgeProtection: Bool) -> String {
        let base = retentionDays >= 90 ? "Recoverable" : "CustomizedRecoverable"
        return purgeProtection ? base : base + "+Purgeable"
    }
}

/// Settings for a new vault.
public struct VaultCreateOptions: Sendable {
    public var sku: VaultSku
    public var retentionDays: Int
    public var purgeProtection: Bool

    public init(sku: VaultSku = .standard, retentionDays: Int = 90, purgeProtection: Bool = false) {
        self.sku = sku
        self.retentionDays = retentionDays
        self.purgeProtection = purgeProtection
    }
}

/// A change to a live vault: only what Azure lets an update change.
public struct VaultUpdate: Sendable {
    public var sku: VaultSku?
    /// `true` turns purge protection on; `false` is refused once it is on.
    public var purgeProtection: Bool?
    /// Retention is immutable; a different value is refused with a clear error.
    public var retentionDays: Int?

    public init(sku: VaultSku? = nil, purgeProtection: Bool? = nil, retentionDays: Int? = nil) {
        self.sku = sku
        self.purgeProtection = purgeProtection
        self.retentionDays = retentionDays
    }
}
