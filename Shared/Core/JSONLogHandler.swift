import Foundation
import Logging

/// The sixteen lower-case hex digits as bytes, built once: log lines and request ids spell bytes
/// with them on every call.
public enum HexDigits {
    public static let lowercase: [UInt8] = Array("0123456789abcdef".utf8)

    /// The value of one ASCII hex digit, either case, or nil for any other byte.
    @inlinable
    public static func value(of byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }
}

/// Writes each log entry as one JSON object per line on standard output, the shape log
/// collectors ingest without parsing rules. Values that look like secrets never reach it: the
/// code logs ids and reasons, not tokens.
///
/// The line is built by hand rather than with `JSONSerialization`: its `.sortedKeys` compares keys
/// with ICU's collator, which loads several megabytes of ICU code and data into every service
/// for the sake of a log line, and costs far more per line than the few bytes it writes.
public struct JSONLogHandler: LogHandler {
    public var metadata: Logger.Metadata = [:]
    public var logLevel: Logger.Level
    /// Metadata taken from the task at each call: the current trace and span ids when tracing is on.
    public var metadataProvider: Logger.MetadataProvider?
    private let label: String
    private let service: String

    public init(label: String, service: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        self.label = label
        self.service = service
        self.logLevel = level
        self.metadataProvider = metadataProvider
    }

    public subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    public func log(event: LogEvent) {
        var line = Self.line(timestamp: Self.timestamp(), level: event.level, service: service, logger: label,
                             message: "\(event.message)", metadata: metadata(merging: event.metadata))
        line.append(0x0A)
        line.withUnsafeBytes { bytes in
            var offset = 0
            while offset < bytes.count {
                let written = write(STDOUT_FILENO, bytes.baseAddress! + offset, bytes.count - offset)
                if written < 0, errno == EINTR { continue }
                guard written > 0 else { return }  // stdout closed or full: a log line is not worth blocking for
                offset += written
            }
        }
    }

    /// The handler's metadata, then the provider's (the current trace), then the call's own.
    public func metadata(merging callMetadata: Logger.Metadata?) -> Logger.Metadata {
        var merged = metadata
        if let provided = metadataProvider?.get(), !provided.isEmpty { merged.merge(provided) { $1 } }
        if let callMetadata { merged.merge(callMetadata) { $1 } }
        return merged
    }

    /// One entry as a JSON object with its keys in byte order; the fixed fields win over metadata
    /// that reuses their names.
    public static func line(timestamp: String, level: Logger.Level, service: String, logger: String, message: String,
                     metadata: Logger.Metadata) -> [UInt8] {
        var fields: [(String, String)] = [("ts", timestamp), ("level", level.rawValue), ("service", service), ("logger", logger),
                                          ("msg", message)]
        for (key, value) in metadata where !fields.contains(where: { $0.0 == key }) {
            fields.append((key, "\(value)"))
        }
        fields.sort { $0.0 < $1.0 }
        var output: [UInt8] = [UInt8(ascii: "{")]
        output.reserveCapacity(256)
        for (index, (key, value)) in fields.enumerated() {
            if index > 0 { output.append(UInt8(ascii: ",")) }
            appendString(key, to: &output)
            output.append(UInt8(ascii: ":"))
            appendString(value, to: &output)
        }
        output.append(UInt8(ascii: "}"))
        return output
    }

    /// A JSON string literal (RFC 8259): quote, backslash and control characters escaped, the rest
    /// as UTF-8.
    static func appendString(_ text: String, to output: inout [UInt8]) {
        let hex = HexDigits.lowercase
        output.append(UInt8(ascii: "\""))
        for byte in text.utf8 {
            switch byte {
            case UInt8(ascii: "\""): output.append(contentsOf: [0x5C, 0x22])
            case UInt8(ascii: "\\"): output.append(contentsOf: [0x5C, 0x5C])
            case 0x0A: output.append(contentsOf: [0x5C, UInt8(ascii: "n")])
            case 0x0D: output.append(contentsOf: [0x5C, UInt8(ascii: "r")])
            case 0x09: output.append(contentsOf: [0x5C, UInt8(ascii: "t")])
            case 0x00..<0x20:
                output.append(contentsOf: [0x5C, UInt8(ascii: "u"), 0x30, 0x30, hex[Int(byte >> 4)], hex[Int(byte & 0x0F)]])
            default: output.append(byte)
            }
        }
        output.append(UInt8(ascii: "\""))
    }

    /// UTC, to the millisecond: `2026-11-22T19:00:55.575Z`.
    public static func timestamp() -> String {
        var now = timespec()
        clock_gettime(CLOCK_REALTIME, &now)
        var seconds = now.tv_sec
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func digits(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        return digits(parts.tm_year + 1900, 4) + "-" + digits(parts.tm_mon + 1, 2) + "-" + digits(parts.tm_mday, 2) + "T"
            + digits(parts.tm_hour, 2) + ":" + digits(parts.tm_min, 2) + ":" + digits(parts.tm_sec, 2) + "."
            + digits(Int32(now.tv_nsec / 1_000_000), 3) + "Z"
    }

    /// Installs this handler for the whole process; call once, from the executable.
    public static func bootstrap(service: String, level: Logger.Level, metadataProvider: Logger.MetadataProvider? = nil) {
        LoggingSystem.bootstrap({ label, provider in
            JSONLogHandler(label: label, service: service, level: level, metadataProvider: provider)
        }, metadataProvider: metadataProvider)
    }
}
