import Foundation

/// Azure's KeyRotationPolicy: when a key rotates by itself, when its coming expiry is announced, and how long
/// the versions rotation makes are valid. JSON as the REST API and `az keyvault key rotation-policy update
/// --value` take it: `{"lifetimeActions": [{"trigger": {"timeAfterCreate": "P90D"}, "action": {"type":
/// "Rotate"}}], "attributes": {"expiryTime": "P1Y"}}` (durations in ISO 8601: years, months, days).
public struct KeyRotationPolicy: Codable, Sendable, Equatable {
    public var lifetimeActions: [LifetimeAction]
    public var attributes: Attributes

    public struct LifetimeAction: Codable, Sendable, Equatable {
        public var trigger: Trigger
        public var action: Action

        public init(trigger: Trigger, action: Action) {
            self.trigger = trigger
            self.action = action
        }
    }

    /// Exactly one of the two, an ISO 8601 duration.
    public struct Trigger: Codable, Sendable, Equatable {
        public var timeAfterCreate: String?
        public var timeBeforeExpiry: String?

        public init(timeAfterCreate: String? = nil, timeBeforeExpiry: String? = nil) {
            self.timeAfterCreate = timeAfterCreate
            self.timeBeforeExpiry = timeBeforeExpiry
        }
    }

    /// `Rotate` or `Notify` (case-insensitive, as Azure).
    public struct Action: Codable, Sendable, Equatable {
        public var type: String
        public init(type: String) { self.type = type }
        public var isRotate: Bool { type.lowercased() == "rotate" }
        public var isNotify: Bool { type.lowercased() == "notify" }
    }

    public struct Attributes: Codable, Sendable, Equatable {
        /// How long a version made by rotation is valid (ISO 8601 duration, at least 28 days).
        public var expiryTime: String?
        public init(expiryTime: String? = nil) { self.expiryTime = expiryTime }
    }

    public init(lifetimeActions: [LifetimeAction] = [], expiryTime: String? = nil) {
        self.lifetimeActions = lifetimeActions
        self.attributes = Attributes(expiryTime: expiryTime)
    }

    enum CodingKeys: String, CodingKey { case lifetimeActions, attributes, id }

    /// Decodes the REST shape; `id` and the attributes' `created`/`updated` (a policy read back) are ignored.
    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        lifetimeActions = try c.decodeIfPresent([LifetimeAction].self, forKey: .lifetimeActions) ?? []
        attributes = try c.decodeIfPresent(Attributes.self, forKey: .attributes) ?? Attributes()
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(lifetimeActions, forKey: .lifetimeActions)
        try c.encode(attributes, forKey: .attributes)
    }

    public var rotateAction: LifetimeAction? { lifetimeActions.first { $0.action.isRotate } }
    public var notifyAction: LifetimeAction? { lifetimeActions.first { $0.action.isNotify } }
}

/// A key's rotation policy as the engine answers it: the policy, its id and when it was set (nil dates: never
/// set, the empty policy).
public struct KeyRotationPolicyBundle: Sendable, Equatable {
    /// `https://<vault>.<dns-suffix>/keys/<name>/rotationpolicy`.
    public var id: String
    public var policy: KeyRotationPolicy
    public var created: Date?
    public var updated: Date?
}

/// An ISO 8601 duration of years, months and days (`P1Y`, `P18M`, `P90D`, `P1Y6M`), as rotation policies use.
struct ISODuration: Equatable {
    var years = 0, months = 0, days = 0

    init?(_ text: String) {
        var rest = Substring(text.uppercased())
        guard rest.first == "P", rest.count > 1 else { return nil }
        rest = rest.dropFirst()
        var seen: [Character] = []
        while !rest.isEmpty {
            let digits = rest.prefix(while: \.isNumber)
            guard !digits.isEmpty, digits.count <= 5, let n = Int(digits) else { return nil }
            rest = rest.dropFirst(digits.count)
            guard let unit = rest.first, "YMD".contains(unit), !seen.contains(unit),
                  seen.allSatisfy({ "YMD".firstIndex(of: $0)! < "YMD".firstIndex(of: unit)! }) else { return nil }
            seen.append(unit)
            rest = rest.dropFirst()
            switch unit {
            case "Y": years = n
            case "M": months = n
            default: days = n
            }
        }
    }

    private static let calendar: Calendar = {
        var c = Calendar(identifier: .gregorian)
        c.timeZone = TimeZone(identifier: "UTC")!
        return c
    }()

    func after(_ date: Date) -> Date {
        ISODuration.calendar.date(byAdding: DateComponents(year: years, month: months, day: days), to: date) ?? date
    }

    func before(_ date: Date) -> Date {
        ISODuration.calendar.date(byAdding: DateComponents(year: -years, month: -months, day: -days), to: date) ?? date
    }

    /// Whether the duration is at least `days` days long (measured from a fixed date, so months count as their days).
    func isAtLeast(days minimum: Int) -> Bool {
        let start = Date(timeIntervalSince1970: 0)
        return after(start).timeIntervalSince(start) >= Double(minimum) * 86_400
    }
}
