import CPangoCairo
import Foundation

/// Draws a `PageCanvas` onto a cairo context whose user space is in points.
struct CanvasPainter {
    let engine: TextEngine

    func draw(_ page: PageCanvas, on cairo: OpaquePointer) throws {
        for element in page.elements {
            switch element {
            case let .text(text):
                drawText(text, on: cairo)
            case let .line(from, to, width, color):
                cairo_save(cairo)
                setColor(color, on: cairo)
                cairo_set_line_width(cairo, width)
                cairo_move_to(cairo, from.x, from.y)
                cairo_line_to(cairo, to.x, to.y)
                cairo_stroke(cairo)
                cairo_restore(cairo)
            case let .rectangle(rect, fill, stroke, lineWidth):
                cairo_save(cairo)
                cairo_rectangle(cairo, rect.x, rect.y, rect.width, rect.height)
                fillAndStroke(fill: fill, stroke: stroke, lineWidth: lineWidth, on: cairo)
                cairo_restore(cairo)
            case let .ellipse(rect, fill, stroke, lineWidth):
                cairo_save(cairo)
                cairo_new_path(cairo)
                cairo_save(cairo)
                cairo_translate(cairo, rect.x + rect.width / 2, rect.y + rect.height / 2)
                cairo_scale(cairo, max(rect.width, 0.01) / 2, max(rect.height, 0.01) / 2)
                cairo_arc(cairo, 0, 0, 1, 0, 2 * Double.pi)
                cairo_restore(cairo)
                fillAndStroke(fill: fill, stroke: stroke, lineWidth: lineWidth, on: cairo)
                cairo_restore(cairo)
            case let .image(image, rect):
                try CairoBridge.withSurface(for: image) { surface in
                    cairo_save(cairo)
                    cairo_translate(cairo, rect.x, rect.y)
                    cairo_scale(cairo, rect.width / Double(image.pixelWidth), rect.height / Double(image.pixelHeight))
                    cairo_set_source_surface(cairo, surface, 0, 0)
                    cairo_pattern_set_filter(cairo_get_source(cairo), CAIRO_FILTER_GOOD)
                    cairo_rectangle(cairo, 0, 0, Double(image.pixelWidth), Double(image.pixelHeight))
                    cairo_fill(cairo)
                    cairo_restore(cairo)
                }
            }
        }
        try CairoBridge.check(cairo_status(cairo), "drawing a page")
    }

    private func drawText(_ text: CanvasText, on cairo: OpaquePointer) {
        engine.withLayout(text.text, style: text.style, width: text.width) { layout in
            setColor(text.style.color, on: cairo)
            if let lines = text.lines {
                TextEngine.drawLines(of: layout, range: lines, x: text.origin.x, y: text.origin.y, on: cairo)
            } else {
                cairo_move_to(cairo, text.origin.x, text.origin.y)
                pango_cairo_show_layout(cairo, layout)
            }
        }
    }

    private func setColor(_ color: RenderColor, on cairo: OpaquePointer) {
        cairo_set_source_rgb(cairo, color.red, color.green, color.blue)
    }

    private func fillAndStroke(fill: RenderColor?, stroke: RenderColor?, lineWidth: Double, on cairo: OpaquePointer) {
        if let fill {
            setColor(fill, on: cairo)
            if stroke != nil { cairo_fill_preserve(cairo) } else { cairo_fill(cairo) }
        }
        if let stroke {
            setColor(stroke, on: cairo)
            cairo_set_line_width(cairo, lineWidth)
            cairo_stroke(cairo)
        }
        cairo_new_path(cairo)
    }
}
