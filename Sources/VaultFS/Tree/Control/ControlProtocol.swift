import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The protocol every control file speaks (`secrets/.ops`, `keys/.ops`, `certificates/.ops`,
/// `keys/<name>/ops`): a process opens the file, writes one request, and reads the response on the same
/// open file, so two processes never see each other's results. Each write is one whole request; its
/// response replaces the one before, and reads continue where the last one stopped. Malformed requests
/// fail the write with `EINVAL`, a missing right with `EACCES` (the response still says why); every other
/// failure is reported in the response. What a request means is the business of the file's handler.
///
/// Requests and responses may carry secret values (a plaintext to encrypt, a decrypted result): both are
/// wiped once used.
enum ControlProtocol {
    /// The largest request a control file takes in one write (a batch of about a thousand operations).
    /// Direct I/O hands the kernel's pieces of a larger `write(2)` to kvfs one by one: libfuse's `max_write`
    /// (1 MiB) minus up to a page for an unaligned buffer. Every piece of a write bigger than this limit but
    /// the last is at least this long, so the first piece is refused whole and nothing of it runs.
    static let maxRequest = (1 << 20) - 4096

    /// Answers the request in `data` with `handler` and keeps the response on `handle`.
    /// - Throws: `EFBIG` for a request over the limit, `EINVAL` for a malformed one, `EACCES` when the caller
    ///   lacked the right (after keeping the response).
    static func write(_ data: UnsafeRawBufferPointer, to handle: OpenHandle, handler: any ControlHandler,
                      in tree: TreeContext) throws -> Int {
        guard data.count <= maxRequest else { throw FileSystemError.fileTooLarge }
        let request = ControlRequest(data)
        let response = try handler.respond(to: request, as: handle.caller, in: tree)
        handle.state.withLock { state in
            state.buffer.replace(with: response.bytes)
            state.responseCursor = 0
        }
        if response.refused { throw FileSystemError.accessDenied }
        return data.count
    }

    /// The response to the last request written on `handle`, from where the last read stopped.
    static func read(from handle: OpenHandle, size: Int) -> [UInt8] {
        handle.state.withLock { state in
            let start = min(state.responseCursor, state.buffer.count)
            let bytes = state.buffer.read(at: start, size: size)
            state.responseCursor = start + bytes.count
            return bytes
        }
    }
}

/// The requests of one control file.
protocol ControlHandler: Sendable {
    /// The response to `request`, written for `caller`.
    /// - Throws: `EINVAL` for a request this file does not take; errors that are not the engine's refusals.
    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse
}

/// The bytes of one request, wiped when the request is done with.
final class ControlRequest {
    private let bytes: UnsafeMutableRawBufferPointer

    init(_ data: UnsafeRawBufferPointer) {
        bytes = .allocate(byteCount: max(data.count, 1), alignment: 1)
        UnsafeMutableRawBufferPointer(rebasing: bytes[0..<data.count]).copyMemory(from: data)
        count = data.count
    }

    deinit {
        if let base = bytes.baseAddress { explicit_bzero(base, bytes.count) }
        bytes.deallocate()
    }

    let count: Int

    /// The first byte that is not white space: `{` for one request, `[` for a batch.
    var firstNonSpace: UInt8? {
        UnsafeRawBufferPointer(rebasing: bytes[0..<count]).first { $0 != 0x20 && $0 != 0x0a && $0 != 0x0d && $0 != 0x09 }
    }

    /// The request decoded as JSON, `nil` when it is not a `T`. Decoded in place, without a copy.
    func decode<T: Decodable>(_ type: T.Type) -> T? {
        guard let base = bytes.baseAddress else { return nil }
        let data = Data(bytesNoCopy: base, count: count, deallocator: .none)
        return try? JSONDecoder().decode(type, from: data)
    }
}

/// A control file's answer: the bytes read back, and whether the caller lacked the right (the write then
/// fails with `EACCES`).
struct ControlResponse {
    var bytes: [UInt8]
    var refused: Bool = false

    /// `value` as the response.
    static func answer<T: Encodable>(_ value: T) throws -> ControlResponse {
        ControlResponse(bytes: try Rendering.json(value))
    }

    /// Azure's error shape for a refusal of the engine, `{"error": {"code": …, "message": …}}`.
    static func failure(_ error: VaultError) throws -> ControlResponse {
        ControlResponse(bytes: try Rendering.json(KeyOperationResponse.failure(error)), refused: error.code == .accessDenied)
    }

    /// The response `body` makes, or its engine refusal reported as the response.
    static func reporting(_ body: () throws -> ControlResponse) throws -> ControlResponse {
        do {
            return try body()
        } catch let error as VaultError {
            return try failure(error)
        }
    }
}
