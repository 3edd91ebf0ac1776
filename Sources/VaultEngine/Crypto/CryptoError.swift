import COpenSSL

/// A failure inside OpenSSL, with the library's own reason text (never any key or plaintext).
public struct CryptoError: Error, Sendable, CustomStringConvertible {
    /// What kvfs was doing.
    public var operation: String
    /// OpenSSL's error queue, drained when the error was made.
    public var reason: String

    init(_ operation: String) {
        self.operation = operation
        var reasons: [String] = []
        while case let code = ERR_get_error(), code != 0 {
            var buffer = [CChar](repeating: 0, count: 256)
            ERR_error_string_n(code, &buffer, buffer.count)
            reasons.append(String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self))
        }
        self.reason = reasons.isEmpty ? "no detail from OpenSSL" : reasons.joined(separator: "; ")
    }

    public var description: String { "\(operation) failed: \(reason)" }
}

/// Throws a `CryptoError` unless OpenSSL reported success (1).
@inline(__always)
func check(_ result: Int32, _ operation: @autoclosure () -> String) throws {
    if result != 1 { throw CryptoError(operation()) }
}
