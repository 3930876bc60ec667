import Foundation

/// The limits every seller document is parsed under.
///
/// The defaults fit what sellers really upload (a supplier invoice is a few pages and well under
/// 5 MB; a phone photo is 12–48 megapixels; a price list is a few thousand rows) with room to
/// spare, while keeping one hostile file from taking a service down: a parse runs in its own
/// process with a 1 GiB address space (tesseract needs about 670 MB for a 60-megapixel page), a
/// minute of wall clock, and may write at most 64 MiB of temporary files (rendered pages).
/// Several parses may run at once on a 2-core machine, so these are per parse, not shared.
public struct DocumentLimits: Codable, Sendable, Hashable {
    /// One uploaded file, checked from its size on disk before a byte of it is read.
    public var maxFileBytes: Int
    /// All files of one upload request together.
    public var maxRequestBytes: Int
    public var maxFilesPerRequest: Int
    /// PDF pages; beyond this a document is not an invoice but a catalogue or a book.
    public var maxPages: Int
    /// Wall-clock time for one parse, after which its whole process group is killed.
    public var parseSeconds: Double
    /// Processor time for each process of a parse (RLIMIT_CPU): catches a busy loop even while the
    /// machine is so loaded that the wall clock alone would let it run long.
    public var parseCPUSeconds: Int
    /// Address space of each process of a parse (RLIMIT_AS).
    public var parseMemoryBytes: Int
    /// Largest file a parse may write (RLIMIT_FSIZE), and the most JSON it may print.
    public var parseOutputBytes: Int
    /// Everything an XLSX may unpack to, counted while unpacking, not trusted from its headers.
    public var maxUncompressedBytes: Int
    /// The largest packed-to-unpacked ratio allowed for a spreadsheet part over 1 MiB. Real
    /// sheets pack 5–30×; a zip bomb packs about 1000×.
    public var maxCompressionRatio: Int
    /// Width × height of an image (or a rendered PDF page) given to OCR, read from the image's
    /// header before it is decoded: a 60-megapixel page needs about 670 MB in tesseract.
    public var maxImagePixels: Int
    /// Cells across all tables of one spreadsheet or CSV, counting the empty ones that keep
    /// columns aligned, so a single cell at XFD1048576 cannot ask for 17 billion strings.
    public var maxTableCells: Int

    public init(
        maxFileBytes: Int = 25 * 1_048_576,
        maxRequestBytes: Int = 256 * 1_048_576,
        maxFilesPerRequest: Int = 20,
        maxPages: Int = 50,
        parseSeconds: Double = 60,
        parseCPUSeconds: Int = 120,
        parseMemoryBytes: Int = 1_073_741_824,
        parseOutputBytes: Int = 64 * 1_048_576,
        maxUncompressedBytes: Int = 50 * 1_048_576,
        maxCompressionRatio: Int = 200,
        maxImagePixels: Int = 60_000_000,
        maxTableCells: Int = 2_000_000
    ) {
        self.maxFileBytes = maxFileBytes
        self.maxRequestBytes = maxRequestBytes
        self.maxFilesPerRequest = maxFilesPerRequest
        self.maxPages = maxPages
        self.parseSeconds = parseSeconds
        self.parseCPUSeconds = parseCPUSeconds
        self.parseMemoryBytes = parseMemoryBytes
        self.parseOutputBytes = parseOutputBytes
        self.maxUncompressedBytes = maxUncompressedBytes
        self.maxCompressionRatio = maxCompressionRatio
        self.maxImagePixels = maxImagePixels
        self.maxTableCells = maxTableCells
    }

    public static let standard = DocumentLimits()

    // MARK: Checks made before anything is parsed

    /// Checks one file's size from the file system (stat), without opening or reading it.
    ///
    /// - Returns: The file's size in bytes.
    /// - Throws: `too_large` past ``maxFileBytes``; `malformed` when the path is not a readable
    ///   regular file.
    @discardableResult
    public func checkFileSize(ofFileAt url: URL) throws(DocumentRejection) -> Int {
        var status = stat()
        guard stat(url.path, &status) == 0 else {
            throw DocumentRejection(.malformed, "The uploaded file could not be found on our side; please upload it again.")
        }
        guard (status.st_mode & S_IFMT) == S_IFREG else {
            throw DocumentRejection(.malformed, "The upload is not a regular file; please upload the document itself.")
        }
        let size = Int(status.st_size)
        try checkFileSize(size)
        return size
    }

    /// Checks a size the caller already knows (a Content-Length, a multipart part's length).
    public func checkFileSize(_ byteCount: Int) throws(DocumentRejection) {
        guard byteCount <= maxFileBytes else {
            throw DocumentRejection(.tooLarge, "The file is \(ByteCountText.describe(byteCount)); the limit is \(ByteCountText.describe(maxFileBytes)) per file.")
        }
        guard byteCount > 0 else {
            throw DocumentRejection(.malformed, "The file is empty (0 bytes); please upload the document again.")
        }
    }

    /// Checks a whole upload request: how many files and how many bytes in all.
    public func checkRequest(fileSizes: [Int]) throws(DocumentRejection) {
        guard fileSizes.count <= maxFilesPerRequest else {
            throw DocumentRejection(.tooManyFiles, "The upload has \(fileSizes.count) files; the limit is \(maxFilesPerRequest) files per upload. Please send the rest in another upload.")
        }
        let total = fileSizes.reduce(0, +)
        guard total <= maxRequestBytes else {
            throw DocumentRejection(.tooLarge, "The upload is \(ByteCountText.describe(total)) in all; the limit is \(ByteCountText.describe(maxRequestBytes)) per upload. Please split it into several uploads.")
        }
        for size in fileSizes { try checkFileSize(size) }
    }
}
