import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Peak resident memory: this process's (VmHWM, which a phase resets) and its children's.
enum ProcessMemory {
    /// Peak resident memory of this process since the last ``resetPeak()``, in MiB; nil where
    /// /proc is not readable.
    static func peakMebibytes() -> Double? {
        guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
              let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
              let kibibytes = line.split(separator: " ").dropFirst().first.flatMap({ Double($0) }) else { return nil }
        return kibibytes / 1024
    }

    /// Resets VmHWM to the current resident memory (writing 5 to clear_refs, Linux 4.0 and later),
    /// so each phase reports its own peak rather than the corpus generation's.
    static func resetPeak() {
        try? "5".write(toFile: "/proc/self/clear_refs", atomically: false, encoding: .utf8)
    }

    /// The largest peak resident memory of any child process waited for so far (the parsers,
    /// tesseract, pdftotext), in MiB: the kernel keeps only the maximum, never per phase.
    static func largestChildMebibytes() -> Double {
        var usage = rusage()
        getrusage(RUSAGE_CHILDREN.rawValue, &usage)
        return Double(usage.ru_maxrss) / 1024
    }
}
