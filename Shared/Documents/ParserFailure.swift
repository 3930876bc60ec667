import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Why a process of a parse (the parser itself, or a tool it ran) ended without an answer, told
/// from how it ended: the limit signals (SIGXCPU, SIGXFSZ), an allocation failure in its error
/// output (RLIMIT_AS makes malloc fail rather than the kernel kill), or a plain crash.
package struct ParserFailure {
    package var outcome: BoundedProcess.Outcome
    package var limits: DocumentLimits
    /// Who failed, for the message: "our document reader", "the OCR engine".
    package var subject: String

    package init(outcome: BoundedProcess.Outcome, limits: DocumentLimits, subject: String) {
        self.outcome = outcome
        self.limits = limits
        self.subject = subject
    }

    /// Error-output phrases of a failed allocation: Swift ("Could not allocate memory"), glibc and
    /// libpng ("Out of memory"), leptonica ("pixdata_malloc fail"), C++ ("std::bad_alloc"),
    /// the dynamic loader ("failed to map segment").
    static let memoryFailureMarkers = ["alloc", "out of memory", "not enough memory", "cannot map", "failed to map", "mmap"]

    package var isMemoryFailure: Bool {
        let errorText = outcome.errorText.lowercased()
        // SIGKILL that we did not send comes from the kernel's OOM killer.
        return outcome.signal == SIGKILL || Self.memoryFailureMarkers.contains { errorText.contains($0) }
    }

    package var rejection: DocumentRejection {
        if outcome.timedOut {
            return DocumentRejection(.timedOut, "Reading the document took longer than \(DocumentParsing.seconds(limits.parseSeconds)), the limit. Please upload a smaller or simpler file.")
        }
        if outcome.signal == SIGXCPU {
            return DocumentRejection(.timedOut, "Reading the document used more than \(DocumentParsing.seconds(Double(limits.parseCPUSeconds))) of processor time, the limit. Please upload a smaller or simpler file, for example only the invoice pages.")
        }
        if outcome.signal == SIGXFSZ || outcome.outputOverflowed {
            return DocumentRejection(.tooLarge, "Reading the document needed more than \(ByteCountText.describe(limits.parseOutputBytes)) of working space, the limit. Please upload a smaller file or fewer pages.")
        }
        if isMemoryFailure {
            return DocumentRejection(.outOfMemory, "Reading the document needed more than \(ByteCountText.describe(limits.parseMemoryBytes)) of memory, the limit. Please upload a smaller image or fewer pages, or a PDF exported from the original program instead of a scan.")
        }
        let ending = outcome.signal.map { "stopped by signal \($0)" } ?? {
            if case .exited(let code) = outcome.status { return "exit code \(code)" }
            return "an unknown ending"
        }()
        return DocumentRejection(.malformed, "The document made \(subject) stop unexpectedly (\(ending)); it may be damaged. Please export or scan it again and upload the new file.")
    }
}
