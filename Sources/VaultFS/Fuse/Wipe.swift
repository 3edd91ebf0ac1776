import Foundation
#if canImport(Glibc)
import Glibc
#endif

// Bytes that may hold secret values (file contents, control-file requests and responses) are zeroed before
// their memory is given back. `explicit_bzero` is glibc's store that the optimizer may not drop; the engine
// wipes its own buffers the same way (OPENSSL_cleanse), but the bridge does not import the engine.

extension Array where Element == UInt8 {
    /// Zeroes the bytes in place and empties the array. Wipes this array's storage only when it is the sole
    /// owner of it; a shared buffer would be copied first, so call it on arrays no one else holds.
    mutating func wipe() {
        withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
        removeAll()
    }
}

extension Data {
    /// Zeroes the bytes in place and empties the value (the same caveat as `Array.wipe()`).
    mutating func wipe() {
        withUnsafeMutableBytes { if let base = $0.baseAddress { explicit_bzero(base, $0.count) } }
        removeAll()
    }
}
