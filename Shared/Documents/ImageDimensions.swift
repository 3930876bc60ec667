import Foundation

/// Width and height of each frame of an image, read from its header without decoding a pixel, so
/// a 30000×30000 "invoice" is refused before OCR tries to allocate 900 megapixels.
package struct ImageDimensions: Sendable, Hashable {
    package var width: Int
    package var height: Int

    package var pixels: Int { width.multipliedReportingOverflow(by: height).overflow ? .max : width * height }

    /// One entry per frame (TIFF pages); a single entry for PNG, JPEG and HEIC.
    package static func frames(ofFileAt url: URL, kind: DocumentKind) throws(DocumentRejection) -> [ImageDimensions] {
        let bytes: Data
        do {
            // Headers sit at the start except TIFF's directories, which may be anywhere: TIFF
            // needs the file, which the size limit keeps at 25 MB.
            bytes = try Data(contentsOf: url, options: .alwaysMapped)
        } catch {
            throw DocumentRejection(.malformed, "The image could not be read.")
        }
        let reader = ByteReader(bytes: bytes)
        let frames: [ImageDimensions]?
        switch kind {
        case .png: frames = reader.pngDimensions().map { [$0] }
        case .jpeg: frames = reader.jpegDimensions().map { [$0] }
        case .tiff: frames = reader.tiffFrameDimensions()
        case .heic: frames = reader.heifDimensions().map { [$0] }
        case .pdf, .xlsx, .csv: frames = nil
        }
        guard let frames, !frames.isEmpty, frames.allSatisfy({ $0.width > 0 && $0.height > 0 }) else {
            throw DocumentRejection(.malformed, "The file starts like \(kind.displayName) but its header is damaged, so its size cannot be read. Please export the image again.")
        }
        return frames
    }
}

/// Big- and little-endian reads over a byte buffer that answer nil past the end instead of trapping.
private struct ByteReader {
    let bytes: Data

    func byte(_ offset: Int) -> Int? {
        guard offset >= 0, offset < bytes.count else { return nil }
        return Int(bytes[bytes.startIndex + offset])
    }

    func uint16(_ offset: Int, littleEndian: Bool = false) -> Int? {
        guard let a = byte(offset), let b = byte(offset + 1) else { return nil }
        return littleEndian ? b << 8 | a : a << 8 | b
    }

    func uint32(_ offset: Int, littleEndian: Bool = false) -> Int? {
        guard let high = uint16(offset, littleEndian: littleEndian), let low = uint16(offset + 2, littleEndian: littleEndian) else { return nil }
        return littleEndian ? low << 16 | high : high << 16 | low
    }

    // MARK: PNG: the IHDR chunk always comes first.

    func pngDimensions() -> ImageDimensions? {
        guard let width = uint32(16), let height = uint32(20) else { return nil }
        return ImageDimensions(width: width, height: height)
    }

    // MARK: JPEG: walk the markers to the first start-of-frame.

    func jpegDimensions() -> ImageDimensions? {
        var offset = 2
        while let marker = byte(offset), marker == 0xFF, let type = byte(offset + 1) {
            // Fill bytes (FF FF ...) may pad between markers.
            if type == 0xFF { offset += 1; continue }
            // Markers without a length: TEM and restart markers.
            if type == 0x01 || (0xD0...0xD7).contains(type) { offset += 2; continue }
            guard let length = uint16(offset + 2), length >= 2 else { return nil }
            // SOF0–SOF15, except DHT (C4), JPG (C8) and DAC (CC), which share the range.
            if (0xC0...0xCF).contains(type) && ![0xC4, 0xC8, 0xCC].contains(type) {
                guard let height = uint16(offset + 5), let width = uint16(offset + 7) else { return nil }
                return ImageDimensions(width: width, height: height)
            }
            if type == 0xDA || type == 0xD9 { return nil }
            offset += 2 + length
        }
        return nil
    }

    // MARK: TIFF: one image file directory (IFD) per page, chained by offsets.

    func tiffFrameDimensions() -> [ImageDimensions]? {
        let littleEndian = byte(0) == 0x49
        guard var directoryOffset = uint32(4, littleEndian: littleEndian) else { return nil }
        var frames: [ImageDimensions] = []
        var visited = Set<Int>()
        // A loop in the chain (a hostile file) would never end: each directory is read once.
        while directoryOffset != 0, visited.insert(directoryOffset).inserted {
            guard let entryCount = uint16(directoryOffset, littleEndian: littleEndian) else { return nil }
            var width: Int?
            var height: Int?
            for entry in 0..<entryCount {
                let entryOffset = directoryOffset + 2 + entry * 12
                guard let tag = uint16(entryOffset, littleEndian: littleEndian),
                      let type = uint16(entryOffset + 2, littleEndian: littleEndian) else { return nil }
                guard tag == 256 || tag == 257 else { continue }
                // SHORT (3) values sit in the first 2 bytes of the value field, LONG (4) in all 4.
                let value = type == 3 ? uint16(entryOffset + 8, littleEndian: littleEndian) : uint32(entryOffset + 8, littleEndian: littleEndian)
                if tag == 256 { width = value } else { height = value }
            }
            guard let width, let height else { return nil }
            frames.append(ImageDimensions(width: width, height: height))
            guard let next = uint32(directoryOffset + 2 + entryCount * 12, littleEndian: littleEndian) else { return nil }
            directoryOffset = next
        }
        return frames
    }

    // MARK: HEIF: the largest `ispe` (image spatial extents) property.

    /// A phone's HEIC is a grid of 512×512 tiles plus the grid image; the largest `ispe` is the
    /// whole picture. The properties live in the `meta` box near the start of the file.
    func heifDimensions() -> ImageDimensions? {
        let marker = Array("ispe".utf8)
        var largest: ImageDimensions?
        let searchEnd = min(bytes.count, 1_048_576) - 16
        guard searchEnd > 4 else { return nil }
        var offset = 4
        while offset < searchEnd {
            if byte(offset) == Int(marker[0]), byte(offset + 1) == Int(marker[1]),
               byte(offset + 2) == Int(marker[2]), byte(offset + 3) == Int(marker[3]),
               let width = uint32(offset + 8), let height = uint32(offset + 12) {
                let candidate = ImageDimensions(width: width, height: height)
                if candidate.pixels > (largest?.pixels ?? 0) { largest = candidate }
            }
            offset += 1
        }
        return largest
    }
}
