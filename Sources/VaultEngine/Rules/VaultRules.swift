/// The rules of a vault's own settings: its name (`Names`), a soft-delete retention of 7 to 90 days fixed
/// at creation, and purge protection that stays on once on.
enum VaultRules {
    static let retentionDays = 7...90

    static func validate(_ options: VaultCreateOptions) throws {
        guard retentionDays.contains(options.retentionDays) else {
            throw VaultError.invalid("Soft-delete retention must be 7 to 90 days; \(options.retentionDays) was given.")
        }
    }

    static func validate(_ update: VaultUpdate, of vault: VaultRecord) throws {
        if let days = update.retentionDays, days != vault.retentionDays {
            throw VaultError.invalid("Soft-delete retention is fixed at creation (\(vault.retentionDays) days) and cannot be changed.")
        }
        if update.purgeProtection == false && vault.purgeProtection {
            throw VaultError.invalid("Purge protection is enabled on vault '\(vault.name)' and cannot be disabled.")
        }
    }
}
