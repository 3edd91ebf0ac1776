import Foundation
import VaultEngine
#if canImport(Glibc)
import Glibc
#endif

/// The protocol every control file speaks (`secrets/.ops`, `keys/.ops`, `certificates/.ops`,
/// `keys/<name>/ops`): a process opens the file, writes one request, and reads the response on the same
/// open file, so two processes never see each other's results.
///
/// A request is one JSON value (an object, or an array for a batch) and may take any number of writes: it is
/// everything written since the last read, so a shell's `printf` of a pretty-printed request, which reaches
/// the file in pieces, is one request. It runs as soon as its closing bracket is written, and the write that
/// completes it reports how it went; white space written after it is ignored, and a new request may follow
/// once the response has been read (or without a read, replacing the response). A read while a request is
/// still incomplete fails with `EINVAL` and drops it. Reads continue the response where the last one stopped.
///
/// Malformed requests fail with `EINVAL` (a write whose bytes cannot start or continue a JSON value, or the
/// completing write when the value is not a request this file takes), a missing right with `EACCES` (the
/// response still says why); every other failure is reported in the response. What a request means is the
/// business of the file's handler.
///
/// Requests and responses may carry secret values (a plaintext to encrypt, a decrypted result): both are
/// wiped once used.
enum ControlProtocol {
    /// The largest request a control file takes, however many writes make it (a batch of about a thousand
    /// operations). Direct I/O hands the kernel's pieces of a larger `write(2)` to kvfs one by one: libfuse's
    /// `max_write` (1 MiB) minus up to a page for an unaligned buffer. Every piece of a write bigger than this
    /// limit but the last is longer than it, so the first piece is refused whole and nothing of it runs.
    static let maxRequest = (1 << 20) - 4096

    /// Adds `data` to the request being written on `handle`; when that completes the request, answers it with
    /// `handler` and keeps the response on `handle`. What the handle holds counts against its caller's `budget`.
    /// - Throws: `EAGAIN` when the caller's control files already hold `budget`'s bytes (nothing is added),
    ///   `EFBIG` for a request over the limit (the rest of it is refused too, up to the next read),
    ///   `EINVAL` for a malformed one, `EACCES` when the caller lacked the right (after keeping the response),
    ///   `EINTR` when the writer was signalled while a long request ran (it stopped; no response is kept).
    /// `caller` is the handle's opener, with the process that wrote the request when that is another one.
    static func write(_ data: UnsafeRawBufferPointer, to handle: OpenHandle, handler: any ControlHandler, as caller: Caller,
                      budget: ControlBudget, in tree: TreeContext, interruption: RequestInterruption = .never) throws -> Int {
        let uid = handle.caller.uid
        let complete = try handle.state.withLock { state throws(FileSystemError) -> ControlRequest? in
            let before = state.controlBytes
            let begun = state.request.isOpen
            // At most: the response before is wiped when this write begins a new request, and every byte is kept.
            let most = before - (begun ? 0 : state.buffer.count) + data.count
            try budget.reserve(uid: uid, growth: most - before)
            defer { budget.adjust(uid: uid, by: state.controlBytes - max(most, before)) }
            let request = try state.request.add(data)
            if !begun, request != nil || state.request.isOpen {
                // A new request: the response to the one before is gone, so it is never read as this one's.
                state.buffer.wipe()
                state.responseCursor = 0
            }
            return request
        }
        guard let request = complete else { return data.count }
        request.interruption = interruption
        let response = try handler.respond(to: request, as: caller, in: tree)
        handle.state.withLock { state in
            let before = state.controlBytes
            state.buffer.replace(with: response.bytes)
            state.responseCursor = 0
            budget.adjust(uid: uid, by: state.controlBytes - before)
        }
        if response.refused { throw FileSystemError(response.refusal) }
        return data.count
    }

    /// The response to the last request written on `handle`, from where the last read stopped.
    /// - Throws: `EINVAL` when a request was begun and not finished (it is dropped).
    static func read(from handle: OpenHandle, size: Int, budget: ControlBudget) throws -> [UInt8] {
        try handle.state.withLock { state throws(FileSystemError) -> [UInt8] in
            let before = state.controlBytes
            let incomplete = state.request.endByRead()
            budget.adjust(uid: handle.caller.uid, by: state.controlBytes - before)
            if incomplete { throw .invalidArgument }
            let start = min(state.responseCursor, state.buffer.count)
            let bytes = state.buffer.read(at: start, size: size)
            state.responseCursor = start + bytes.count
            return bytes
        }
    }
}

