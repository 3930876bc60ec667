import CPangoCairo
import Foundation

/// The placement of one wrapped line inside a text box, in points from the box's top-left.
public struct TextLineBox: Sendable, Hashable {
    /// Left edge of the line (non-zero for centred or right-aligned lines).
    public var x: Double
    public var top: Double
    public var height: Double
    /// The baseline, from the box top.
    public var baseline: Double
    public var width: Double
}

/// The size of a laid-out piece of text.
public struct TextMetrics: Sendable, Hashable {
    /// The width of the widest line.
    public var width: Double
    public var height: Double
    public var lines: [TextLineBox]

    /// The height of lines `range` when drawn on their own (a paragraph fragment).
    public func height(ofLines range: Range<Int>) -> Double {
        guard let first = range.first, range.upperBound <= lines.count, !range.isEmpty else { return 0 }
        let last = lines[range.upperBound - 1]
        return last.top + last.height - lines[first].top
    }
}

/// A Pango context over a private cairo font map, set up so that text measures the same at any
/// scale: hinting of metrics and rounding of glyph positions are off, sizes are absolute (user
/// units are points). The flow layout measures with one; each render draws with another attached
/// to its cairo context, and both break lines in exactly the same places.
///
/// Not `Sendable`: Pango objects belong to the thread that uses them. Make one per render.
final class TextEngine {
    private let fontMap: UnsafeMutablePointer<PangoFontMap>
    private let context: OpaquePointer

    init() {
        // A private font map rather than the per-thread default: nothing cached by an earlier
        // render on the same thread can influence this one.
        fontMap = UnsafeMutableRawPointer(pango_cairo_font_map_new()!).assumingMemoryBound(to: PangoFontMap.self)
        context = pango_font_map_create_context(fontMap)
        pango_cairo_context_set_resolution(context, 72)
        let options = cairo_font_options_create()
        cairo_font_options_set_hint_style(options, CAIRO_HINT_STYLE_NONE)
        cairo_font_options_set_hint_metrics(options, CAIRO_HINT_METRICS_OFF)
        cairo_font_options_set_antialias(options, CAIRO_ANTIALIAS_GRAY)
        pango_cairo_context_set_font_options(context, options)
        cairo_font_options_destroy(options)
        pango_context_set_round_glyph_positions(context, 0)
    }

    deinit {
        g_object_unref(UnsafeMutableRawPointer(context))
        g_object_unref(UnsafeMutableRawPointer(fontMap))
    }

    /// Takes the cairo context's transformation, so glyphs are chosen for the device scale.
    func attach(to cairo: OpaquePointer) {
        pango_cairo_update_context(cairo, context)
    }

    /// A layout of the text in the style, wrapped at `width` points when given. Call `body` with it.
    func withLayout<T>(_ text: RichText, style: TextStyle, width: Double?, _ body: (OpaquePointer) throws -> T) rethrows -> T {
        let layout = pango_layout_new(context)!
        defer { g_object_unref(UnsafeMutableRawPointer(layout)) }

        let description = pango_font_description_new()
        pango_font_description_set_family(description, style.family.rawValue)
        pango_font_description_set_absolute_size(description, style.size * Double(PANGO_SCALE))
        pango_font_description_set_weight(description, style.bold ? PANGO_WEIGHT_BOLD : PANGO_WEIGHT_NORMAL)
        pango_font_description_set_style(description, style.italic ? PANGO_STYLE_ITALIC : PANGO_STYLE_NORMAL)
        pango_layout_set_font_description(layout, description)
        pango_font_description_free(description)

        if let width {
            pango_layout_set_width(layout, Int32((max(width, 1) * Double(PANGO_SCALE)).rounded()))
            pango_layout_set_wrap(layout, PANGO_WRAP_WORD_CHAR)
            switch style.alignment {
            case .left: pango_layout_set_alignment(layout, PANGO_ALIGN_LEFT)
            case .center: pango_layout_set_alignment(layout, PANGO_ALIGN_CENTER)
            case .right: pango_layout_set_alignment(layout, PANGO_ALIGN_RIGHT)
            }
        }
        if style.lineSpacing != 0 {
            pango_layout_set_spacing(layout, Int32((style.lineSpacing * Double(PANGO_SCALE)).rounded()))
        }

        // The text is set literally (never as markup); each run's weight and slant become
        // attribute ranges over UTF-8 byte offsets.
        var bytes: [UInt8] = []
        let attributes = pango_attr_list_new()
        for run in text.runs {
            let start = UInt32(bytes.count)
            bytes.append(contentsOf: Self.printable(run.text).utf8)
            let end = UInt32(bytes.count)
            guard end > start else { continue }
            if run.bold, let attribute = pango_attr_weight_new(PANGO_WEIGHT_BOLD) {
                attribute.pointee.start_index = start
                attribute.pointee.end_index = end
                pango_attr_list_insert(attributes, attribute)
            }
            if run.italic, let attribute = pango_attr_style_new(PANGO_STYLE_ITALIC) {
                attribute.pointee.start_index = start
                attribute.pointee.end_index = end
                pango_attr_list_insert(attributes, attribute)
            }
        }
        bytes.append(0)
        bytes.withUnsafeBufferPointer { buffer in
            buffer.withMemoryRebound(to: CChar.self) { characters in
                pango_layout_set_text(layout, characters.baseAddress, Int32(characters.count - 1))
            }
        }
        pango_layout_set_attributes(layout, attributes)
        pango_attr_list_unref(attributes)
        return try body(layout)
    }

