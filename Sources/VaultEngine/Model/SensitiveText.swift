import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A JSON string of a request that holds secret material (the PEM of a private key to import), kept in wiped
/// memory. The decoder hands it over as a `String`; its UTF-8 is copied into `bytes` and the string's own
/// storage is overwritten at once, so the decoded copy does not wait for the allocator to reuse it.
public struct SensitiveText: Decodable, Sendable, CustomStringConvertible {
    /// The text's UTF-8, wiped when released.
    public let bytes: SecureBytes

    /// Decodes one JSON string.
    /// - Throws: `DecodingError` when the value is not a string.
    public init(from decoder: any Decoder) throws {
        var text = try decoder.singleValueContainer().decode(String.self)
        bytes = SecureBytes(text.utf8)
        SensitiveText.overwrite(&text)
    }

    /// Zeroes the storage of a string the caller alone holds (one a decoder just made), so that its bytes do
    /// not wait in freed memory. `withUTF8` makes the storage native and contiguous first, so it is the
    /// string's own buffer that is wiped; the string is empty afterwards.
    static func overwrite(_ text: inout String) {
        text.withUTF8 { utf8 in
            if let base = utf8.baseAddress, !utf8.isEmpty { explicit_bzero(UnsafeMutableRawPointer(mutating: base), utf8.count) }
        }
        text = ""
    }

    public var description: String { "SensitiveText(\(bytes.count) bytes, redacted)" }
}
