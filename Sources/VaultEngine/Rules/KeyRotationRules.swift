import Foundation

/// The rules of a key rotation policy (Azure's, how-to-configure-key-rotation): at most one Rotate and one
/// Notify action; each trigger exactly one of timeAfterCreate and timeBeforeExpiry, an ISO 8601 duration of at
/// least 7 days; Notify only before expiry; expiryTime at least 28 days; a timeAfterCreate rotation before the
/// version made by it expires.
enum KeyRotationRules {
    /// - Throws: `.invalidArgument` naming the first problem.
    static func validate(_ policy: KeyRotationPolicy) throws {
        var expiry: ISODuration?
        if let text = policy.attributes.expiryTime {
            guard let d = ISODuration(text) else { throw VaultError.invalid("expiryTime '\(text.prefix(40))' is not an ISO 8601 duration such as P90D, P18M or P2Y.") }
            guard d.isAtLeast(days: 28) else { throw VaultError.invalid("expiryTime must be at least 28 days, not \(text).") }
            expiry = d
        }
        var rotates = 0, notifies = 0
        for action in policy.lifetimeActions {
            let type = action.action
            guard type.isRotate || type.isNotify else {
                throw VaultError.invalid("Lifetime action '\(type.type.prefix(40))' is not Rotate or Notify.")
            }
            if type.isRotate { rotates += 1 } else { notifies += 1 }
            let t = action.trigger
            guard (t.timeAfterCreate == nil) != (t.timeBeforeExpiry == nil) else {
                throw VaultError.invalid("A lifetime action's trigger needs exactly one of timeAfterCreate and timeBeforeExpiry.")
            }
            let text = t.timeAfterCreate ?? t.timeBeforeExpiry ?? ""
            guard let d = ISODuration(text) else { throw VaultError.invalid("Trigger time '\(text.prefix(40))' is not an ISO 8601 duration such as P90D, P18M or P2Y.") }
            guard d.isAtLeast(days: 7) else { throw VaultError.invalid("A trigger's time must be at least 7 days, not \(text).") }
            if type.isNotify, t.timeAfterCreate != nil {
                throw VaultError.invalid("A Notify action takes timeBeforeExpiry only.")
            }
            if type.isRotate, t.timeAfterCreate != nil, let expiry, !(d.after(Date(timeIntervalSince1970: 0)) < expiry.after(Date(timeIntervalSince1970: 0))) {
                throw VaultError.invalid("timeAfterCreate (\(text)) must be shorter than expiryTime (\(policy.attributes.expiryTime ?? "")): a version would expire before it rotates.")
            }
        }
        guard rotates <= 1, notifies <= 1 else { throw VaultError.invalid("A rotation policy takes at most one Rotate and one Notify action.") }
    }

    /// When the Rotate action of `policy` is due for a version created at `created`, expiring at `expires`.
    static func rotationDue(_ policy: KeyRotationPolicy, created: Date, expires: Date?) -> Date? {
        guard let t = policy.rotateAction?.trigger else { return nil }
        return due(t, created: created, expires: expires)
    }

    /// When the Notify action is due.
    static func notificationDue(_ policy: KeyRotationPolicy, created: Date, expires: Date?) -> Date? {
        guard let t = policy.notifyAction?.trigger else { return nil }
        return due(t, created: created, expires: expires)
    }

    private static func due(_ t: KeyRotationPolicy.Trigger, created: Date, expires: Date?) -> Date? {
        if let text = t.timeAfterCreate, let d = ISODuration(text) { return d.after(created) }
        if let text = t.timeBeforeExpiry, let d = ISODuration(text), let expires { return d.before(expires) }
        return nil
    }

    /// The expiry of a version made by rotation at `now`.
    static func expiry(_ policy: KeyRotationPolicy?, from now: Date) -> Date? {
        policy?.attributes.expiryTime.flatMap(ISODuration.init).map { $0.after(now) }
    }
}