    /// The size and line boxes of the text.
    func measure(_ text: RichText, style: TextStyle, width: Double?) -> TextMetrics {
        withLayout(text, style: style, width: width) { layout in Self.metrics(of: layout) }
    }

    static func metrics(of layout: OpaquePointer) -> TextMetrics {
        let scale = Double(PANGO_SCALE)
        var lines: [TextLineBox] = []
        let iterator = pango_layout_get_iter(layout)!
        defer { pango_layout_iter_free(iterator) }
        repeat {
            var ink = PangoRectangle()
            var logical = PangoRectangle()
            pango_layout_iter_get_line_extents(iterator, &ink, &logical)
            let baseline = pango_layout_iter_get_baseline(iterator)
            lines.append(TextLineBox(x: Double(logical.x) / scale, top: Double(logical.y) / scale,
                                     height: Double(logical.height) / scale, baseline: Double(baseline) / scale,
                                     width: Double(logical.width) / scale))
        } while pango_layout_iter_next_line(iterator) != 0
        var width: Int32 = 0
        var height: Int32 = 0
        pango_layout_get_size(layout, &width, &height)
        return TextMetrics(width: Double(width) / scale, height: Double(height) / scale, lines: lines)
    }

    /// Draws the layout's lines `range` with the first line's top at (`x`, `y`).
    static func drawLines(of layout: OpaquePointer, range: Range<Int>, x: Double, y: Double, on cairo: OpaquePointer) {
        let scale = Double(PANGO_SCALE)
        let iterator = pango_layout_get_iter(layout)!
        defer { pango_layout_iter_free(iterator) }
        var index = 0
        var firstTop: Double?
        repeat {
            if range.contains(index) {
                var ink = PangoRectangle()
                var logical = PangoRectangle()
                pango_layout_iter_get_line_extents(iterator, &ink, &logical)
                let top = firstTop ?? Double(logical.y) / scale
                firstTop = top
                let baseline = Double(pango_layout_iter_get_baseline(iterator)) / scale
                if let line = pango_layout_iter_get_line_readonly(iterator) {
                    cairo_move_to(cairo, x + Double(logical.x) / scale, y + baseline - top)
                    pango_cairo_show_layout_line(cairo, line)
                }
            }
            index += 1
        } while index < range.upperBound && pango_layout_iter_next_line(iterator) != 0
    }

    /// Text Pango can lay out: C0 controls other than tab and newline (NUL would end the string
    /// early) become spaces. Byte offsets of runs are taken after this, so they stay consistent.
    static func printable(_ text: String) -> String {
        guard text.unicodeScalars.contains(where: { $0.value < 0x20 && $0 != "\n" && $0 != "\t" || $0.value == 0x7F }) else { return text }
        var scalars = String.UnicodeScalarView()
        for scalar in text.unicodeScalars {
            scalars.append(scalar.value < 0x20 && scalar != "\n" && scalar != "\t" || scalar.value == 0x7F ? " " : scalar)
        }
        return String(scalars)
    }
}

/// Measures text the way a render will draw it, for layouts that place text by hand (sample
/// invoices): how tall a wrapped description is, how wide a label.
///
/// Not `Sendable`: make one per thread or per render.
public final class TextMeasurer {
    let engine = TextEngine()

    public init() {}

    /// The size and line boxes of `text` in `style`, wrapped at `width` points when given.
    public func measure(_ text: RichText, style: TextStyle = .body, width: Double? = nil) -> TextMetrics {
        engine.measure(text, style: style, width: width)
    }
}
