import Foundation
import Synchronization

/// Where the engine learns the time. Injected so retention, expiry and automatic purge are testable.
public protocol VaultClock: Sendable {
    /// The current time.
    func now() -> Date
}

/// The system's wall clock.
public struct SystemClock: VaultClock {
    public init() {}
    public func now() -> Date { Date() }
}

/// A clock that stands still until moved; for tests and benchmarks.
public final class ManualClock: VaultClock {
    private let current: Mutex<Date>

    /// Starts at `start` (by default, now rounded down to the second).
    public init(_ start: Date = Date(timeIntervalSince1970: Date().timeIntervalSince1970.rounded(.down))) {
        current = Mutex(start)
    }

    public func now() -> Date { current.withLock { $0 } }

    /// Moves the clock forward by `interval` seconds.
    public func advance(by interval: TimeInterval) { current.withLock { $0 += interval } }

    /// Moves the clock forward by whole days.
    public func advance(days: Int) { advance(by: TimeInterval(days) * 86_400) }
}
