/// Why a render failed.
public enum RenderError: Error, Sendable, Hashable, CustomStringConvertible {
    /// cairo reported an error status for an operation.
    case cairo(operation: String, status: String)
    /// Image bytes that are not a PNG cairo can decode.
    case invalidImage(String)
    /// A model that cannot be drawn (a page of zero size, margins wider than the page…).
    case invalidDocument(String)

    public var description: String {
        switch self {
        case let .cairo(operation, status): "cairo failed in \(operation): \(status)"
        case let .invalidImage(reason): "invalid image: \(reason)"
        case let .invalidDocument(reason): "invalid document: \(reason)"
        }
    }
}