/// A control file's request while its writes arrive: the bytes (wiped when done with), and how far the JSON
/// value they hold has come — brackets open outside strings — so that kvfs knows when it is complete without
/// parsing it again on every write.
struct PendingRequest: ~Copyable {
    private var bytes = ValueBuffer()
    /// Brackets open; 0 before the value starts.
    private var depth = 0
    private var inString = false
    private var escaped = false
    /// The request went over the size limit: its remaining writes are refused until the next read.
    private var oversized = false

    /// A value has begun and is not complete.
    var isOpen: Bool { depth > 0 }

    /// The bytes held so far.
    var byteCount: Int { bytes.count }

    /// Adds one write's bytes; returns the request when they complete it.
    /// - Throws: `EFBIG` past `ControlProtocol.maxRequest`; `EINVAL` for bytes that cannot start a JSON object
    ///   or array, or that follow the end of the value in the same write. Either drops the request.
    mutating func add(_ data: UnsafeRawBufferPointer) throws(FileSystemError) -> ControlRequest? {
        if oversized { throw .fileTooLarge }
        guard bytes.count + data.count <= ControlProtocol.maxRequest else {
            reset()
            oversized = true
            throw .fileTooLarge
        }
        var end: Int?
        for (index, byte) in data.enumerated() {
            if let _ = end {
                guard Self.isSpace(byte) else { reset(); throw .invalidArgument }
                continue
            }
            if depth == 0 {
                if Self.isSpace(byte) { continue }
                guard byte == UInt8(ascii: "{") || byte == UInt8(ascii: "[") else { reset(); throw .invalidArgument }
                depth = 1
                continue
            }
            if inString {
                if escaped { escaped = false } else if byte == UInt8(ascii: "\\") { escaped = true } else if byte == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch byte {
            case UInt8(ascii: "\""): inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["): depth += 1
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if depth == 0 { end = index }
            default: break
            }
        }
        guard depth > 0 || end != nil else { return nil }   // white space only, before a value
        bytes.append(contentsOf: data)
        guard end != nil else { return nil }
        let request = bytes.withUnsafeBytes { ControlRequest($0) }
        reset()
        return request
    }

    /// A read ends the request being written: returns whether one was begun and left incomplete (it is dropped).
    mutating func endByRead() -> Bool {
        let incomplete = depth > 0
        reset()
        oversized = false
        return incomplete
    }

    /// Wipes and forgets the request.
    mutating func reset() {
        bytes.wipe()
        depth = 0
        inString = false
        escaped = false
    }

    private static func isSpace(_ byte: UInt8) -> Bool { byte == 0x20 || byte == 0x0a || byte == 0x0d || byte == 0x09 }
}

/// The requests of one control file.
protocol ControlHandler: Sendable {
    /// The response to `request`, written for `caller`.
    /// - Throws: `EINVAL` for a request this file does not take; errors that are not the engine's refusals.
    func respond(to request: ControlRequest, as caller: Caller, in tree: TreeContext) throws -> ControlResponse
}

/// The bytes of one request, wiped when the request is done with.
///
/// `@unchecked Sendable`: the bytes are written once, in `init`, and only read after that; `interruption` is
/// set once, before the request is handed to its handler.
final class ControlRequest: @unchecked Sendable {
    private let bytes: UnsafeMutableRawBufferPointer
    /// Whether the writer's request was interrupted: handlers of long requests (batches) ask between steps.
    var interruption = RequestInterruption.never

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
/// fails with `refusal`: `EACCES`, or `EPERM` for a role a Data Access Administrator may never delegate).
struct ControlResponse {
    var bytes: [UInt8]
    var refused: Bool = false
    var refusal: Int32 = EACCES

    /// `value` as the response.
    static func answer<T: Encodable>(_ value: T) throws -> ControlResponse {
        ControlResponse(bytes: try Rendering.json(value))
    }

    /// Azure's error shape for a refusal of the engine, `{"error": {"code": …, "message": …}}`.
    static func failure(_ error: VaultError) throws -> ControlResponse {
        ControlResponse(bytes: try Rendering.json(KeyOperationResponse.failure(error)),
                        refused: error.code == .accessDenied || error.reason == .roleNotDelegable, refusal: error.reason.errno)
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
